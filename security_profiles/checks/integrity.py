"""Integrity control: AIDE's database and its scheduled check."""

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader

AIDE_DATABASE = "/var/lib/aide/aide.db"


@check(
    "aide_database",
    measures=("ОЦЛ.1", "ЗИС.15"),
    title="AIDE: эталонная база контроля целостности создана",
    expected=f"пакет aide; база {AIDE_DATABASE} существует и не пуста",
    role="os_hardening",
)
def database(reader: Reader, context: HostContext) -> Observed:
    reader.require_package("aide")
    stat = reader.run("stat", "-c", "%s байт, изменена %y", AIDE_DATABASE)
    if not stat.ok:
        return Observed(False, f"{AIDE_DATABASE}: нет")
    size = int(stat.stdout.split()[0])
    return Observed(size > 0, f"{AIDE_DATABASE}: {stat.stdout.strip()}")


@check(
    "aide_scheduled",
    measures=("ОЦЛ.1",),
    title="AIDE: проверка целостности по расписанию",
    expected="включённый таймер systemd, запускающий проверку AIDE",
    role="os_hardening",
)
def scheduled(reader: Reader, context: HostContext) -> Observed:
    listing = reader.run("systemctl", "list-timers", "--all", "--no-legend", "--plain")
    timers = [
        word
        for line in listing.stdout.splitlines()
        for word in line.split()
        if word.endswith(".timer") and "aide" in word
    ]
    enabled = [
        t for t in timers if reader.run("systemctl", "is-enabled", t).stdout.strip() == "enabled"
    ]
    if not timers:
        return Observed(False, "таймера AIDE нет")
    return Observed(
        bool(enabled),
        ", ".join(f"{t}: {'enabled' if t in enabled else 'disabled'}" for t in timers),
    )
