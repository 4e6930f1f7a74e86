"""Time: chrony keeps the clock from the sources the inventory names, in the region's zone."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import Reader

SOURCE = re.compile(r"^([\^=#])(.)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)", re.M)


@check(
    "time_sync",
    measures=("РСБ.6",),
    title="Синхронизация времени (chrony) и часовой пояс",
    expected="chronyd отвечает; каждый сервер baseline_ntp_servers — источник с ненулевым "
    "счётчиком достижимости (без серверов — локальный эталон local stratum); "
    "часовой пояс baseline_timezone",
    role="baseline",
)
def time_sync(reader: Reader, context: HostContext) -> Observed:
    reader.require_package("chrony")
    tracking = reader.run("chronyc", "-n", "tracking")
    if not tracking.ok:
        return Observed(False, f"chronyd не отвечает: {tracking.stderr.strip()[:100]}")
    sources = {m[3]: m for m in SOURCE.finditer(reader.run("chronyc", "-n", "sources").stdout)}
    servers = [str(s) for s in context.var("baseline_ntp_servers", [])]
    problems = []
    for server in servers:
        found = sources.get(server)
        if found is None:
            problems.append(f"{server}: не источник")
        elif found[5] == "0":
            problems.append(f"{server}: недостижим")
    if not servers:
        config = reader.file("/etc/chrony/chrony.conf") or ""
        if not re.search(r"^\s*local\s+stratum", config, re.M):
            problems.append("серверов нет и local stratum не задан")
    zone = reader.run("readlink", "/etc/localtime").stdout.strip().split("zoneinfo/")[-1]
    wanted_zone = context.var("baseline_timezone", "Europe/Moscow")
    if zone != wanted_zone:
        problems.append(f"часовой пояс {zone or '?'}")
    described = ", ".join(f"{m[1]}{m[2]} {name} reach {m[6]}" for name, m in sources.items())
    observed = f"источники: {described or 'нет'}; пояс {zone}" + (
        "; " + "; ".join(problems) if problems else ""
    )
    return Observed(not problems, observed)
