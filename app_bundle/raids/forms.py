from regbank_app.forms import StyledModelForm, not_in_future
from registry.models import Family, Minor

from .models import Raid, RaidVisit


class RaidForm(StyledModelForm):
    class Meta:
        model = Raid
        fields = ["date", "purpose", "area", "team", "notes"]

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"], "Дата рейда")


class VisitForm(StyledModelForm):
    class Meta:
        model = RaidVisit
        fields = [
            "address",
            "family",
            "minor",
            "findings",
            "measures_taken",
            "follow_up",
            "follow_up_done",
        ]

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = Family.objects.filter(mo=mo).order_by("family_name")
        self.fields["minor"].queryset = Minor.objects.filter(mo=mo).order_by("last_name")
