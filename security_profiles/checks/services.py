"""Services the roles run: backups, monitoring exporters, the application's sandbox."""

import json

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.database import query, settings
from security_profiles.checks.reader import Reader


def timers(reader: Reader, word: str) -> list[str]:
    listing = reader.run("systemctl", "list-timers", "--all", "--no-legend", "--plain")
    return sorted(
        {
            name
            for line in listing.stdout.splitlines()
            for name in line.split()
            if name.endswith(".timer") and word in name
        }
    )


def pgbackrest_stanzas(reader: Reader) -> list[dict]:
    """The stanzas ``pgbackrest info`` reports, as the postgres user reads the repository."""
    reader.require_package("pgbackrest")
    info = reader.run(
        "runuser", "-u", "postgres", "--", "pgbackrest", "info", "--output=json",
        "--log-level-console=off", "--log-level-stderr=off", "--log-level-file=off",
    )  # fmt: skip
    try:
        stanzas = json.loads(info.stdout) if info.ok else []
    except json.JSONDecodeError:
        return []
    return stanzas if isinstance(stanzas, list) else []


@check(
    "backup_configured",
    measures=("ОДТ.4",),
    title="pgBackRest: архивирование WAL и резервные копии есть",
    expected="archive_mode = on, archive_command вызывает pgbackrest; "
    "pgbackrest info: стэнза в порядке (status ok) и есть хотя бы одна копия",
    role="backup",
    groups=("regional",),
)
def backup_configured(reader: Reader, context: HostContext) -> Observed:
    stanzas = pgbackrest_stanzas(reader)
    values = settings(reader, "archive_mode", "archive_command")
    archiving = values.get("archive_mode") == "on" and "pgbackrest" in values.get(
        "archive_command", ""
    )
    described = [
        f"{s.get('name')}: {s.get('status', {}).get('message', '?')}, "
        f"копий {len(s.get('backup', []))}"
        for s in stanzas
    ]
    healthy = bool(stanzas) and all(
        s.get("status", {}).get("code") == 0 and s.get("backup") for s in stanzas
    )
    observed = (
        f"archive_mode {values.get('archive_mode', '?')}; archive_command "
        f"«{values.get('archive_command', '')[:60]}»; " + ("; ".join(described) or "стэнз нет")
    )
    return Observed(archiving and healthy, observed)


@check(
    "backup_schedule",
    measures=("ОДТ.4",),
    title="pgBackRest: копии по расписанию (полная и разностная)",
    expected="включённые таймеры systemd pgbackrest для полной и разностной копии",
    role="backup",
    groups=("regional",),
)
def backup_schedule(reader: Reader, context: HostContext) -> Observed:
    found = timers(reader, "pgbackrest")
    enabled = [
        t for t in found if reader.run("systemctl", "is-enabled", t).stdout.strip() == "enabled"
    ]
    kinds = {kind for kind in ("full", "diff") if any(kind in t for t in enabled)}
    observed = ", ".join(enabled) or "таймеров pgbackrest нет"
    return Observed(kinds == {"full", "diff"}, observed)


def _restorable_from(stanza: dict) -> dict | None:
    """The newest sound full backup whose WAL, start to stop, the archive still holds."""
    archives = {a.get("database", {}).get("id"): a for a in stanza.get("archive") or []}
    for backup in reversed(stanza.get("backup") or []):
        archive = archives.get(backup.get("database", {}).get("id")) or {}
        low, high = archive.get("min"), archive.get("max")
        wal = backup.get("archive") or {}
        # WAL names of one timeline sort as text: fixed-width hexadecimal.
        if (
            backup.get("type") == "full"
            and not backup.get("error")
            and low and high and wal.get("start") and wal.get("stop")
            and low <= wal["start"] and wal["stop"] <= high
        ):  # fmt: skip
            return backup
    return None


