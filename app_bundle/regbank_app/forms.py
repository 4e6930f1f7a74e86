"""Form conventions: HTML5 date inputs, sensible widgets."""

import datetime

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def not_in_future(value, label="Дата"):
    if value and value > datetime.date.today():
        raise forms.ValidationError(f"{label} не может быть позже сегодняшнего дня.")
    return value


class StyledModelForm(forms.ModelForm):
    """Dates as <input type=date>, short text areas."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
