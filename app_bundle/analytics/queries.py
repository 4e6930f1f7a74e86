# ruff: noqa: S608 - SQL from our own table names and fixed fragments; values are parameters
"""Counting audit events and accounting units, the two sources of every analytics view.

`count_events` answers "how many events per (МО, year, entry or not, КДН or not, user)"
for any period and filters. Whole calendar months come from the monthly rollup
(analytics/rollup.py); the days before the first and after the last whole month come
from the audit events themselves (indexed by time). The answer is the same either way;
`use_rollup=False` forces the events (tests compare the two).

Units on record (families + minors) at a date come from registrations: a card counts if
one of its registrations began on or before that date and had not ended by it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from regbank_app.audit_trail import ENTRY_ACTIONS

from . import rollup

ENTRY = ENTRY_ACTIONS

# the grouping keys a caller may ask for, as SQL over the combined rows `e`
KEYS = {
    "mo": "e.mo_id",
    "year": "extract(year FROM e.day)::int",
    "entry": "e.action IN ({})".format(", ".join(f"'{a}'" for a in ENTRY)),
    "kdn": "e.agency_type = 'kdn'",
    "user": "e.user_id",
}


@dataclass(frozen=True)
class EventFilter:
    """What to count. `None` (or empty) means no restriction."""

    mo_ids: tuple[uuid.UUID, ...] | None = None
    agency_kind: str = ""  # "kdn": КДН и ЗП; "other": other agencies
    agency_id: uuid.UUID | None = None
    user_ids: tuple[uuid.UUID, ...] | None = None
    actions: tuple[str, ...] | None = None

    def without_people(self) -> EventFilter:
        """The same filter without МО, agency and user: what the regional average uses."""
        return EventFilter(agency_kind=self.agency_kind, actions=self.actions)

    def where(self, params: dict) -> str:
        parts = ["mo_id IS NOT NULL"]
        if self.mo_ids is not None:
            parts.append("mo_id = ANY(%(mo_ids)s)")
            params["mo_ids"] = list(self.mo_ids)
        if self.agency_kind == "kdn":
            parts.append("agency_type = 'kdn'")
        elif self.agency_kind == "other":
            parts.append("agency_type <> 'kdn'")
        if self.agency_id is not None:
            parts.append("agency_id = %(agency_id)s")
            params["agency_id"] = self.agency_id
        if self.user_ids is not None:
            parts.append("user_id = ANY(%(user_ids)s)")
            params["user_ids"] = list(self.user_ids)
        if self.actions is not None:
            parts.append("action = ANY(%(actions)s)")
            params["actions"] = list(self.actions)
        return " AND ".join(parts)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def month_pieces(start: datetime.date, end: datetime.date):
    """[start, end] cut at month boundaries: (first day, day after the last, whole month?)."""
    pieces = []
    day = start
    while day <= end:
        after = min(_next_month(day), end + datetime.timedelta(days=1))
        pieces.append((day, after, day.day == 1 and after == _next_month(day)))
        day = after
    return pieces


def count_events(
    flt: EventFilter,
    start: datetime.date,
    end: datetime.date,
    by: Sequence[str],
    *,
    use_rollup: bool | None = None,
) -> dict[tuple, int]:
    """{(key values in the order of `by`): number of events} over [start, end] (local
    dates, both included).

    Whole months come from the rollup (one range scan); the days of a month cut by the
    period come from the events, one time-range scan per piece, counted per МО, agency
    type, user and action inside the piece (a piece lies in one month: its date is that
    month's first day, no per-row time zone arithmetic)."""
    if end < start:
        return {}
    if use_rollup is None:
        use_rollup = rollup.usable(connection)
    params: dict = {}
    where = flt.where(params)
    parts = []
    whole = [p for p in month_pieces(start, end) if p[2]] if use_rollup else []
    if whole:
        params["m_first"], params["m_after"] = whole[0][0], whole[-1][1]
        parts.append(
            "SELECT mo_id, month AS day, agency_type, user_id, action, n "
            f"FROM {rollup.TABLE} WHERE month >= %(m_first)s AND month < %(m_after)s AND {where}"
        )
    for i, (a, b, is_whole) in enumerate(month_pieces(start, end)):
        if is_whole and use_rollup:
            continue
        params[f"d{i}"] = a.replace(day=1)
        params[f"t{i}a"], params[f"t{i}b"] = _local_midnight(a), _local_midnight(b)
        parts.append(
            f"SELECT mo_id, %(d{i})s::date AS day, agency_type, user_id, action, count(*) AS n "
            f'FROM {rollup.AUDIT} WHERE "time" >= %(t{i}a)s AND "time" < %(t{i}b)s '
            f"AND {where} GROUP BY mo_id, agency_type, user_id, action"
        )
    keys = [KEYS[k] for k in by]
    select = ", ".join([*keys, "sum(e.n)::bigint"])
    group = f" GROUP BY {', '.join(str(i) for i in range(1, len(keys) + 1))}" if keys else ""
    sql = f"SELECT {select} FROM ({' UNION ALL '.join(parts)}) e{group}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall() if row[-1]}


def units_on_record(day: datetime.date) -> dict[uuid.UUID, tuple[int, int]]:
    """{МО id: (families, minors)} on record at the end of `day`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT mo_id, count(DISTINCT family_id), count(DISTINCT minor_id)
            FROM registry_registration
            WHERE registered_on <= %(day)s
              AND (deregistered_on IS NULL OR deregistered_on > %(day)s)
            GROUP BY mo_id
            """,
            {"day": day},
        )
        return {mo: (families, minors) for mo, families, minors in cursor.fetchall()}


def data_years() -> list[int]:
    """Years that have events (from the rollup when it is usable: a few index probes)."""
    with connection.cursor() as cursor:
        if rollup.usable(connection):
            # a skip scan over the rollup's key (month first): one probe per year
            cursor.execute(
                f"""
                WITH RECURSIVE y(month) AS (
                    SELECT min(month) FROM {rollup.TABLE}
                    UNION ALL
                    SELECT (SELECT min(month) FROM {rollup.TABLE}
                            WHERE month >= date_trunc('year', y.month) + interval '1 year')
                    FROM y WHERE y.month IS NOT NULL
                )
                SELECT extract(year FROM month)::int FROM y WHERE month IS NOT NULL
                """
            )
            return [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(
                'SELECT extract(year FROM min("time") AT TIME ZONE %(tz)s)::int, '
                'extract(year FROM max("time") AT TIME ZONE %(tz)s)::int '
                f"FROM {rollup.AUDIT} WHERE mo_id IS NOT NULL",
                {"tz": settings.TIME_ZONE},
            )
        low, high = cursor.fetchone()
    return list(range(low, high + 1)) if low else []
