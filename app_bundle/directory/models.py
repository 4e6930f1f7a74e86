"""Directories (справочники): МО, agencies of the prevention system, categories, grounds."""

from __future__ import annotations

from django.db import models

from regbank_app.models import ReferenceModel


class Municipality(ReferenceModel):
    code = models.CharField("код", max_length=16, unique=True)
    name = models.CharField("наименование", max_length=200)
    full_name = models.CharField("полное наименование", max_length=300, blank=True)
    own_server = models.BooleanField(
        "собственный муниципальный сервер",
        default=False,
        help_text="Картотеки МО ведутся на его муниципальном сервере.",
    )
    is_active = models.BooleanField("действует", default=True)
    sort_order = models.PositiveIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "муниципальное образование"
        verbose_name_plural = "муниципальные образования"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class AgencyType(models.TextChoices):
    KDN = "kdn", "КДН и ЗП"
    GUARDIANSHIP = "guardianship", "Опека и попечительство"
    EDUCATION = "education", "Образование"
    HEALTH = "health", "Здравоохранение"
    POLICE = "police", "ПДН ОМВД"
    SOCIAL = "social", "Социальная защита"
    YOUTH = "youth", "Молодёжная политика"
    EMPLOYMENT = "employment", "Занятость"
    CULTURE_SPORT = "culture_sport", "Культура и спорт"
    OTHER = "other", "Иное"


class Agency(ReferenceModel):
    """A subject of the prevention system (субъект профилактики)."""

    mo = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name="МО",
        help_text="Пусто — учреждение регионального уровня.",
    )
    type = models.CharField("вид", max_length=20, choices=AgencyType.choices)
    name = models.CharField("наименование", max_length=300)
    short_name = models.CharField("краткое наименование", max_length=120, blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "субъект профилактики"
        verbose_name_plural = "субъекты профилактики"
        ordering = ["mo__sort_order", "type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mo", "name"], name="agency_unique_name_per_mo"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_kdn(self) -> bool:
        return self.type == AgencyType.KDN


class AppliesTo(models.TextChoices):
    FAMILY = "family", "Семья"
    MINOR = "minor", "Несовершеннолетний"
    BOTH = "both", "Семья и несовершеннолетний"


class ForCardQuerySet(models.QuerySet):
    def for_card(self, kind: str):
        """Entries that apply to a card kind ('family' or 'minor')."""
        return self.filter(applies_to__in=[kind, AppliesTo.BOTH], is_active=True)


class Category(ReferenceModel):
    """Category of socially dangerous position (категория СОП)."""

    code = models.CharField("код", max_length=32, unique=True)
    name = models.CharField("наименование", max_length=500)
    applies_to = models.CharField("применяется к", max_length=10, choices=AppliesTo.choices)
    is_active = models.BooleanField("действует", default=True)
    sort_order = models.PositiveIntegerField("порядок", default=0)

    objects = ForCardQuerySet.as_manager()

    class Meta:
        verbose_name = "категория СОП"
        verbose_name_plural = "категории СОП"
        ordering = ["applies_to", "sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class GroundKind(models.TextChoices):
    REGISTRATION = "registration", "Постановка на учёт"
    DEREGISTRATION = "deregistration", "Снятие с учёта"


class Ground(ReferenceModel):
    """Ground for registration or deregistration (основание постановки / снятия)."""

    code = models.CharField("код", max_length=32, unique=True)
    kind = models.CharField("вид", max_length=16, choices=GroundKind.choices)
    name = models.CharField("наименование", max_length=500)
    applies_to = models.CharField("применяется к", max_length=10, choices=AppliesTo.choices)
    is_active = models.BooleanField("действует", default=True)
    sort_order = models.PositiveIntegerField("порядок", default=0)

    objects = ForCardQuerySet.as_manager()

    class Meta:
        verbose_name = "основание"
        verbose_name_plural = "основания постановки и снятия с учёта"
        ordering = ["kind", "sort_order", "name"]

    def __str__(self) -> str:
        return self.name
