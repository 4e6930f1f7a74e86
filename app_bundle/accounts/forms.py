from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator

from directory.models import Agency, AgencyType, Municipality

from .models import Role, User

username_validator = RegexValidator(
    r"^[A-Za-z0-9._-]+$", "Используйте латинские буквы, цифры и знаки . _ -"
)


class UserForm(forms.ModelForm):
    """Account form. A municipal officer manages only his МО's officers and specialists."""

    class Meta:
        model = User
        fields = [
            "username",
            "last_name",
            "first_name",
            "middle_name",
            "position",
            "email",
            "phone",
            "role",
            "mo",
            "agency",
            "can_manage_users",
            "is_active",
        ]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, manager: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        self.fields["username"].validators.append(username_validator)
        self.fields["mo"].queryset = Municipality.objects.filter(is_active=True)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).select_related("mo")
        self.fields["agency"].label_from_instance = lambda a: (
            f"{a.mo.name if a.mo else 'Регион'}: {a.name}"
        )
        if not manager.is_regional:
            self.fields["role"].choices = [
                (Role.MUNICIPAL, Role.MUNICIPAL.label),
                (Role.AGENCY, Role.AGENCY.label),
            ]
            self.fields["mo"].queryset = Municipality.objects.filter(pk=manager.mo_id)
            self.fields["mo"].initial = manager.mo_id
            self.fields["mo"].required = True
            self.fields["mo"].empty_label = None
            self.fields["agency"].queryset = self.fields["agency"].queryset.filter(
                mo_id=manager.mo_id
            )

    def clean_username(self):
        username = self.cleaned_data["username"]
        clash = User.objects.filter(username__iexact=username)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Пользователь с таким именем входа уже есть.")
        return username

    def clean(self):
        data = super().clean()
        role, mo, agency = data.get("role"), data.get("mo"), data.get("agency")
        if role == Role.MUNICIPAL:
            if not mo:
                self.add_error("mo", "Для специалиста КДН и ЗП укажите МО.")
            elif agency is None:
                data["agency"] = Agency.objects.filter(mo=mo, type=AgencyType.KDN).first()
            elif agency.mo_id != mo.pk:
                self.add_error("agency", "Субъект профилактики должен относиться к указанному МО.")
        elif role == Role.AGENCY:
            if agency is None:
                self.add_error("agency", "Для специалиста субъекта профилактики укажите его.")
            else:
                data["mo"] = agency.mo
        elif role == Role.REGIONAL:
            data["mo"] = None
        if agency is not None and mo is not None and agency.mo_id not in (None, mo.pk):
            self.add_error("agency", "Субъект профилактики должен относиться к указанному МО.")
        if not self.manager.is_regional and data.get("can_manage_users") and role != Role.MUNICIPAL:
            self.add_error("can_manage_users", "Вести учётные записи может только специалист КДН.")
        return data


class NewUserForm(UserForm):
    password1 = forms.CharField(
        label="Временный пароль",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Пользователь сменит его при первом входе.",
    )
    password2 = forms.CharField(
        label="Временный пароль ещё раз",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Пароли не совпадают.")
        elif p1:
            candidate = User(
                username=data.get("username", ""),
                last_name=data.get("last_name", ""),
                first_name=data.get("first_name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        user.must_change_password = True
        if commit:
            user.save()
        return user


class ResetPasswordForm(forms.Form):
    password1 = NewUserForm.base_fields["password1"]
    password2 = NewUserForm.base_fields["password2"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Пароли не совпадают.")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
