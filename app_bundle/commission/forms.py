from prevention.models import Plan
from regbank_app.forms import StyledModelForm
from registry.forms import CardLinksForm

from .models import AgendaItem, Meeting, Resolution


class MeetingForm(StyledModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "number", "place", "chair", "secretary", "status", "notes"]


class LinkedForm(CardLinksForm):
    """Links to cards and plans of the meeting's МО only."""

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, mo=mo, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(mo=mo).select_related("family", "minor")


class AgendaItemForm(LinkedForm):
    class Meta:
        model = AgendaItem
        fields = ["order", "title", "speaker", "family", "minor", "plan"]


class ResolutionForm(LinkedForm):
    class Meta:
        model = Resolution
        fields = ["number", "date", "kind", "text", "family", "minor", "plan"]
