"""Role variables set in the inventory, checked against each role's argument specs.

Ansible checks a role's variables only when the role starts, after earlier roles
have already changed hosts. The same specs (roles/*/meta/argument_specs.yml) are
applied here to every role variable the inventory sets, so a wrong type, a value
outside the choices or a misspelt name is refused with its file and key before any
play runs. A value that is a template or vault-encrypted is judged by Ansible later.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from regbank.inventory.loader import Host, Inventory, Problem
from regbank.inventory.schema import is_opaque, shown
from regbank_foundation.paths import KIT_ROOT

ROLES_DIR = KIT_ROOT / "roles"
# What the validator understands; descriptions and the like are for people.
_SPEC_KEYS = {"type", "elements", "choices", "options", "no_log", "aliases"}


def _strip(option: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in option.items() if key in _SPEC_KEYS}
    if isinstance(kept.get("options"), dict):
        kept["options"] = {name: _strip(sub) for name, sub in kept["options"].items()}
    return kept


@cache
def role_specs(roles_dir: Path = ROLES_DIR) -> dict[str, dict[str, dict[str, Any]]]:
    """Each role's variables (entry point main): role -> variable -> spec."""
    specs = {}
    for spec_file in sorted(roles_dir.glob("*/meta/argument_specs.yml")):
        role = spec_file.parent.parent.name
        data = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        options = (data.get("argument_specs") or {}).get("main", {}).get("options") or {}
        specs[role] = {name: _strip(option) for name, option in options.items()}
    return specs


def _judged_later(value: Any) -> bool:
    """Templates and vault values get their real value only when Ansible runs."""
    return is_opaque(value) or "{{" in json.dumps(value, default=str, ensure_ascii=False)


def _owner(name: str, specs: dict[str, dict[str, Any]]) -> str | None:
    """The role whose variable prefix the name carries (longest role name first)."""
    for role in sorted(specs, key=len, reverse=True):
        if name.startswith(f"{role}_"):
            return role
    return None


def _host_problems(inventory: Inventory, host: Host, specs) -> list[Problem]:
    problems = []
    for name, value in host.vars.items():
        role = _owner(name, specs)
        if role is None:
            continue
        file = host.sources.get(name, host.own_file)
        spec = specs[role].get(name)
        if spec is None:
            close = difflib.get_close_matches(name, specs[role], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            message = f"not a variable of role {role} (roles/{role}/README.md){hint}"
            problems.append(inventory.problem(file, name, message))
            continue
        if _judged_later(value):
            continue
        result = ArgumentSpecValidator({name: spec}).validate({name: value})
        converted = result.validated_parameters.get(name)
        errors = result.error_messages or _count_problems(spec, value, converted)
        for error in errors:
            problems.append(inventory.problem(file, name, f"role {role}: {error}"))
    return problems


def _count_problems(spec: dict[str, Any], value: Any, converted: Any) -> list[str]:
    """An int of a role is a count, a port, a size or a time: never a boolean (Ansible
    would take true for 1) and never below zero."""
    if spec.get("type") != "int":
        return []
    if isinstance(value, bool):
        return [f"expected a whole number, found {shown(value)}"]
    if isinstance(converted, int) and converted < 0:
        return [f"expected a whole number of 0 or more, found {shown(value)}"]
    return []


def check_role_variables(inventory: Inventory, roles_dir: Path = ROLES_DIR) -> list[Problem]:
    specs = role_specs(roles_dir)
    problems: list[Problem] = []
    for host in inventory.hosts.values():
        problems += _host_problems(inventory, host, specs)
    return list(dict.fromkeys(problems))  # a group's value is reported once, not per host
