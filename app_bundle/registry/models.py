"""Card files (картотеки): families and minors on record, their members and registrations.

Every row carries its МО and a UUID key (docs/architecture.md, replication rules); rows are
written only at their home site (see regbank_app.models.RegistryModel).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse

from directory.models import Category, Ground
from regbank_app.models import RegistryModel
from regbank_app.roles import Role


class CardStatus(models.TextChoices):
    NEW = "new", "Не поставлен(а) на учёт"
    ON_RECORD = "on_record", "Состоит на учёте"
    DEREGISTERED = "deregistered", "Снят(а) с учёта"


class Sex(models.TextChoices):
    MALE = "m", "мужской"
    FEMALE = "f", "женский"


class CardQuerySet(models.QuerySet):
    card_field = ""  # the Plan field pointing at this card kind

    def visible_to(self, user):
        """Cards a user may read. The one place card access is decided."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.REGIONAL:
            return self
        if user.role == Role.MUNICIPAL and user.mo_id:
            return self.filter(mo_id=user.mo_id)
        if user.role == Role.AGENCY and user.agency_id:
            # prevention sits above registry: its Measure is reached through the reverse
            # relations card -> plans -> measures, never imported
            measure = self.model.plans.rel.related_model.measures.rel.related_model
            measures = measure.objects.filter(
                agency_id=user.agency_id, **{f"plan__{self.card_field}": OuterRef("pk")}
            )
            return self.filter(Exists(measures))
        return self.none()


class FamilyQuerySet(CardQuerySet):
    card_field = "family"

    def search(self, *, name="", birth_date=None, address=""):
        qs = self
        if name:
            words = name.split()
            person = Q()
            for word in words:
                person &= (
                    Q(last_name__icontains=word)
                    | Q(first_name__icontains=word)
                    | Q(middle_name__icontains=word)
                )
            # one set of ids from three trigram-indexed scans: at 100 000 cards this is
            # faster than testing every family against EXISTS (app_bundle/README.md, bench)
            ids = (
                Family.objects.filter(family_name__icontains=name)
                .order_by()
                .values("pk")
                .union(
                    FamilyMember.objects.filter(person).order_by().values("family_id"),
                    Minor.objects.filter(person, family__isnull=False)
                    .order_by()
                    .values("family_id"),
                    all=True,
                )
            )
            qs = qs.filter(pk__in=ids)
        if birth_date:
            qs = qs.filter(
                Exists(FamilyMember.objects.filter(family=OuterRef("pk"), birth_date=birth_date))
                | Exists(Minor.objects.filter(family=OuterRef("pk"), birth_date=birth_date))
            )
        if address:
            qs = qs.filter(
                Q(address_actual__icontains=address) | Q(address_registration__icontains=address)
            )
        return qs


class MinorQuerySet(CardQuerySet):
    card_field = "minor"

    def search(self, *, name="", birth_date=None, address=""):
        qs = self
        for word in name.split():
            qs = qs.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(middle_name__icontains=word)
            )
        if birth_date:
            qs = qs.filter(birth_date=birth_date)
        if address:
            qs = qs.filter(
                Q(address_actual__icontains=address) | Q(address_registration__icontains=address)
            )
        return qs


class FamilyMemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(family__in=Family.objects.visible_to(user))


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            Q(family__in=Family.objects.visible_to(user))
            | Q(minor__in=Minor.objects.visible_to(user))
        )


