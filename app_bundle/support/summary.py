"""The МО that need help: the regional officer's one ranked table, with reasons in words.

Every figure is read as its own report counts it — the five activity views from
`analytics.reports` (segments included) and the completeness figures from
`quality.report` — never counted a second way here. To them the summary adds what the
regional officer's own records say: recommendations of inspection visits past due, and
the latest reconciliation of the МО's card file.

A figure becomes a reason by the rules below (shown on the page); МО are ranked by the
number of reasons, then by data entry per accounting unit, lowest first.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from analytics import formats, reports
from analytics.queries import EventFilter
from directory.models import Municipality
from inspections.models import Inspection, Recommendation
from quality import report as quality_report
from reconciliation.models import Outcome, Reconciliation, ReconciliationCard

DROP_PCT = -20.0  # view 2: actions fell by a fifth or more against a year earlier
ENTRY_SHARE_RATIO = 0.75  # view 3: entry share under three quarters of the region's
COMPLETENESS_MIN_PCT = 20.0  # completeness: at least this share, and above the region's
RECONCILIATION_MIN_PCT = 80.0  # latest reconciliation: fewer checked cards matched

# each completeness check as the subject of "N % of ..."
PHRASES = {
    "families-without-plan": "семей на учёте без действующего плана ИПР",
    "minors-without-plan": "несовершеннолетних на учёте без действующего плана ИПР",
    "plans-without-measures": "действующих планов ИПР без мероприятий",
    "measures-overdue-unreported": "мероприятий просрочено без отчёта об исполнении",
    "raids-without-findings": "рейдов без записей «выявлено» или с короткими записями",
    "families-untouched": "карточек семей на учёте без изменений дольше порога",
    "minors-untouched": "карточек несовершеннолетних на учёте без изменений дольше порога",
    "minors-without-address": "несовершеннолетних на учёте без адреса",
    "members-without-birth-date": "членов семей на учёте без даты рождения",
}

RULES = [
    "ввод данных на учётную единицу — в сегменте «отстающие» (представление 5 аналитики: "
    "ниже 90 % среднего по региону);",
    f"число действий сократилось на {formats.decimal(-DROP_PCT, 0)} % и более к тому же "
    "периоду годом раньше (представление 2);",
    f"доля ввода данных среди всех действий ниже {formats.decimal(ENTRY_SHARE_RATIO * 100, 0)} "
    "% доли по региону (представление 3);",
    f"показатель полноты — не меньше {formats.decimal(COMPLETENESS_MIN_PCT, 0)} % и выше доли "
    "по региону;",
    "есть рекомендации выездных проверок, не исполненные в срок;",
    f"в последней сверке совпало меньше {formats.decimal(RECONCILIATION_MIN_PCT, 0)} % "
    "проверенных карточек.",
]


@dataclass
class Reason:
    text: str
    url: str = ""


@dataclass
class MoRow:
    mo: Municipality
    actions: int = 0  # view 1: every action in the period
    change: float | None = None  # view 2, %
    entry_share: float | None = None  # view 3, %
    units_pct: float | None = None  # view 4: accounting units to the average, %
    entries_pct: float | None = None  # view 4: data entry to the average, %
    per_unit: float | None = None  # view 5
    index: float | None = None  # view 5: to the region, %
    segment: str = ""  # view 5
    overdue: int = 0  # recommendations past due
    last_visit: Inspection | None = None
    last_reconciliation: Reconciliation | None = None
    reasons: list[Reason] = field(default_factory=list)
    rank: int = 0

    @property
    def segment_label(self) -> str:
        return reports.SEGMENT_LABELS.get(self.segment, "нет учётных единиц")

    @property
    def reconciliation_share(self) -> float | None:
        last = self.last_reconciliation
        return 100 * last.n_matches / last.n_checked if last and last.n_checked else None


@dataclass
class Summary:
    start: datetime.date
    end: datetime.date
    rows: list[MoRow]
    region_change: float | None
    region_entry_share: float | None

    @property
    def period_label(self) -> str:
        return formats.period(self.start, self.end)


def _by_mo(report) -> dict:
    return {row.mo.pk: row for row in report.rows}


def _region_row(report, kind: str):
    return next(row for row in report.summary if row.kind == kind)


def _analytics_url(slug: str, sel: reports.Selection) -> str:
    return f"{reverse('analytics:view', args=[slug])}?date_from={sel.start}&date_to={sel.end}"


def _activity(rows: dict, sel: reports.Selection) -> tuple[float | None, float | None]:
    """Fill each row's figures of the five views; the region's change and entry share."""
    built = {slug: reports.build(slug, sel) for slug in reports.BUILDERS}
    views = {slug: _by_mo(report) for slug, report in built.items()}
    region_change = _region_row(built["change"], "total").values[3]
    region_share = _region_row(built["entry-share"], "total").values[2]
    for pk, row in rows.items():
        row.actions = views["yearly"][pk].values[-1]
        row.change = views["change"][pk].values[3]
        row.entry_share = views["entry-share"][pk].values[2]
        row.units_pct, row.entries_pct = views["entry-volume"][pk].values[4:6]
        per_unit = views["per-unit"][pk]
        row.per_unit, row.index = per_unit.values[2], per_unit.values[3]
        row.segment = per_unit.segment
        if row.segment == "lagging":
            row.reasons.append(
                Reason(
                    f"ввод данных на учётную единицу: {formats.decimal(row.per_unit)} "
                    f"({formats.percent(row.index, 0)} среднего по региону) — отстающий сегмент",
                    _analytics_url("per-unit", sel),
                )
            )
        if row.change is not None and row.change <= DROP_PCT:
            row.reasons.append(
                Reason(
                    f"действий на {formats.percent(-row.change, 0)} меньше, чем за тот же "
                    f"период годом раньше (регион в целом: "
                    f"{formats.signed_percent(region_change, 0)})",
                    _analytics_url("change", sel),
                )
            )
        if (
            row.entry_share is not None
            and region_share
            and row.entry_share < region_share * ENTRY_SHARE_RATIO
        ):
            row.reasons.append(
                Reason(
                    f"ввод данных — {formats.percent(row.entry_share, 0)} всех действий "
                    f"(по региону — {formats.percent(region_share, 0)})",
                    _analytics_url("entry-share", sel),
                )
            )
    return region_change, region_share


def _completeness(rows: dict, user, today: datetime.date) -> None:
    data = quality_report.build(user, today)
    by_code = {row.key: row for row in data.by_mo}
    region = {}  # the region's own share of each check: sum over sum
    for i, check in enumerate(data.checks):
        found = sum(r.figures[i].found for r in data.by_mo)
        total = sum(r.figures[i].total for r in data.by_mo)
        region[check.slug] = 100 * found / total if total else None
    for row in rows.values():
        figures = by_code.get(row.mo.code)
        if figures is None:
            continue
        for check, figure in figures.pairs:
            share, average = figure.share, region[check.slug]
            if share is None or share < COMPLETENESS_MIN_PCT or share <= (average or 0):
                continue
            subject = PHRASES.get(check.slug, check.title.lower())
            row.reasons.append(
                Reason(
                    f"{formats.percent(share, 0)} {subject} ({formats.integer(figure.found)} "
                    f"из {formats.integer(figure.total)}; по региону — "
                    f"{formats.percent(average, 0)})",
                    f"{reverse('quality:records', args=[check.slug])}?mo={row.mo.code}",
                )
            )


def _records(rows: dict, today: datetime.date) -> None:
    """Inspection visits and reconciliations: the regional officer's own records."""
    overdue = dict(
        Recommendation.objects.overdue(today).values_list("mo").annotate(n=Count("pk")).order_by()
    )
    for visit in Inspection.objects.order_by("mo_id", "-date", "-created_at").distinct("mo_id"):
        if visit.mo_id in rows:
            rows[visit.mo_id].last_visit = visit
    checked = ReconciliationCard.objects.exclude(outcome=Outcome.PENDING)
    latest = (
        Reconciliation.objects.filter(Exists(checked.filter(reconciliation=OuterRef("pk"))))
        .order_by("mo_id", "-drawn_on", "-created_at")
        .distinct("mo_id")
        .values("pk")
    )
    for sample in Reconciliation.objects.with_figures().filter(pk__in=latest):
        if sample.mo_id in rows:
            rows[sample.mo_id].last_reconciliation = sample
    for row in rows.values():
        row.overdue = overdue.get(row.mo.pk, 0)
        if row.overdue:
            row.reasons.append(
                Reason(
                    "рекомендации выездной проверки не исполнены в срок: "
                    f"{formats.integer(row.overdue)}",
                    f"{reverse('inspections:index')}?mo={row.mo.code}&open_only=on",
                )
            )
        share = row.reconciliation_share
        if share is not None and share < RECONCILIATION_MIN_PCT:
            sample = row.last_reconciliation
            row.reasons.append(
                Reason(
                    f"сверка {formats.date(sample.drawn_on)}: совпало "
                    f"{formats.percent(share, 0)} проверенных карточек "
                    f"({sample.n_matches} из {sample.n_checked})",
                    sample.get_absolute_url(),
                )
            )


def build(user, start: datetime.date, end: datetime.date, today=None) -> Summary:
    """The ranked table over [start, end] (activity) and at `today` (completeness, due
    dates); `user` is the regional officer the completeness report is counted for."""
    today = today or datetime.date.today()
    region = list(Municipality.objects.filter(is_active=True).order_by("sort_order", "code"))
    sel = reports.Selection(start=start, end=end, mos=region, region_mos=region, flt=EventFilter())
    rows = {mo.pk: MoRow(mo) for mo in region}
    region_change, region_share = _activity(rows, sel)
    _completeness(rows, user, today)
    _records(rows, today)
    ranked = sorted(
        rows.values(),
        key=lambda r: (
            -len(r.reasons),
            math.inf if r.index is None else r.index,
            r.mo.sort_order,
            r.mo.code,
        ),
    )
    for rank, row in enumerate(ranked, 1):
        row.rank = rank
    return Summary(start, end, ranked, region_change, region_share)
