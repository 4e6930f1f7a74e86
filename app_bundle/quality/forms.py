from regbank_app.forms import StyledModelForm

from .models import Thresholds


class ThresholdsForm(StyledModelForm):
    class Meta:
        model = Thresholds
        fields = ["stale_months", "min_findings_chars"]
