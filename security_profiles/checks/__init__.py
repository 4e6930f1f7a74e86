"""Checks: read-only tests of a host that evidence FSTEC measures.

Every check has an id, the measure codes it evidences, the hosts it applies to (the
role that puts the setting there, and the inventory groups that role runs on), the
expected value said in Russian, and a function that reads the host and returns what
it observed and whether that meets the expectation.

Checks never change a host. They get a :class:`~security_profiles.checks.reader.Reader`,
not the testinfra host: it runs only the read-only commands it knows (see reader.py),
so a check cannot even ask for a write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from security_profiles.checks.reader import NotInstalled, Reader

FRAMEWORK = "fstec21"


@dataclass(frozen=True)
class Observed:
    """What a check saw on the host; ``passed`` tells whether it meets the expectation."""

    passed: bool
    observed: str


@dataclass(frozen=True)
class HostContext:
    """What a check may know about its host besides what it reads: the inventory's view."""

    name: str
    groups: tuple[str, ...]
    variables: dict[str, Any] = field(default_factory=dict)

    def var(self, name: str, default: Any = None) -> Any:
        value = self.variables.get(name)
        return default if value is None else value


CheckFunction = Callable[[Reader, HostContext], Observed]


@dataclass(frozen=True)
class Check:
    id: str
    measures: tuple[str, ...]  # codes in FRAMEWORK
    title: str  # Russian, for the protocol
    expected: str  # Russian, for the protocol
    role: str  # the role whose settings the check reads
    groups: tuple[str, ...]  # where that role runs when site.yml does not say yet
    function: CheckFunction

    def run(self, reader: Reader, context: HostContext) -> Observed:
        try:
            return self.function(reader, context)
        except NotInstalled as missing:
            return Observed(False, f"не установлено: {missing}")


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    *,
    measures: tuple[str, ...],
    title: str,
    expected: str,
    role: str,
    groups: tuple[str, ...] = ("all",),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``check_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} is registered twice")
        REGISTRY[check_id] = Check(check_id, measures, title, expected, role, groups, function)
        return function

    return register


# Importing the modules registers their checks.
from security_profiles.checks import (  # noqa: E402,F401  (registration side effect)
    accounts,
    application,
    audit,
    database,
    integrity,
    logs,
    network,
    replication,
    services,
    ssh,
    system,
    time,
    tls,
    vpn,
    workstation,
)