class Card(RegistryModel):
    """What families and minors on record have in common."""

    kind = ""
    number_prefix = ""
    audit_exclude = ("status",)  # derived from registrations, which are audited themselves

    seq = models.PositiveIntegerField("порядковый номер", editable=False)
    status = models.CharField(
        "статус", max_length=16, choices=CardStatus.choices, default=CardStatus.NEW, editable=False
    )
    address_registration = models.CharField("адрес регистрации", max_length=300, blank=True)
    address_actual = models.CharField("адрес фактического проживания", max_length=300, blank=True)
    circumstances = models.TextField("обстоятельства социально опасного положения", blank=True)
    notes = models.TextField("примечания", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="создал",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="изменил",
    )

    class Meta:
        abstract = True

    @property
    def number(self) -> str:
        return f"{self.mo.name}/{self.number_prefix}-{self.seq:05d}" if self.seq else ""

    @property
    def audit_card(self):
        return self

    def editable_by(self, user) -> bool:
        """Card files are kept by the КДН staff of the card's МО, at the card's home site."""
        return (
            user.is_authenticated
            and user.is_active
            and user.is_municipal
            and user.mo_id == self.mo_id
            and self.is_home_here
        )

    def assign_number(self):
        """Next number within the МО (serialised per МО and card kind)."""
        if self.seq:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{self.kind}:{self.mo_id}"]
            )
        last = type(self).objects.filter(mo_id=self.mo_id).aggregate(m=models.Max("seq"))["m"]
        self.seq = (last or 0) + 1

    def refresh_status(self, save=True):
        registrations = list(self.registrations.all())
        if not registrations:
            status = CardStatus.NEW
        elif any(r.deregistered_on is None for r in registrations):
            status = CardStatus.ON_RECORD
        else:
            status = CardStatus.DEREGISTERED
        if status != self.status:
            self.status = status
            if save:
                self.save(update_fields=["status", "updated_at"])

    @property
    def current_registration(self):
        return next((r for r in self.registrations.all() if r.deregistered_on is None), None)


class Family(Card):
    kind = "family"
    number_prefix = "С"

    family_name = models.CharField("фамилия семьи", max_length=200, help_text="Например: Ивановы")
    phone = models.CharField("телефон", max_length=60, blank=True)
    is_large = models.BooleanField("многодетная", default=False)
    is_single_parent = models.BooleanField("неполная", default=False)
    is_low_income = models.BooleanField("малоимущая", default=False)
    housing = models.TextField("жилищно-бытовые условия", blank=True)
    categories = models.ManyToManyField(
        Category,
        through="FamilyCategory",
        related_name="+",
        blank=True,
        verbose_name="категории СОП",
    )

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name = "семья"
        verbose_name_plural = "семьи"
        ordering = ["mo__sort_order", "-seq"]
        constraints = [models.UniqueConstraint(fields=["mo", "seq"], name="family_number_unique")]
        indexes = [
            models.Index(fields=["mo", "status"], name="family_mo_status"),
            models.Index(Lower("family_name"), name="family_name_lower"),
        ]

    def __str__(self) -> str:
        return f"Семья {self.family_name} ({self.number})"

    def get_absolute_url(self):
        return reverse("registry:family-detail", args=[self.pk])


class Minor(Card):
    kind = "minor"
    number_prefix = "Н"

    family = models.ForeignKey(
        Family,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="minors",
        verbose_name="семья",
    )
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения")
    sex = models.CharField("пол", max_length=1, choices=Sex.choices)
    institution = models.CharField(
        "образовательная организация (учреждение)", max_length=300, blank=True
    )
    class_group = models.CharField("класс (группа)", max_length=40, blank=True)
    categories = models.ManyToManyField(
        Category,
        through="MinorCategory",
        related_name="+",
        blank=True,
        verbose_name="категории СОП",
    )

    objects = MinorQuerySet.as_manager()

    class Meta:
        verbose_name = "несовершеннолетний"
        verbose_name_plural = "несовершеннолетние"
        ordering = ["mo__sort_order", "last_name", "first_name"]
        constraints = [models.UniqueConstraint(fields=["mo", "seq"], name="minor_number_unique")]
        indexes = [
            models.Index(fields=["mo", "status"], name="minor_mo_status"),
            models.Index(
                Lower("last_name"), Lower("first_name"), "birth_date", name="minor_person"
            ),
            models.Index(fields=["birth_date"], name="minor_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.birth_date:%d.%m.%Y} ({self.number})"

    def get_absolute_url(self):
        return reverse("registry:minor-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def age_on(self, day: datetime.date | None = None) -> int:
        day = day or datetime.date.today()
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class FamilyCategory(RegistryModel):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "category"], name="family_category_unique")
        ]


