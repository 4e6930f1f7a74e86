"""Commission meetings (заседания КДН и ЗП), their agenda and resolutions (постановления)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from regbank_app.crud import kdn_editable_by, kdn_queryset_visible_to
from regbank_app.models import RegistryModel
from registry.models import CardLinks


class KdnQuerySet(models.QuerySet):
    def visible_to(self, user):
        return kdn_queryset_visible_to(self, user)


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(meeting__in=Meeting.objects.visible_to(user))


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Запланировано"
    HELD = "held", "Проведено"


class Meeting(RegistryModel):
    date = models.DateField("дата заседания")
    number = models.CharField("номер заседания", max_length=40)
    place = models.CharField("место проведения", max_length=300, blank=True)
    chair = models.CharField("председательствующий", max_length=200, blank=True)
    secretary = models.CharField("секретарь", max_length=200, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    notes = models.TextField("примечания", blank=True)

    objects = KdnQuerySet.as_manager()

    class Meta:
        verbose_name = "заседание комиссии"
        verbose_name_plural = "заседания комиссии"
        ordering = ["-date", "-number"]
        indexes = [models.Index(fields=["mo", "date"], name="meeting_mo_date")]

    def __str__(self) -> str:
        return f"Заседание № {self.number} от {self.date:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("commission:meeting-detail", args=[self.pk])

    def editable_by(self, user) -> bool:
        return kdn_editable_by(self, user)


class CardAndPlanLinks(CardLinks):
    """A commission record's links: a card (registry's `CardLinks`) and a plan of the МО."""

    plan = models.ForeignKey(
        "prevention.Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="план ИПР",
    )

    class Meta:
        abstract = True


class AgendaItem(CardAndPlanLinks, RegistryModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name="заседание"
    )
    order = models.PositiveIntegerField("№ вопроса", default=1)
    title = models.TextField("вопрос повестки")
    speaker = models.CharField("докладчик", max_length=200, blank=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = "вопрос повестки"
        verbose_name_plural = "повестка заседания"
        ordering = ["meeting", "order"]

    def __str__(self) -> str:
        return f"Вопрос {self.order}: {self.title[:80]}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url()


class ResolutionKind(models.TextChoices):
    REGISTER = "register", "О постановке на учёт"
    DEREGISTER = "deregister", "О снятии с учёта"
    PLAN = "plan", "Об утверждении (корректировке) плана ИПР"
    MEASURES = "measures", "О применении мер воздействия"
    OTHER = "other", "Иное"


class Resolution(CardAndPlanLinks, RegistryModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="resolutions", verbose_name="заседание"
    )
    number = models.CharField("номер постановления", max_length=40)
    date = models.DateField("дата постановления")
    kind = models.CharField(
        "вид", max_length=16, choices=ResolutionKind.choices, default=ResolutionKind.OTHER
    )
    text = models.TextField("постановила")

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = "постановление комиссии"
        verbose_name_plural = "постановления комиссии"
        ordering = ["-date", "number"]

    def __str__(self) -> str:
        return f"Постановление № {self.number} от {self.date:%d.%m.%Y}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url()


def resolutions_on_card(sender, *, user, card, **kwargs) -> dict:
    """A card page's resolutions (`regbank_app.cards`): those the user may read."""
    resolutions = Resolution.objects.visible_to(user).filter(**{card.kind: card})
    return {"resolutions": resolutions.select_related("meeting")}
