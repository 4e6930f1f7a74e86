"""Run the checks over every host of an inventory and collect what the passport needs."""

from __future__ import annotations

import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regbank_foundation.inventory_hosts import Target, render_hosts
from regbank_foundation.paths import KIT_ROOT
from security_profiles.checks import REGISTRY, HostContext
from security_profiles.checks.reader import Reader
from security_profiles.evidence.applicability import applies, role_hosts
from security_profiles.evidence.targets import (
    CONTEXT_VARS,
    reader_for,
    write_connection_inventory,
)

PASS, FAIL, ERROR = "pass", "fail", "error"


def now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


@dataclass
class HostRun:
    name: str
    groups: tuple[str, ...]
    address: str
    reachable: bool = True
    error: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    packages: list[tuple[str, str]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def collect_facts(reader: Reader) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """OS, kernel, addresses, listening ports and packages: read-only, for the passport."""
    release = reader.file("/etc/os-release") or ""
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]*)', release, re.M)
    debian = reader.file("/etc/debian_version") or ""
    addresses = []
    for line in reader.run("ip", "-o", "addr", "show").stdout.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[1] != "lo" and parts[2] in ("inet", "inet6"):
            addresses.append(f"{parts[3]} ({parts[1]})")
    listening = []
    for line in reader.run("ss", "-Htlnu").stdout.splitlines():
        parts = line.split()
        if len(parts) >= 5:
            listening.append(f"{parts[0]} {parts[4]}")
    virt = reader.run("systemd-detect-virt")
    listing = reader.run("dpkg-query", "-W", "-f", "${Package}\t${Version}\n")
    packages = [tuple(line.split("\t", 1)) for line in listing.stdout.splitlines() if "\t" in line]
    facts = {
        "os": pretty[1] if pretty else "неизвестно",
        "debian_version": debian.strip(),
        "kernel": reader.run("uname", "-r").stdout.strip(),
        "hostname": reader.run("hostname").stdout.strip(),
        "virtualisation": virt.stdout.strip() or "none",
        "addresses": addresses,
        "listening": sorted(set(listening)),
        "packages_count": len(packages),
    }
    return facts, sorted(packages)  # type: ignore[arg-type]


def run_host(
    target: Target, connection_inventory: Path, site_roles: dict[str, set[str]]
) -> HostRun:
    run = HostRun(target.name, target.groups, target.address)
    reader = reader_for(target, connection_inventory)
    context = HostContext(target.name, target.groups, target.variables)
    try:
        run.facts, run.packages = collect_facts(reader)
    except Exception as error:  # noqa: BLE001 - any transport failure: the host is unreachable
        run.reachable, run.error = False, f"{type(error).__name__}: {error}"[:500]
    for check in REGISTRY.values():
        if not applies(check, target.groups, site_roles):
            continue
        started, clock = now(), time.monotonic()
        before = len(reader.commands)
        if not run.reachable:
            result, observed = ERROR, f"узел недоступен: {run.error}"
        else:
            try:
                outcome = check.run(reader, context)
                result, observed = (PASS if outcome.passed else FAIL), outcome.observed
            except Exception as error:  # noqa: BLE001 - recorded as the check's error
                result, observed = ERROR, f"ошибка проверки: {type(error).__name__}: {error}"[:500]
        run.checks.append(
            {
                "id": check.id,
                "title": check.title,
                "measures": list(check.measures),
                "role": check.role,
                "expected": check.expected,
                "observed": observed,
                "result": result,
                "time": started,
                "duration_s": round(time.monotonic() - clock, 2),
                "commands": reader.commands[before:],
            }
        )
    run.commands = list(reader.commands)
    return run


def run_checks(
    inventory: Path, limit: str = "all", site: Path | None = None
) -> tuple[list[HostRun], str, str]:
    """Every applicable check on every host (hosts in parallel); returns runs and start/end."""
    started = now()
    targets = render_hosts(inventory, limit, CONTEXT_VARS)
    site_roles = role_hosts(site or KIT_ROOT / "playbooks" / "site.yml")
    with tempfile.TemporaryDirectory(prefix="rb-attest-") as folder:
        connection = write_connection_inventory(targets, Path(folder))
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = list(pool.map(lambda t: run_host(t, connection, site_roles), targets))
    return runs, targets, started, now()
