from django import forms

from analytics.forms import FIRST_DAY, LAST_DAY, MAX_YEARS, default_period
from regbank_app.forms import DateInput


class PeriodForm(forms.Form):
    """The period of the activity figures; empty fields take the analytics' default."""

    date_from = forms.DateField(label="Период с", widget=DateInput(), required=False)
    date_to = forms.DateField(label="по", widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        start, end = default_period()
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        start, end = data["date_from"], data["date_to"]
        for name, day in (("date_from", start), ("date_to", end)):
            if not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, f"Дата — с {FIRST_DAY:%d.%m.%Y} по {LAST_DAY:%d.%m.%Y}.")
                return data
        if start > end:
            self.add_error("date_to", "Конец периода раньше начала.")
        elif end.year - start.year >= MAX_YEARS:
            self.add_error("date_from", f"Период — не длиннее {MAX_YEARS} лет.")
        return data
