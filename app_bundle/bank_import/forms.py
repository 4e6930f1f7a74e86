from django import forms


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="Что загружается")
    file = forms.FileField(label="Файл XLSX или CSV")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.slug, k.title) for k in kinds]
