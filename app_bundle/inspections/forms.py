from django import forms

from directory.models import Municipality
from regbank_app.forms import StyledModelForm, not_in_future

from .models import Inspection, Recommendation


class InspectionForm(StyledModelForm):
    class Meta:
        model = Inspection
        fields = ["mo", "date", "inspectors", "findings"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mo"].queryset = Municipality.objects.filter(is_active=True)

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"], "Дата проверки")


class InspectionEditForm(InspectionForm):
    """The МО is chosen once: its recommendations carry the same МО."""

    class Meta(InspectionForm.Meta):
        fields = ["date", "inspectors", "findings"]

    def __init__(self, *args, **kwargs):
        super(InspectionForm, self).__init__(*args, **kwargs)


class RecommendationForm(StyledModelForm):
    class Meta:
        model = Recommendation
        fields = ["text", "due_date", "follow_up", "done_on"]

    def clean_done_on(self):
        return not_in_future(self.cleaned_data["done_on"], "Дата исполнения")

    def clean(self):
        data = super().clean()
        if data.get("done_on") and not (data.get("follow_up") or "").strip():
            self.add_error("follow_up", "Укажите, как исполнена рекомендация.")
        return data


class FilterForm(forms.Form):
    mo = forms.ModelChoiceField(
        label="МО",
        queryset=Municipality.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="все",
    )
    open_only = forms.BooleanField(label="Только с неисполненными рекомендациями", required=False)
