"""What the kit's calibration (`regbank calibrate`) needs to know about this site's data.

The calibration measures the server from outside; the application says what its own
tables hold, so the kit never carries SQL on them: the version installed, whether the
analytics views are there, the span of the audit events (the analytics periods it asks
for), the monthly rollup's size, the audit events written since a moment (their count
and bytes: the row size of an event) and the rollup rows a period of whole months
reads. One JSON line on stdout.
"""

import datetime
import importlib.metadata
import json
import tomllib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count, Max, Min
from django.urls import NoReverseMatch, reverse

from analytics import rollup
from audit.models import AuditEvent


def _version() -> str:
    try:
        return importlib.metadata.version("regbank-app")
    except importlib.metadata.PackageNotFoundError:
        project = settings.BASE_DIR / "pyproject.toml"
        if not project.exists():
            return "unknown"
        version = tomllib.loads(project.read_text(encoding="utf-8"))["project"]["version"]
        return f"{version} (source tree)"


def _has_analytics() -> bool:
    try:
        reverse("analytics:index")
    except NoReverseMatch:
        return False
    return True


def _audit_span() -> dict:
    span = AuditEvent.objects.aggregate(n=Count("pk"), first=Min("time"), last=Max("time"))
    day = {key: span[key].date().isoformat() if span[key] else None for key in ("first", "last")}
    return {"n": span["n"], **day}


def _one_row(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _rollup_before_this_month() -> dict:
    """Rows per user and month over the months before this one (a calibration's own users
    write in the current month only)."""
    rows, months, users = _one_row(
        f"SELECT count(*), count(DISTINCT month), count(DISTINCT user_id) FROM {rollup.TABLE} "  # noqa: S608 - a constant
        "WHERE month < date_trunc('month', now())::date AND user_id IS NOT NULL",
        [],
    )
    return {"rows": rows, "months": months, "users": users}


def _audit_since(since: float) -> dict:
    table = AuditEvent._meta.db_table
    count, size = _one_row(
        f"SELECT count(*), coalesce(sum(pg_column_size(a.*)), 0) FROM {table} a "  # noqa: S608 - a constant
        "WHERE time >= to_timestamp(%s)",
        [since],
    )
    return {"n": count, "bytes": size}


def _rollup_rows(date_from: datetime.date, date_to: datetime.date) -> int:
    sql = f"SELECT count(*) FROM {rollup.TABLE} WHERE month >= %s AND month <= %s"  # noqa: S608
    return _one_row(sql, [date_from, date_to])[0]


class Command(BaseCommand):
    help = "Сведения о данных сайта для калибровки (regbank calibrate), одной строкой JSON"

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=float, help="also the audit events written since (Unix time)"
        )
        parser.add_argument(
            "--rollup-rows",
            nargs=2,
            metavar=("FROM", "TO"),
            type=datetime.date.fromisoformat,
            help="also the rollup rows of the months from FROM to TO (YYYY-MM-DD)",
        )

    def handle(self, *args, since=None, rollup_rows=None, **options):
        facts = {
            "version": _version(),
            "analytics": _has_analytics(),
            "audit": _audit_span(),
            "rollup": _rollup_before_this_month(),
        }
        if since is not None:
            facts["run_audit"] = _audit_since(since)
        if rollup_rows is not None:
            facts["rollup_rows"] = _rollup_rows(*rollup_rows)
        self.stdout.write(json.dumps(facts))
