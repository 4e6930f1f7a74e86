from django import forms

from .kinds import KINDS


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Что загружается", choices=[(k.slug, k.title) for k in KINDS.values()]
    )
    file = forms.FileField(label="Файл XLSX или CSV")
