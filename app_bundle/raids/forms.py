from regbank_app.forms import StyledModelForm, not_in_future
from registry.forms import CardLinksForm

from .models import Raid, RaidVisit


class RaidForm(StyledModelForm):
    class Meta:
        model = Raid
        fields = ["date", "purpose", "area", "team", "notes"]

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"], "Дата рейда")


class VisitForm(CardLinksForm):
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
