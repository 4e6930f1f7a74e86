"""Replication health of a region: each server's side (security_profiles.checks.replication
.STATUS_SQL, read through Ansible) paired into one row per municipal server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regbank_foundation.inventory_hosts import ad_hoc
from security_profiles.checks.replication import (
    DEFAULT_MAX_LAG_BYTES,
    DEFAULT_MAX_LAG_SECONDS,
    STATUS_SQL,
    down_subscription,
    parse_status,
    slot_problems,
    subscription_problems,
    up_subscription,
)

Status = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Direction:
    """One subscription and the slot it reads on its publisher."""

    name: str  # down or up
    subscription: str
    subscriber: str
    publisher: str
    subscription_state: dict[str, Any] | None
    slot: dict[str, Any] | None


@dataclass(frozen=True)
class Row:
    mo: str
    host: str
    down: Direction
    up: Direction


def _named(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((item for item in items if item["name"] == name), None)


def _direction(name, subscription, subscriber, publisher, states) -> Direction:
    found = _named(states[subscriber]["subscriptions"], subscription)
    # The slot is the subscription's own (named after it unless the role said otherwise).
    slot_name = (found or {}).get("slot") or subscription
    slot = _named(states[publisher]["slots"], slot_name)
    return Direction(name, subscription, subscriber, publisher, found, slot)


def build_rows(regional: str, municipal: dict[str, str], states: dict[str, Status]) -> list[Row]:
    """One row per municipal server (host → МО code), from the states of reachable hosts."""
    rows = []
    for host, mo in sorted(municipal.items()):
        if host not in states or regional not in states:
            continue
        down = _direction("вниз", down_subscription(mo), host, regional, states)
        up = _direction("вверх", up_subscription(host), regional, host, states)
        rows.append(Row(mo, host, down, up))
    return rows


def problems(
    rows: list[Row],
    max_lag_bytes: int = DEFAULT_MAX_LAG_BYTES,
    max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
) -> list[str]:
    found = []
    for row in rows:
        for direction in (row.down, row.up):
            where = f"{row.mo} {row.host} {direction.name}"
            slot_name = (direction.subscription_state or {}).get("slot") or direction.subscription
            said = subscription_problems(direction.subscription_state, direction.subscription)
            said += [
                f"{problem} на {direction.publisher}"
                for problem in slot_problems(
                    direction.slot, slot_name, max_lag_bytes, max_lag_seconds
                )  # fmt: skip
            ]
            found += [f"{where}: {problem}" for problem in said]
    return found


def _size(value: Any) -> str:
    if value is None:
        return "—"
    value = int(value)
    for unit in ("Б", "КБ", "МБ", "ГБ"):
        if abs(value) < 1024 or unit == "ГБ":
            return f"{value} {unit}" if unit == "Б" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


def _direction_cells(direction: Direction) -> list[str]:
    subscription, slot = direction.subscription_state, direction.slot or {}
    if subscription is None:
        running = "нет подписки"
    elif not subscription["enabled"]:
        running = "выключена"
    else:
        running = "работает" if subscription["worker"] else "нет процесса"
    seconds = slot.get("lag_seconds")
    return [
        running,
        _size(slot.get("lag_bytes")),
        "—" if seconds is None else f"{seconds:.0f} с",
        slot.get("wal_status") or "нет слота",
        _size(slot.get("retained_bytes")),
        _size(slot.get("safe_wal_size")) if slot.get("safe_wal_size") is not None else "—",
        f"{(subscription or {}).get('apply_errors', '—')}/"
        f"{(subscription or {}).get('sync_errors', '—')}",
    ]


HEADER = ["МО", "сервер", "направление", "подписка", "отставание WAL", "отставание, с",
          "wal_status", "удержано WAL", "safe_wal_size", "ошибки прим./синхр."]  # fmt: skip


def table(rows: list[Row]) -> list[str]:
    """Aligned lines: a header, then one line per direction of every row."""
    lines = [HEADER]
    for row in rows:
        for direction in (row.down, row.up):
            lines.append([row.mo, row.host, direction.name, *_direction_cells(direction)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in lines]  # fmt: skip


def read_states(inventory: Path, hosts: list[str]) -> tuple[dict[str, Status], dict[str, str]]:
    """Each host's side of replication, read with postgresql_query as postgres in check mode
    (the module rolls back): states of the hosts that answered, and an error for the others."""
    arguments = json.dumps({"login_db": "postgres", "query": STATUS_SQL})
    results, _ = ad_hoc(
        inventory, ":".join(hosts), "community.postgresql.postgresql_query", arguments,
        "--check", "--become", "--become-user", "postgres", doing="run the status query",
    )  # fmt: skip
    states, errors = parse_results(results)
    for host in hosts:
        if host not in states and host not in errors:
            errors[host] = "Ansible не вернул результата"
    return states, errors


def parse_results(results: dict[str, dict[str, Any]]) -> tuple[dict[str, Status], dict[str, str]]:
    """The json callback's per-host results: states, and one line for each host that failed."""
    states, errors = {}, {}
    for host, result in results.items():
        if result.get("unreachable") or result.get("failed"):
            # A module that did not start (sudo, python) says why on its stderr only.
            said = result.get("module_stderr") or result.get("msg") or "ошибка"
            errors[host] = " ".join(str(said).split())[:300]
            continue
        try:
            states[host] = parse_status(result["query_result"][0]["status"])
        except (KeyError, IndexError, TypeError, ValueError) as error:
            errors[host] = f"непонятный ответ: {error}"
    return states, errors
