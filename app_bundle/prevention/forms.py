import datetime

from django.db.models import Q

from directory.models import Agency
from regbank_app.forms import StyledModelForm, not_in_future

from .models import ExecutionReport, Measure, Plan


class PlanForm(StyledModelForm):
    class Meta:
        model = Plan
        fields = ["start_date", "end_date", "goal", "approval", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            del self.fields["status"]
            self.fields["start_date"].initial = datetime.date.today

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "Окончание плана раньше его начала.")
        return data


class MeasureForm(StyledModelForm):
    class Meta:
        model = Measure
        fields = ["title", "agency", "executor", "due_date"]

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (
            Agency.objects.filter(is_active=True)
            .filter(Q(mo=mo) | Q(mo__isnull=True))
            .select_related("mo")
        )
        self.fields["agency"].label_from_instance = lambda a: (
            f"{a.name}" if a.mo_id else f"{a.name} (региональный уровень)"
        )


class ReportForm(StyledModelForm):
    class Meta:
        model = ExecutionReport
        fields = ["reported_on", "result", "is_done"]
        help_texts = {"is_done": "Снимите отметку, если мероприятие выполнить не удалось."}

    def clean_reported_on(self):
        return not_in_future(self.cleaned_data["reported_on"], "Дата отчёта")
