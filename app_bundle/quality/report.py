"""The completeness report: figures per МО and per agency within the user's scope, and
for a municipal officer its МО against the region."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from directory.models import Agency, Municipality

from .checks import CHECKS, Check, counts_by
from .models import Thresholds


@dataclass
class Figure:
    found: float  # a count, or the average per МО in the regional row
    total: float

    @property
    def share(self) -> float | None:
        return 100 * self.found / self.total if self.total else None


@dataclass
class Row:
    label: str
    key: str  # МО code or agency id, for the list's filter ("" for the regional average)
    pairs: list[tuple[Check, Figure]] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [figure for _, figure in self.pairs]


@dataclass
class Report:
    checks: tuple[Check, ...]
    by_mo: list[Row]
    region: Row | None  # the regional average, shown to a municipal officer
    agency_checks: tuple[Check, ...]
    by_agency: list[Row]
    thresholds: Thresholds
    today: datetime.date


def build(user, today: datetime.date | None = None) -> Report:
    today = today or datetime.date.today()
    thresholds = Thresholds.current()
    region = None
    if user.is_municipal and user.mo_id:
        # the region is counted once: the officer's own figures are its МО's row of it
        # (every row carries its МО, and an officer's scope is exactly that МО)
        everywhere = {
            c.slug: counts_by(c, c.model.objects.all(), today, thresholds) for c in CHECKS
        }
        counts = {
            slug: {user.mo_id: found[user.mo_id]} if user.mo_id in found else {}
            for slug, found in everywhere.items()
        }
        region = Row("Среднее по региону", "")
        for check in CHECKS:
            figures = everywhere[check.slug].values()
            mo_count = max(len(figures), 1)
            found = sum(f for f, _ in figures)
            total = sum(t for _, t in figures)
            # per МО on average; the share is the region's own (sum over sum)
            region.pairs.append((check, Figure(found / mo_count, total / mo_count)))
    else:
        counts = {
            c.slug: counts_by(c, c.model.objects.visible_to(user), today, thresholds)
            for c in CHECKS
        }
    mo_ids = {key for found in counts.values() for key in found}
    if user.is_municipal and user.mo_id:
        mo_ids.add(user.mo_id)
    by_mo = [
        Row(mo.name, mo.code, [(c, Figure(*counts[c.slug].get(mo.pk, (0, 0)))) for c in CHECKS])
        for mo in Municipality.objects.filter(pk__in=mo_ids)
    ]
    agency_checks = tuple(c for c in CHECKS if c.by_agency)
    per_agency = {
        c.slug: counts_by(c, c.model.objects.visible_to(user), today, thresholds, "agency_id")
        for c in agency_checks
    }
    agency_ids = {key for found in per_agency.values() for key in found}
    by_agency = [
        Row(
            f"{agency} ({agency.mo.name if agency.mo_id else 'регион'})",
            str(agency.pk),
            [(c, Figure(*per_agency[c.slug].get(agency.pk, (0, 0)))) for c in agency_checks],
        )
        for agency in Agency.objects.filter(pk__in=agency_ids).select_related("mo")
    ]
    return Report(CHECKS, by_mo, region, agency_checks, by_agency, thresholds, today)
