"""Reconciliation (сверка): a random sample of an МО's cards on record, checked against
the paper files, and the outcome per card.

Written by the МО's КДН officer at the МО's home site and replicated up with the card
files, so the regional officer reads every МО's results over time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from regbank_app.crud import kdn_editable_by, kdn_queryset_visible_to
from regbank_app.models import RegistryModel
from registry.models import CardLinks

MAX_SAMPLE = 200  # cards in one check list: a day's work in the archive at most


class CardKinds(models.TextChoices):
    BOTH = "both", "семьи и несовершеннолетние"
    FAMILIES = "families", "только семьи"
    MINORS = "minors", "только несовершеннолетние"


class Outcome(models.TextChoices):
    PENDING = "pending", "не проверена"
    MATCHES = "matches", "совпадает"
    DIFFERS = "differs", "есть расхождения"


class ReconciliationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return kdn_queryset_visible_to(self, user)

    def with_figures(self):
        """Each sample's cards, checked cards, matches and differences.

        Django drops Meta.ordering from GROUP BY queries, so the order is restated.
        """
        return self.order_by(*self.model._meta.ordering).annotate(
            n_cards=models.Count("cards"),
            n_checked=models.Count("cards", filter=~models.Q(cards__outcome=Outcome.PENDING)),
            n_matches=models.Count("cards", filter=models.Q(cards__outcome=Outcome.MATCHES)),
            n_differs=models.Count("cards", filter=models.Q(cards__outcome=Outcome.DIFFERS)),
        )


class ReconciliationCardQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(reconciliation__in=Reconciliation.objects.visible_to(user))


class Reconciliation(RegistryModel):
    drawn_on = models.DateField("дата выборки")
    requested = models.PositiveSmallIntegerField("запрошено карточек")
    kinds = models.CharField(
        "какие карточки", max_length=10, choices=CardKinds.choices, default=CardKinds.BOTH
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="выборку сделал",
    )

    objects = ReconciliationQuerySet.as_manager()

    class Meta:
        verbose_name = "сверка"
        verbose_name_plural = "сверки картотек"
        ordering = ["mo__sort_order", "-drawn_on", "-created_at"]
        indexes = [models.Index(fields=["mo", "drawn_on"], name="reconciliation_mo_date")]

    def __str__(self) -> str:
        return f"Сверка {self.drawn_on:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("reconciliation:detail", args=[self.pk])

    def editable_by(self, user) -> bool:
        return kdn_editable_by(self, user)


class ReconciliationCard(CardLinks, RegistryModel):
    """One card of a sample and what the check found."""

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="cards", verbose_name="сверка"
    )
    position = models.PositiveSmallIntegerField("№ в листе сверки")
    # kept as drawn: the result still reads if the card is deleted later
    card_number = models.CharField("номер карточки", max_length=80)
    outcome = models.CharField(
        "результат", max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    differences = models.TextField("что не совпадает", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="проверил",
    )
    checked_at = models.DateTimeField("проверено", null=True, editable=False)

    objects = ReconciliationCardQuerySet.as_manager()
    audit_exclude = ("checked_by", "checked_at")  # the event's own user and time

    class Meta:
        verbose_name = "карточка сверки"
        verbose_name_plural = "карточки сверки"
        ordering = ["reconciliation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "position"], name="reconciliation_card_position"
            ),
            models.CheckConstraint(
                condition=models.Q(family__isnull=True) | models.Q(minor__isnull=True),
                name="reconciliation_card_one_card",
            ),
        ]

    def __str__(self) -> str:
        return f"Карточка {self.card_number} в сверке"

    def get_absolute_url(self):
        return self.reconciliation.get_absolute_url()

    @property
    def card(self):
        return self.family or self.minor
