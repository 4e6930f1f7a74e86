"""The region inventory: read it, check it against the schema, refuse a bad one.

A region inventory is a directory: hosts.yml (groups regional, municipal,
workstations, optional backup and backup_drill), group_vars/ and host_vars/.
See docs/inventory.md.
"""

from __future__ import annotations

import os

from regbank.inventory.checks import check
from regbank.inventory.loader import Host, Inventory, Problem, read_inventory
from regbank_foundation.errors import RegbankError

__all__ = [
    "Host",
    "Inventory",
    "Problem",
    "load_inventory",
    "load_valid_inventory",
    "validate_inventory",
]


def validate_inventory(path: str | os.PathLike) -> list[Problem]:
    """Every problem of the inventory at path (a directory, or its hosts file); [] if valid."""
    return _read_and_check(path)[1]


def _read_and_check(path: str | os.PathLike) -> tuple[Inventory | None, list[Problem]]:
    """The inventory, read once, and every problem found reading and checking it."""
    inventory, problems = read_inventory(path)
    if inventory is None:
        return None, problems  # without hosts.yml there is nothing more to check
    return inventory, list(dict.fromkeys(problems + check(inventory)))


def load_inventory(path: str | os.PathLike) -> Inventory:
    """Read an inventory without checking the schema; refuse one whose files do not parse."""
    inventory, problems = read_inventory(path)
    if problems or inventory is None:
        raise RegbankError(_report(path, problems))
    return inventory


def load_valid_inventory(path: str | os.PathLike, *, bundle_built: bool = True) -> Inventory:
    """Read an inventory and refuse it, listing every problem, unless it is valid.
    With bundle_built=False (the lab, which is brought up before `make lab` builds its
    offline bundle) an offline region's bundle folder may not exist yet."""
    inventory, problems = _read_and_check(path)
    if not bundle_built and inventory is not None:
        problems = [p for p in problems if not _bundle_not_built_yet(inventory, p)]
    if problems or inventory is None:
        raise RegbankError(_report(path, problems))
    return inventory


def _bundle_not_built_yet(inventory: Inventory, problem: Problem) -> bool:
    folder = inventory.region_vars.get("regbank_offline_bundle")
    return (
        problem.key == "regbank_offline_bundle"
        and isinstance(folder, str)
        and not (inventory.path / folder).exists()
    )


def _report(path: str | os.PathLike, problems: list[Problem]) -> str:
    return f"invalid region inventory {path}:\n" + "\n".join(map(str, problems))
