"""Logical replication between the regional and municipal servers (roles/replication).

One read-only query gives a server's side of replication: its subscriptions (worker,
error counts) and the slots it keeps as a publisher (wal_status, retained WAL, lag).
`regbank replication status` runs the same query through Ansible and pairs the sides.
"""

from __future__ import annotations

import json
import re
from typing import Any

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.database import query
from security_profiles.checks.reader import Reader

# The catalogs and views read are cluster-wide: any database will do.
STATUS_SQL = """SELECT jsonb_build_object(
 'subscriptions', coalesce((SELECT json_agg(json_build_object(
   'name', s.subname, 'enabled', s.subenabled, 'slot', s.subslotname,
   'worker', w.pid IS NOT NULL,
   'apply_errors', coalesce(st.apply_error_count, 0),
   'sync_errors', coalesce(st.sync_error_count, 0)) ORDER BY s.subname)
  FROM pg_subscription s
  LEFT JOIN pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL
  LEFT JOIN pg_stat_subscription_stats st ON st.subid = s.oid
  WHERE s.subname LIKE 'regbank\\_%'), '[]'::json),
 'slots', coalesce((SELECT json_agg(json_build_object(
   'name', r.slot_name, 'active', r.active, 'wal_status', r.wal_status,
   'retained_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), r.restart_lsn)::bigint,
   'lag_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), r.confirmed_flush_lsn)::bigint,
   'safe_wal_size', r.safe_wal_size,
   'lag_seconds', CASE WHEN p.pid IS NOT NULL
     THEN extract(epoch FROM coalesce(p.replay_lag, '0'::interval))::float END
   ) ORDER BY r.slot_name)
  FROM pg_replication_slots r LEFT JOIN pg_stat_replication p ON p.pid = r.active_pid
  WHERE r.slot_type = 'logical' AND r.slot_name LIKE 'regbank\\_%'), '[]'::json)
) AS status"""

# pg_replication_slots.wal_status: "unreserved" is lost at the next checkpoint.
BAD_WAL_STATUS = ("lost", "unreserved")
DEFAULT_MAX_LAG_SECONDS = 300
DEFAULT_MAX_LAG_BYTES = 256 * 1024 * 1024


def slug(name: str) -> str:
    """The part of a subscription name made of an МО code or a host name (roles/replication)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower())


def down_subscription(mo: str) -> str:
    return f"regbank_down_{slug(mo)}"


def up_subscription(host: str) -> str:
    return f"regbank_up_{slug(host)}"


def parse_status(value: Any) -> dict[str, list[dict[str, Any]]]:
    """The query's one value (JSON text from psql, or already decoded by psycopg2)."""
    status = json.loads(value) if isinstance(value, str) else value
    if not isinstance(status, dict):
        raise ValueError(f"not a replication status: {value!r}")
    return {"subscriptions": status.get("subscriptions") or [], "slots": status.get("slots") or []}


def subscription_problems(subscription: dict[str, Any] | None, name: str) -> list[str]:
    if subscription is None:
        return [f"подписки {name} нет"]
    problems = []
    if not subscription["enabled"]:
        problems.append(f"подписка {name} выключена")
    elif not subscription["worker"]:
        problems.append(f"у подписки {name} нет процесса применения")
    for key, what in (("apply_errors", "применения"), ("sync_errors", "синхронизации")):
        if subscription[key]:
            problems.append(f"подписка {name}: ошибок {what} {subscription[key]}")
    return problems


def slot_problems(
    slot: dict[str, Any] | None,
    name: str,
    max_lag_bytes: int = DEFAULT_MAX_LAG_BYTES,
    max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
) -> list[str]:
    if slot is None:
        return [f"слота {name} нет"]
    problems = []
    if slot["wal_status"] in BAD_WAL_STATUS:
        problems.append(f"слот {name}: wal_status {slot['wal_status']}")
    if slot["lag_bytes"] is not None and slot["lag_bytes"] > max_lag_bytes:
        problems.append(f"слот {name}: отставание {slot['lag_bytes']} байт > {max_lag_bytes}")
    if slot["lag_seconds"] is not None and slot["lag_seconds"] > max_lag_seconds:
        problems.append(
            f"слот {name}: отставание {slot['lag_seconds']:.0f} с > {max_lag_seconds:.0f}"
        )
    return problems


def host_problems(status: dict[str, list[dict[str, Any]]]) -> list[str]:
    """What is wrong on one server: its subscriptions and the slots it keeps."""
    problems = []
    for subscription in status["subscriptions"]:
        problems += subscription_problems(subscription, subscription["name"])
    for slot in status["slots"]:
        problems += slot_problems(slot, slot["name"])
    return problems


@check(
    "replication_healthy",
    measures=("ОДТ.3",),
    title="Репликация между региональным и муниципальными серверами работает",
    expected="в регионе с муниципальными серверами: подписки regbank_* включены, у каждой есть "
    "процесс применения, ошибок применения и синхронизации 0; слоты regbank_* не lost и не "
    "unreserved, отставание не больше 256 МБ и 300 с; на муниципальном сервере есть подписка "
    "regbank_down_<МО>, на региональном — хотя бы одна regbank_up_*. "
    "В централизованном регионе не применяется",
    role="replication",
    groups=("regional", "municipal"),
)
def replication_healthy(reader: Reader, context: HostContext) -> Observed:
    municipal = "municipal" in context.groups
    if not municipal and context.var("regbank_topology", "centralized") == "centralized":
        return Observed(True, "не применяется: в регионе нет муниципальных серверов")
    status = parse_status(query(reader, STATUS_SQL)[0][0])
    names = {s["name"] for s in status["subscriptions"]}
    problems = host_problems(status)
    if municipal:
        expected = down_subscription(str(context.var("mo", "")))
        if expected not in names:
            problems.insert(0, f"подписки {expected} нет")
    elif not any(name.startswith("regbank_up_") for name in names):
        problems.insert(0, "подписок regbank_up_* нет")
    slots = ", ".join(f"{s['name']} {s['wal_status']}" for s in status["slots"])
    seen = f"подписки: {', '.join(sorted(names)) or 'нет'}; слоты: {slots or 'нет'}"
    return Observed(not problems, f"{seen}; " + ("; ".join(problems) or "нарушений нет"))
