"""Individual preventive work (ИПР): plans, measures assigned to agencies, execution reports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from directory.models import Agency
from regbank_app.models import RegistryModel
from regbank_app.roles import Role


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Исполняется"
    COMPLETED = "completed", "Завершён"
    CANCELLED = "cancelled", "Прекращён"


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.REGIONAL:
            return self
        if user.role == Role.MUNICIPAL and user.mo_id:
            return self.filter(mo_id=user.mo_id)
        if user.role == Role.AGENCY and user.agency_id:
            mine = Measure.objects.filter(plan=OuterRef("pk"), agency_id=user.agency_id)
            return self.filter(Exists(mine))
        return self.none()


class Plan(RegistryModel):
    """Plan of individual preventive work (план ИПР) for a family or a minor."""

    family = models.ForeignKey(
        "registry.Family",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name="семья",
    )
    minor = models.ForeignKey(
        "registry.Minor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name="несовершеннолетний",
    )
    start_date = models.DateField("начало")
    end_date = models.DateField("окончание")
    goal = models.TextField("цели и задачи")
    approval = models.CharField(
        "утверждён постановлением КДН и ЗП (номер и дата)", max_length=120, blank=True
    )
    status = models.CharField(
        "статус", max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="создал",
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "план ИПР"
        verbose_name_plural = "планы ИПР"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(family__isnull=False, minor__isnull=True)
                | Q(family__isnull=True, minor__isnull=False),
                name="plan_one_card",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="plan_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["mo", "status"], name="plan_mo_status")]

    def __str__(self) -> str:
        return f"План ИПР с {self.start_date:%d.%m.%Y} по {self.end_date:%d.%m.%Y}: {self.card}"

    def get_absolute_url(self):
        return reverse("prevention:plan-detail", args=[self.pk])

    @property
    def card(self):
        return self.family if self.family_id else self.minor

    @property
    def audit_card(self):
        return self.card

    def editable_by(self, user) -> bool:
        return (
            user.is_authenticated
            and user.is_active
            and user.is_municipal
            and user.mo_id == self.mo_id
            and self.is_home_here
        )


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "Назначено"
    DONE = "done", "Исполнено"
    NOT_DONE = "not_done", "Не исполнено"


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__in=Plan.objects.visible_to(user))

    def overdue(self, today: datetime.date | None = None):
        today = today or datetime.date.today()
        return self.filter(status=MeasureStatus.PLANNED, due_date__lt=today)


class Measure(RegistryModel):
    """A measure of a plan, assigned to an agency of the prevention system."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="measures", verbose_name="план ИПР"
    )
    title = models.TextField("содержание мероприятия")
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name="ответственный субъект профилактики",
    )
    executor = models.CharField("исполнитель (ФИО, должность)", max_length=300, blank=True)
    due_date = models.DateField("срок исполнения")
    status = models.CharField(
        "статус", max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    completed_on = models.DateField("дата исполнения", null=True, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["due_date"]
        indexes = [
            models.Index(fields=["agency", "status", "due_date"], name="measure_agency_due"),
            models.Index(fields=["mo", "status", "due_date"], name="measure_mo_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title[:80]} (срок {self.due_date:%d.%m.%Y})"

    @property
    def audit_card(self):
        return self.plan.card

    @property
    def is_overdue(self) -> bool:
        return self.status == MeasureStatus.PLANNED and self.due_date < datetime.date.today()

    def reportable_by(self, user) -> bool:
        """The responsible agency's specialists report execution; КДН staff of the МО may
        enter a report received on paper."""
        if not (user.is_authenticated and user.is_active and self.is_home_here):
            return False
        if user.is_agency:
            return user.agency_id == self.agency_id
        return user.is_municipal and user.mo_id == self.mo_id


class ExecutionReport(RegistryModel):
    """The agency's report of a measure's execution."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="reports", verbose_name="мероприятие"
    )
    reported_on = models.DateField("дата отчёта", default=datetime.date.today)
    result = models.TextField("результат исполнения")
    is_done = models.BooleanField("мероприятие исполнено", default=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name="субъект профилактики"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="автор отчёта",
    )

    class Meta:
        verbose_name = "отчёт об исполнении"
        verbose_name_plural = "отчёты об исполнении"
        ordering = ["-reported_on", "-created_at"]

    def __str__(self) -> str:
        return f"Отчёт от {self.reported_on:%d.%m.%Y}: {self.measure}"

    @property
    def audit_card(self):
        return self.measure.plan.card
