"""The thresholds of the completeness checks, set by the regional officer.

Mastered at the regional server and replicated down with the directories, so every
site counts by the same thresholds.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from regbank_app.models import ReferenceModel


class Thresholds(ReferenceModel):
    stale_months = models.PositiveSmallIntegerField(
        "карточка без изменений дольше, месяцев",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    min_findings_chars = models.PositiveSmallIntegerField(
        "запись «выявлено» рейда короче, знаков",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "пороги контроля полноты"
        verbose_name_plural = "пороги контроля полноты"

    def __str__(self) -> str:
        return "Пороги контроля полноты"

    @classmethod
    def current(cls) -> Thresholds:
        """The one row, or the defaults before the regional officer has saved any."""
        return cls.objects.order_by("updated_at").last() or cls()
