"""User accounts: role and scope (МО, agency) are fields of the user.

docs/architecture.md: no Django groups or permissions (their integer ids differ between
databases), and no `last_login` (a municipal site must never write a replicated account
row; login times are audit events). Accounts are mastered at the regional server.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from regbank_app import site
from regbank_app.models import ReferenceModel
from regbank_app.roles import Role


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Accounts a user may see in the user list."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.REGIONAL:
            return self
        if user.role == Role.MUNICIPAL:
            return self.filter(mo_id=user.mo_id)
        return self.filter(pk=user.pk)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def create_user(self, username, password=None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **fields):
        """`manage.py createsuperuser`: the first regional officer, who creates the others."""
        fields.setdefault("role", Role.REGIONAL)
        # the first administrator's password was typed into a deploy's vault: changed at
        # the first login like every other temporary password
        fields.setdefault("must_change_password", True)
        fields.setdefault("can_manage_users", True)
        return self.create_user(username, password, **fields)


class User(ReferenceModel, AbstractBaseUser):
    last_login = None  # login times are audit events, never a write to this row

    username = models.CharField(
        "имя входа",
        max_length=150,
        unique=True,
        help_text="Латинские буквы, цифры и знаки . _ -",
    )
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    position = models.CharField("должность", max_length=200, blank=True)
    email = models.EmailField("электронная почта", blank=True)
    phone = models.CharField("телефон", max_length=40, blank=True)
    role = models.CharField("роль", max_length=20, choices=Role.choices)
    mo = models.ForeignKey(
        "directory.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="МО",
    )
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="субъект профилактики",
    )
    can_manage_users = models.BooleanField(
        "ведёт учётные записи",
        default=False,
        help_text="Может создавать и изменять учётные записи в пределах своей области.",
    )
    is_active = models.BooleanField("действует", default=True)
    must_change_password = models.BooleanField("сменить пароль при входе", default=True)
    password_changed_at = models.DateTimeField("пароль изменён", null=True, blank=True)
    password_history = models.JSONField(
        "прежние пароли (хеши)", default=list, blank=True, editable=False
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["last_name", "first_name"]
    audit_exclude = ("password_changed_at", "password_history")

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role="municipal") | models.Q(mo__isnull=False),
                name="user_mo_required_for_municipal_officer",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="agency") | models.Q(agency__isnull=False),
                name="user_agency_required_for_specialist",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()

    # --- role helpers -------------------------------------------------------------------
    @property
    def is_regional(self) -> bool:
        return self.role == Role.REGIONAL

    @property
    def is_municipal(self) -> bool:
        return self.role == Role.MUNICIPAL

    @property
    def is_agency(self) -> bool:
        return self.role == Role.AGENCY

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def sees_cards(self) -> bool:
        return self.role in (Role.REGIONAL, Role.MUNICIPAL, Role.AGENCY)

    @property
    def sees_audit(self) -> bool:
        return self.role in (Role.REGIONAL, Role.MUNICIPAL, Role.AUDITOR)

    @property
    def manages_users(self) -> bool:
        return (
            self.is_active
            and self.can_manage_users
            and self.role
            in (
                Role.REGIONAL,
                Role.MUNICIPAL,
            )
        )

    def can_manage(self, other: User) -> bool:
        """May this user edit `other`'s account (at the regional server)?"""
        if not self.manages_users or other.pk == self.pk:
            return False
        if self.is_regional:
            return True
        return other.mo_id == self.mo_id and other.role in (Role.MUNICIPAL, Role.AGENCY)

    # --- no account writes at a municipal site --------------------------------------------
    def check_password(self, raw_password):
        """Check without re-hashing at a municipal site (an upgrade would write this row)."""
        if site.masters_reference_data():
            return super().check_password(raw_password)
        return check_password(raw_password, self.password)

    def set_password(self, raw_password):
        """Keep the replaced hash: the last PASSWORD_HISTORY passwords are not reused."""
        if self.password:
            self.password_history = [self.password, *self.password_history][
                : settings.PASSWORD_HISTORY
            ]
        super().set_password(raw_password)

    def mark_password_changed(self):
        self.must_change_password = False
        self.password_changed_at = timezone.now()
