"""Services the roles run: backups, monitoring exporters, the application's sandbox."""

import json

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.database import settings
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
    reader.require_package("pgbackrest")
    values = settings(reader, "archive_mode", "archive_command")
    archiving = values.get("archive_mode") == "on" and "pgbackrest" in values.get(
        "archive_command", ""
    )
    info = reader.run(
        "runuser", "-u", "postgres", "--", "pgbackrest", "info", "--output=json",
        "--log-level-console=off", "--log-level-stderr=off", "--log-level-file=off",
    )  # fmt: skip
    try:
        stanzas = json.loads(info.stdout) if info.ok else []
    except json.JSONDecodeError:
        stanzas = []
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
