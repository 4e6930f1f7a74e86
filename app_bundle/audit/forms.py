import datetime

from django import forms
from django.utils import timezone

from directory.models import Agency, Municipality

from .models import Action


class EventFilterForm(forms.Form):
    mo = forms.ModelChoiceField(
        label="МО", queryset=Municipality.objects.all(), required=False, empty_label="все"
    )
    agency = forms.ModelChoiceField(
        label="Субъект профилактики",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="все",
    )
    user = forms.CharField(label="Пользователь (имя входа или ФИО)", required=False, max_length=150)
    action = forms.ChoiceField(label="Действие", required=False)
    date_from = forms.DateField(
        label="С", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="По", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "все"), *Action.choices]
        agencies = Agency.objects.select_related("mo")
        if viewer.mo_id and not viewer.is_regional:
            del self.fields["mo"]
            agencies = agencies.filter(mo_id=viewer.mo_id)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].label_from_instance = lambda a: (
            f"{a.mo.name if a.mo else 'Регион'}: {a.short_name or a.name}"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        return data

    def apply(self, events):
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data.get("mo"):
            events = events.filter(mo=data["mo"]) | events.filter(object_mo=data["mo"])
        if data.get("agency"):
            events = events.filter(agency=data["agency"])
        if data.get("user"):
            text = data["user"].strip()
            events = events.filter(username__iexact=text) | events.filter(user_name__icontains=text)
        if data.get("action"):
            events = events.filter(action=data["action"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            start = datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=tz)
            events = events.filter(time__gte=start)
        if data.get("date_to"):
            end = datetime.datetime.combine(
                data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            events = events.filter(time__lt=end)
        return events

    def described(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v}
