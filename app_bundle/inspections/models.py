"""Inspection visits (выездные проверки) of the regional officer to an МО: findings,
recommendations with due dates, and their follow-up.

Written by the regional officer at the regional server and replicated down with the
directories (UUID keys, the МО on every row); read by the regional officer only.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.urls import reverse

from regbank_app.models import ReferenceModel
from regbank_app.roles import Role


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The regional officer's record: nobody else reads it."""
        if user.is_authenticated and user.is_active and user.role == Role.REGIONAL:
            return self
        return self.none()


class RecommendationQuerySet(InspectionQuerySet):
    def overdue(self, today: datetime.date | None = None):
        return self.filter(done_on__isnull=True, due_date__lt=today or datetime.date.today())


class Inspection(ReferenceModel):
    mo = models.ForeignKey(
        "directory.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="МО"
    )
    date = models.DateField("дата проверки")
    inspectors = models.TextField("проверяющие", help_text="ФИО и должности")
    findings = models.TextField("выявлено (выводы проверки)")
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "выездная проверка"
        verbose_name_plural = "выездные проверки"
        ordering = ["-date", "mo__sort_order"]
        indexes = [models.Index(fields=["mo", "date"], name="inspection_mo_date")]

    def __str__(self) -> str:
        return f"Выездная проверка {self.mo.name} {self.date:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("inspections:detail", args=[self.pk])


class Recommendation(ReferenceModel):
    mo = models.ForeignKey(
        "directory.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="МО"
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="recommendations",
        verbose_name="проверка",
    )
    text = models.TextField("рекомендация")
    due_date = models.DateField("срок исполнения")
    follow_up = models.TextField(
        "исполнение (контроль)", blank=True, help_text="Что сделано МО, чем подтверждено."
    )
    done_on = models.DateField(
        "исполнено", null=True, blank=True, help_text="Пусто — рекомендация не исполнена."
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = "рекомендация"
        verbose_name_plural = "рекомендации выездных проверок"
        ordering = ["due_date", "created_at"]

    def __str__(self) -> str:
        return f"Рекомендация до {self.due_date:%d.%m.%Y}: {self.text[:80]}"

    def get_absolute_url(self):
        return self.inspection.get_absolute_url()

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.due_date < datetime.date.today()
