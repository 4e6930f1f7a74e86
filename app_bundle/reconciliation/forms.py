from django import forms

from regbank_app.forms import StyledModelForm

from .models import MAX_SAMPLE, CardKinds, Outcome, ReconciliationCard


class DrawForm(forms.Form):
    size = forms.IntegerField(
        label="Сколько карточек отобрать",
        min_value=1,
        max_value=MAX_SAMPLE,
        initial=20,
        help_text=f"От 1 до {MAX_SAMPLE}. Отбираются карточки, состоящие на учёте.",
    )
    kinds = forms.ChoiceField(label="Какие карточки", choices=CardKinds.choices)


class OutcomeForm(StyledModelForm):
    class Meta:
        model = ReconciliationCard
        fields = ["outcome", "differences"]
        widgets = {"outcome": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["differences"].widget.attrs["rows"] = 2

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.DIFFERS and not (data.get("differences") or "").strip():
            self.add_error("differences", "Опишите, что не совпадает с бумажной картотекой.")
        return data
