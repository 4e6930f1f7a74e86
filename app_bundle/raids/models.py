"""Raids (рейдовые мероприятия): date, team, addresses visited, findings, follow-up."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from regbank_app.crud import kdn_editable_by, kdn_queryset_visible_to
from regbank_app.models import RegistryModel
from registry.models import CardLinks


class RaidQuerySet(models.QuerySet):
    def visible_to(self, user):
        return kdn_queryset_visible_to(self, user)


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(raid__in=Raid.objects.visible_to(user))


class Raid(RegistryModel):
    date = models.DateField("дата рейда")
    purpose = models.CharField("цель рейда", max_length=300)
    area = models.CharField("территория (маршрут)", max_length=300, blank=True)
    team = models.TextField("состав группы", help_text="ФИО и должности участников, ведомства")
    notes = models.TextField("примечания", blank=True)

    objects = RaidQuerySet.as_manager()

    class Meta:
        verbose_name = "рейд"
        verbose_name_plural = "рейдовые мероприятия"
        ordering = ["-date"]
        indexes = [models.Index(fields=["mo", "date"], name="raid_mo_date")]

    def __str__(self) -> str:
        return f"Рейд {self.date:%d.%m.%Y}: {self.purpose[:80]}"

    def get_absolute_url(self):
        return reverse("raids:raid-detail", args=[self.pk])

    def editable_by(self, user) -> bool:
        return kdn_editable_by(self, user)


class RaidVisit(CardLinks, RegistryModel):
    raid = models.ForeignKey(
        Raid, on_delete=models.CASCADE, related_name="visits", verbose_name="рейд"
    )
    address = models.CharField("адрес", max_length=300)
    findings = models.TextField("выявлено")
    measures_taken = models.TextField("принятые меры", blank=True)
    follow_up = models.TextField("необходимые дальнейшие действия", blank=True)
    follow_up_done = models.BooleanField("дальнейшие действия выполнены", default=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "посещённый адрес"
        verbose_name_plural = "посещённые адреса"
        ordering = ["raid", "created_at"]

    def __str__(self) -> str:
        return f"{self.address} ({self.raid.date:%d.%m.%Y})"

    def get_absolute_url(self):
        return self.raid.get_absolute_url()
