"""The hosts of an inventory as Ansible sees them, and a testinfra connection to each.

Ansible renders the inventory (templated paths, vault, group_vars) in one ad-hoc run
of the debug module, which touches no host. The rendered connection settings go into
a small inventory of their own, which testinfra's ansible backend reads: it connects
over the same SSH path, user, key and become settings as the playbooks, without
starting Ansible for each command.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT
from security_profiles.checks.reader import Output, Reader

# Connection settings testinfra's ansible backend reads from an inventory.
CONNECTION_VARS = (
    "ansible_host", "ansible_port", "ansible_user", "ansible_connection",
    "ansible_become", "ansible_become_user", "ansible_become_method",
    "ansible_ssh_private_key_file", "ansible_private_key_file",
    "ansible_ssh_common_args", "ansible_ssh_extra_args",
)  # fmt: skip
# Inventory values the checks and the documents use.
CONTEXT_VARS = (
    "regbank_public_name", "regbank_region_name", "regbank_profile", "regbank_protection_tools",
    "regbank_management_networks", "baseline_ntp_servers", "baseline_timezone",
    "postgresql_pgaudit_role", "registry_app_db_name", "mo",
)  # fmt: skip


class TargetError(RegbankError):
    pass


@dataclass
class Target:
    name: str
    groups: tuple[str, ...]
    connection: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)


def _render_expression() -> str:
    wanted = {name: name for name in CONNECTION_VARS + CONTEXT_VARS}
    items = ", ".join(f'"{name}": ({var} | default(None))' for name, var in wanted.items())
    return "msg={{ {" + items + ', "groups": group_names} }}'


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", str(KIT_ROOT / "ansible.cfg"))
    return env


def load_targets(inventory: Path, limit: str = "all") -> list[Target]:
    """Every host of the inventory with its rendered connection settings and groups."""
    env = ansible_env() | {
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }
    command = ["ansible", limit, "-i", str(inventory), "-m", "ansible.builtin.debug",
               "-a", _render_expression()]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=KIT_ROOT, check=False
    )
    start = done.stdout.find("\n{")
    text = done.stdout if done.stdout.startswith("{") else done.stdout[start + 1 :]
    try:
        data, _ = json.JSONDecoder().raw_decode(text)
        results = data["plays"][0]["tasks"][0]["hosts"]
    except (ValueError, KeyError, IndexError):
        raise TargetError(
            f"{inventory}: Ansible could not read the inventory:\n{done.stderr.strip()[-2000:]}"
        ) from None
    targets = []
    for name in sorted(results):
        message = results[name].get("msg")
        if not isinstance(message, dict):
            raise TargetError(f"{inventory}: host {name}: {results[name].get('msg')}")
        groups = tuple(message.pop("groups"))
        connection = {k: message[k] for k in CONNECTION_VARS if message.get(k) is not None}
        variables = {k: message[k] for k in CONTEXT_VARS if message.get(k) is not None}
        targets.append(Target(name, groups, connection, variables))
    return targets


def write_connection_inventory(targets: list[Target], folder: Path) -> Path:
    """A static inventory of only the rendered connection settings, for testinfra."""
    control = folder / "cm-%C"  # one SSH connection per host, reused by every command
    hosts = {}
    for target in targets:
        connection = dict(target.connection)
        extra = connection.get("ansible_ssh_extra_args", "")
        connection["ansible_ssh_extra_args"] = f"{extra} -o ControlPath={control}".strip()
        hosts[target.name] = connection
    path = folder / "connection.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
    return path


def reader_for(target: Target, connection_inventory: Path) -> Reader:
    """A read-only command runner on the host, through testinfra's ansible backend."""
    import testinfra  # imported here: only attest needs it

    host = testinfra.get_host(f"ansible://{target.name}?ansible_inventory={connection_inventory}")

    def execute(command: str) -> Output:
        result = host.run(command)
        return Output(result.rc, result.stdout, result.stderr)

    return Reader(execute)
