from regbank_app.forms import StyledModelForm

from .models import Agency, Category, Ground


class AgencyForm(StyledModelForm):
    class Meta:
        model = Agency
        fields = ["mo", "type", "name", "short_name", "is_active"]


class CategoryForm(StyledModelForm):
    class Meta:
        model = Category
        fields = ["code", "applies_to", "name", "sort_order", "is_active"]


class GroundForm(StyledModelForm):
    class Meta:
        model = Ground
        fields = ["code", "kind", "applies_to", "name", "sort_order", "is_active"]