class MinorCategory(RegistryModel):
    minor = models.ForeignKey(Minor, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minor", "category"], name="minor_category_unique")
        ]


class Relation(models.TextChoices):
    MOTHER = "mother", "мать"
    FATHER = "father", "отец"
    STEPMOTHER = "stepmother", "мачеха"
    STEPFATHER = "stepfather", "отчим"
    GUARDIAN = "guardian", "опекун (попечитель)"
    GRANDMOTHER = "grandmother", "бабушка"
    GRANDFATHER = "grandfather", "дедушка"
    SON = "son", "сын"
    DAUGHTER = "daughter", "дочь"
    BROTHER = "brother", "брат"
    SISTER = "sister", "сестра"
    PARTNER = "partner", "сожитель (сожительница)"
    OTHER = "other", "иное"


class FamilyMember(RegistryModel):
    """A member of a family on record (parents, other adults, children without a card)."""

    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="members", verbose_name="семья"
    )
    relation = models.CharField("степень родства", max_length=20, choices=Relation.choices)
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    middle_name = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения", null=True, blank=True)
    is_legal_representative = models.BooleanField("законный представитель", default=False)
    occupation = models.CharField("место работы (учёбы)", max_length=300, blank=True)
    phone = models.CharField("телефон", max_length=60, blank=True)
    notes = models.TextField("примечания", blank=True)

    objects = FamilyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "член семьи"
        verbose_name_plural = "члены семьи"
        ordering = ["birth_date", "last_name"]
        indexes = [
            models.Index(
                Lower("last_name"), Lower("first_name"), "birth_date", name="member_person"
            ),
        ]

    def __str__(self) -> str:
        born = f", {self.birth_date:%d.%m.%Y}" if self.birth_date else ""
        return f"{self.full_name} ({self.get_relation_display()}{born})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def audit_card(self):
        return self.family


class Registration(RegistryModel):
    """One period on record: registration and (later) deregistration, with grounds and the
    commission's resolutions."""

    family = models.ForeignKey(
        Family,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name="семья",
    )
    minor = models.ForeignKey(
        Minor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name="несовершеннолетний",
    )
    registered_on = models.DateField("дата постановки на учёт")
    registration_ground = models.ForeignKey(
        Ground,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="основание постановки",
    )
    registration_resolution = models.CharField(
        "постановление о постановке (номер и дата)", max_length=120, blank=True
    )
    deregistered_on = models.DateField("дата снятия с учёта", null=True, blank=True)
    deregistration_ground = models.ForeignKey(
        Ground,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="основание снятия",
    )
    deregistration_resolution = models.CharField(
        "постановление о снятии (номер и дата)", max_length=120, blank=True
    )
    notes = models.TextField("примечания", blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "постановка на учёт"
        verbose_name_plural = "постановки на учёт"
        ordering = ["-registered_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(family__isnull=False, minor__isnull=True)
                | Q(family__isnull=True, minor__isnull=False),
                name="registration_one_card",
            ),
            models.CheckConstraint(
                condition=Q(deregistered_on__isnull=True)
                | Q(deregistered_on__gte=models.F("registered_on")),
                name="registration_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(deregistered_on__isnull=True) | Q(deregistration_ground__isnull=False),
                name="registration_deregistration_ground",
            ),
        ]

    def __str__(self) -> str:
        text = f"на учёте с {self.registered_on:%d.%m.%Y}"
        if self.deregistered_on:
            text += f" по {self.deregistered_on:%d.%m.%Y}"
        return text

    @property
    def card(self):
        return self.family if self.family_id else self.minor

    @property
    def audit_card(self):
        return self.card


class CardLinks(models.Model):
    """Optional links of a commission or raid record to a family and a minor card."""

    family = models.ForeignKey(
        "registry.Family",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="семья",
    )
    minor = models.ForeignKey(
        "registry.Minor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="несовершеннолетний",
    )

    class Meta:
        abstract = True

    @property
    def audit_card(self):
        return self.family or self.minor