def _describe_restore(stanza: dict) -> str:
    archive = (stanza.get("archive") or [{}])[-1]
    span = f"архив WAL {archive.get('min') or '—'}–{archive.get('max') or '—'}"
    name = stanza.get("name")
    backup = _restorable_from(stanza)
    if backup is None:
        fulls = sum(1 for b in stanza.get("backup") or [] if b.get("type") == "full")
        status = stanza.get("status", {}).get("message", "?")
        return f"{name}: {status}; полных копий {fulls}, покрытых архивом WAL нет; {span}"
    wal = backup["archive"]
    return f"{name}: полная копия {backup.get('label')} (WAL {wal['start']}–{wal['stop']}); {span}"


@check(
    "backup_restorable",
    measures=("ОДТ.5",),
    title="pgBackRest: база восстанавливается на любой момент после полной копии",
    expected="pgbackrest info: стэнза в порядке, есть полная копия без ошибок, и архив WAL "
    "(min–max) покрывает её от начала до конца; pg_stat_archiver: WAL отправляется, "
    "после последней успешной отправки сбоев нет",
    role="backup",
    groups=("regional",),
)
def backup_restorable(reader: Reader, context: HostContext) -> Observed:
    stanzas = pgbackrest_stanzas(reader)
    rows = query(
        reader,
        "SELECT coalesce(last_archived_wal, ''), "
        "coalesce(last_failed_time > last_archived_time, false) FROM pg_stat_archiver",
    )
    last_wal, failing = (rows[0] + ["", ""])[:2] if rows else ("", "")
    sending = bool(last_wal) and failing == "f"
    restorable = bool(stanzas) and all(
        s.get("status", {}).get("code") == 0 and _restorable_from(s) for s in stanzas
    )
    archiver = f"последний отправленный WAL {last_wal or 'нет'}" + (
        ", после него сбой отправки" if failing == "t" else ""
    )
    described = "; ".join(_describe_restore(s) for s in stanzas) or "стэнз нет"
    return Observed(restorable and sending, f"{described}; {archiver}")


def _active(reader: Reader, unit: str) -> str:
    return reader.run("systemctl", "is-active", unit).stdout.strip() or "unknown"


@check(
    "node_exporter_running",
    measures=("АНЗ.3", "ОДТ.3"),
    title="Мониторинг: prometheus-node-exporter работает",
    expected="служба prometheus-node-exporter active, порт 9100 слушается",
    role="monitoring",
    groups=("regional", "municipal"),
)
def node_exporter(reader: Reader, context: HostContext) -> Observed:
    reader.require_package("prometheus-node-exporter")
    state = _active(reader, "prometheus-node-exporter")
    listening = ":9100 " in reader.run("ss", "-Htln").stdout
    observed = f"служба {state}; порт 9100 " + ("слушается" if listening else "не слушается")
    return Observed(state == "active" and listening, observed)


@check(
    "postgres_exporter_running",
    measures=("АНЗ.3", "ОДТ.3"),
    title="Мониторинг: prometheus-postgres-exporter работает",
    expected="служба prometheus-postgres-exporter active",
    role="monitoring",
    groups=("regional",),
)
def postgres_exporter(reader: Reader, context: HostContext) -> Observed:
    reader.require_package("prometheus-postgres-exporter")
    state = _active(reader, "prometheus-postgres-exporter")
    return Observed(state == "active", f"служба {state}")


SANDBOX = {
    "User": "regbank",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ActiveState": "active",
}


@check(
    "app_sandboxed",
    measures=("УПД.5",),
    title="Приложение: своя учётная запись и песочница systemd",
    expected="regbank-app.service: " + ", ".join(f"{k}={v}" for k, v in SANDBOX.items()),
    role="registry_app",
    groups=("regional",),
)
def app_sandboxed(reader: Reader, context: HostContext) -> Observed:
    output = reader.run(
        "systemctl", "show", "regbank-app.service", *(f"--property={k}" for k in SANDBOX)
    )
    shown = dict(line.split("=", 1) for line in output.stdout.splitlines() if "=" in line)
    observed = ", ".join(f"{k}={shown.get(k, '')}" for k in SANDBOX)
    return Observed(all(shown.get(k) == v for k, v in SANDBOX.items()), observed)
