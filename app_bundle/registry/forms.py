import datetime

from django import forms

from directory.models import Category, Ground, GroundKind, Municipality
from regbank_app.forms import StyledModelForm, not_in_future

from . import duplicates
from .models import Family, FamilyMember, Minor, Registration


def _categories_field(kind):
    return forms.ModelMultipleChoiceField(
        label="Категории социально опасного положения",
        queryset=Category.objects.for_card(kind),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CardForm(StyledModelForm):
    """Cards keep their categories in a through table carrying the МО: saved by hand."""

    kind = ""
    confirm_duplicate = forms.BooleanField(
        label="Всё равно сохранить карточку (дублирование согласовано)", required=False
    )

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, **kwargs)
        self.mo = mo
        self.fields["categories"] = _categories_field(self.kind)
        if not self.instance._state.adding:
            self.fields["categories"].initial = list(
                self.instance.categories.values_list("pk", flat=True)
            )
        self.duplicate_warnings: list[str] = []
        # the confirmation box appears only once a duplicate has been found
        self.fields["confirm_duplicate"].widget = forms.HiddenInput()
        if self.field_order:
            self.order_fields(self.field_order)

    identity_fields: tuple[str, ...] = ()

    def check_duplicates(self) -> list[str]:
        return []

    def clean(self):
        data = super().clean()
        identity_changed = self.instance._state.adding or any(
            f in self.changed_data for f in self.identity_fields
        )
        if not self.errors and identity_changed:
            self.duplicate_warnings = self.check_duplicates()
            if self.duplicate_warnings and not data.get("confirm_duplicate"):
                self.fields["confirm_duplicate"].widget = forms.CheckboxInput()
                raise forms.ValidationError(
                    "Возможное дублирование: "
                    + " ".join(self.duplicate_warnings)
                    + " Согласуйте с КДН и ЗП этого МО, кто ведёт карточку, "
                    "и подтвердите сохранение."
                )
        return data

    def save_categories(self, card):
        wanted = set(self.cleaned_data["categories"])
        card.categories.set(wanted, through_defaults={"mo": card.mo})


class FamilyForm(CardForm):
    kind = "family"
    identity_fields = ("family_name", "address_actual")

    class Meta:
        model = Family
        fields = [
            "family_name",
            "address_registration",
            "address_actual",
            "phone",
            "is_large",
            "is_single_parent",
            "is_low_income",
            "housing",
            "circumstances",
            "notes",
        ]

    field_order = [*Meta.fields[:8], "categories", "circumstances", "notes"]

    def check_duplicates(self):
        data = self.cleaned_data
        where = duplicates.family_elsewhere(
            data.get("family_name"), data.get("address_actual"), self.mo.pk
        )
        if not where:
            return []
        return [
            f"семья {data['family_name']} по этому адресу состоит на учёте в {', '.join(where)}."
        ]


class MinorForm(CardForm):
    kind = "minor"
    identity_fields = ("last_name", "first_name", "birth_date")

    class Meta:
        model = Minor
        fields = [
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "sex",
            "family",
            "address_registration",
            "address_actual",
            "institution",
            "class_group",
            "circumstances",
            "notes",
        ]

    field_order = [*Meta.fields[:10], "categories", "circumstances", "notes"]

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, mo=mo, **kwargs)
        self.fields["family"].queryset = Family.objects.filter(mo=mo).order_by("family_name")
        self.fields["family"].help_text = "Если несовершеннолетний из семьи, состоящей на учёте."

    def clean_birth_date(self):
        value = not_in_future(self.cleaned_data["birth_date"], "Дата рождения")
        today = datetime.date.today()
        if (
            value
            and (today.year - value.year - ((today.month, today.day) < (value.month, value.day)))
            >= 18
        ):
            raise forms.ValidationError("На учёт ставятся лица, не достигшие 18 лет.")
        return value

    def check_duplicates(self):
        data = self.cleaned_data
        where = duplicates.person_elsewhere(
            data.get("last_name"), data.get("first_name"), data.get("birth_date"), self.mo.pk
        )
        if not where:
            return []
        return [
            f"{data['last_name']} {data['first_name']}, {data['birth_date']:%d.%m.%Y} г. р., "
            f"состоит на учёте в {', '.join(where)}."
        ]


class FamilyMemberForm(StyledModelForm):
    class Meta:
        model = FamilyMember
        fields = [
            "relation",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "is_legal_representative",
            "occupation",
            "phone",
            "notes",
        ]

    def clean_birth_date(self):
        return not_in_future(self.cleaned_data.get("birth_date"), "Дата рождения")


class RegistrationForm(StyledModelForm):
    """Putting a card on record: date, ground and the commission's resolution."""

    class Meta:
        model = Registration
        fields = ["registered_on", "registration_ground", "registration_resolution", "notes"]

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration_ground"].queryset = Ground.objects.filter(
            kind=GroundKind.REGISTRATION
        ).for_card(kind)
        self.fields["registered_on"].initial = datetime.date.today

    def clean_registered_on(self):
        return not_in_future(self.cleaned_data["registered_on"], "Дата постановки")


class DeregistrationForm(StyledModelForm):
    class Meta:
        model = Registration
        fields = ["deregistered_on", "deregistration_ground", "deregistration_resolution"]

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deregistered_on"].required = True
        self.fields["deregistration_ground"].required = True
        self.fields["deregistration_ground"].queryset = Ground.objects.filter(
            kind=GroundKind.DEREGISTRATION
        ).for_card(kind)
        self.fields["deregistered_on"].initial = datetime.date.today

    def clean_deregistered_on(self):
        value = not_in_future(self.cleaned_data["deregistered_on"], "Дата снятия")
        if value and value < self.instance.registered_on:
            raise forms.ValidationError("Дата снятия не может быть раньше даты постановки.")
        return value


class SearchForm(forms.Form):
    name = forms.CharField(label="ФИО или фамилия семьи", required=False, max_length=200)
    birth_date = forms.DateField(
        label="Дата рождения", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.CharField(label="Адрес", required=False, max_length=200)
    mo = forms.ChoiceField(label="МО", required=False)
    status = forms.ChoiceField(label="Статус", required=False)

    def __init__(self, *args, user, status_choices, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_regional:
            self.fields["mo"].choices = [("", "все")] + [
                (m.code, m.name) for m in Municipality.objects.all()
            ]
        else:
            del self.fields["mo"]
        self.fields["status"].choices = [("", "все")] + list(status_choices)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class CardLinksForm(StyledModelForm):
    """A commission or raid record's links (`CardLinks`): cards of the record's МО only."""

    def __init__(self, *args, mo, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = Family.objects.filter(mo=mo).order_by("family_name")
        self.fields["minor"].queryset = Minor.objects.filter(mo=mo).order_by("last_name")
