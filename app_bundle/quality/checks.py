"""The completeness checks: what each one counts, over any base queryset.

Every check is a filter on one model's queryset, so the same check counts the whole
region (the regional average), lists what a user may see (`visible_to(user)` as the
base), and groups by МО or agency.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Length
from django.utils import timezone

from prevention.models import ExecutionReport, Measure, MeasureStatus, Plan, PlanStatus
from raids.models import Raid, RaidVisit
from registry.models import CardStatus, Family, FamilyMember, Minor

from .models import Thresholds


@dataclass(frozen=True)
class Check:
    slug: str
    title: str  # the column's heading and the list's title
    model: type
    population: Callable  # queryset -> what the share is taken of
    problem: Callable  # (population queryset, today, thresholds) -> the records
    by_agency: bool = False  # measures: also counted per responsible agency

    def records(self, base, today: datetime.date, thresholds: Thresholds):
        return self.problem(self.population(base), today, thresholds)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month = day.year * 12 + day.month - 1 - months
    return datetime.date(month // 12, month % 12 + 1, min(day.day, 28))


def _on_record(qs):
    return qs.filter(status=CardStatus.ON_RECORD)


def _without_active_plan(qs, today, t):
    return qs.exclude(
        Exists(Plan.objects.filter(**{qs.card_field: OuterRef("pk")}, status=PlanStatus.ACTIVE))
    )


def _untouched(qs, today, t):
    since = _months_before(today, t.stale_months)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    return qs.filter(updated_at__lt=start)


def _raids_without_findings(qs, today, t):
    short = RaidVisit.objects.annotate(chars=Length("findings")).filter(
        raid=OuterRef("pk"), chars__lt=t.min_findings_chars
    )
    return qs.filter(~Exists(RaidVisit.objects.filter(raid=OuterRef("pk"))) | Exists(short))


CHECKS = (
    Check(
        "families-without-plan",
        "Семьи на учёте без действующего плана ИПР",
        Family,
        _on_record,
        _without_active_plan,
    ),
    Check(
        "minors-without-plan",
        "Несовершеннолетние на учёте без действующего плана ИПР",
        Minor,
        _on_record,
        _without_active_plan,
    ),
    Check(
        "plans-without-measures",
        "Действующие планы ИПР без мероприятий",
        Plan,
        lambda qs: qs.filter(status=PlanStatus.ACTIVE),
        lambda qs, today, t: qs.exclude(Exists(Measure.objects.filter(plan=OuterRef("pk")))),
    ),
    Check(
        "measures-overdue-unreported",
        "Мероприятия с истёкшим сроком без отчёта об исполнении",
        Measure,
        lambda qs: qs.filter(status=MeasureStatus.PLANNED),
        lambda qs, today, t: qs.filter(due_date__lt=today).exclude(
            Exists(ExecutionReport.objects.filter(measure=OuterRef("pk")))
        ),
        by_agency=True,
    ),
    Check(
        "raids-without-findings",
        "Рейды без записей «выявлено» или с короткими записями",
        Raid,
        lambda qs: qs,
        _raids_without_findings,
    ),
    Check(
        "families-untouched",
        "Карточки семей на учёте без изменений дольше порога",
        Family,
        _on_record,
        _untouched,
    ),
    Check(
        "minors-untouched",
        "Карточки несовершеннолетних на учёте без изменений дольше порога",
        Minor,
        _on_record,
        _untouched,
    ),
    Check(
        "minors-without-address",
        "Несовершеннолетние на учёте без адреса",
        Minor,
        _on_record,
        lambda qs, today, t: qs.filter(address_registration="", address_actual=""),
    ),
    Check(
        "members-without-birth-date",
        "Члены семей на учёте без даты рождения",
        FamilyMember,
        lambda qs: qs.filter(family__status=CardStatus.ON_RECORD),
        lambda qs, today, t: qs.filter(birth_date__isnull=True),
    ),
)
BY_SLUG = {check.slug: check for check in CHECKS}


def counts_by(check: Check, base, today, thresholds, field: str = "mo_id") -> dict:
    """{МО or agency id: (records found, population)}: two grouped queries."""
    population = check.population(base).order_by()
    problem = check.problem(population, today, thresholds)
    totals = dict(population.values_list(field).annotate(n=Count("pk")))
    found = dict(problem.values_list(field).annotate(n=Count("pk")))
    return {key: (found.get(key, 0), total) for key, total in totals.items()}
