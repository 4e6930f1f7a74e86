"""The hosts of an inventory as Ansible renders them: one reader for every command.

`ansible-inventory` lists an inventory's variables as written, templates and vault
values unrendered (`{{ inventory_dir }}/…` stays a template), so the kit asks Ansible
itself: one ad-hoc run of the debug module over the hosts, which touches no host,
renders every value the way a playbook would see it (templates, vault, group_vars,
magic variables). The connection settings it returns are what the SSH runner
(regbank_foundation.ssh) and attest's testinfra connect with; other values are asked
for by name.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

# The connection settings of a host, as Ansible's ssh connection plugin reads them.
CONNECTION_VARS = (
    "ansible_host", "ansible_port", "ansible_user", "ansible_connection",
    "ansible_become", "ansible_become_user", "ansible_become_method",
    "ansible_ssh_private_key_file", "ansible_private_key_file",
    "ansible_ssh_common_args", "ansible_ssh_extra_args",
)  # fmt: skip
ANSIBLE_TIMEOUT = 300


class InventoryHostsError(RegbankError):
    """Ansible could not render the inventory, or a host asked for is not in it."""


class NoHostsError(InventoryHostsError):
    """No host of the inventory matches the pattern (or Ansible read no inventory)."""


@dataclass(frozen=True)
class Target:
    """One host: its name, groups, rendered connection settings and asked-for values."""

    name: str
    groups: tuple[str, ...]
    connection: dict[str, Any] = field(default_factory=dict)  # CONNECTION_VARS that are set
    variables: dict[str, Any] = field(default_factory=dict)  # the values asked for, when set

    @property
    def address(self) -> str:
        return str(self.connection.get("ansible_host") or self.name)

    @property
    def port(self) -> int:
        return int(self.connection.get("ansible_port") or 22)

    @property
    def user(self) -> str:
        return str(self.connection.get("ansible_user") or "")

    @property
    def key_file(self) -> str:
        connection = self.connection
        key = connection.get("ansible_ssh_private_key_file") or connection.get(
            "ansible_private_key_file"
        )
        return str(key or "")

    @property
    def ssh_args(self) -> list[str]:
        """ansible_ssh_common_args then ansible_ssh_extra_args, split as a shell would."""
        common = str(self.connection.get("ansible_ssh_common_args") or "")
        extra = str(self.connection.get("ansible_ssh_extra_args") or "")
        return shlex.split(common) + shlex.split(extra)

    @property
    def become(self) -> bool:
        return bool(self.connection.get("ansible_become"))


def ansible_program(name: str) -> str:
    """An Ansible command: the one beside this interpreter (the kit's venv), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RegbankError(
            f"{name} not found beside {sys.executable} nor on PATH; "
            "install the kit's virtual environment with `make venv`"
        )
    return found


def put_ansible_on_path() -> None:
    """Programs the kit starts by name (testinfra's `ansible-inventory`, a user's hooks)
    find the Ansible installed beside this interpreter first: `.venv/bin/regbank` works
    without an activated venv."""
    beside = Path(sys.executable).parent
    if (beside / "ansible").is_file():
        path = os.environ.get("PATH", "")
        if str(beside) not in path.split(os.pathsep):
            os.environ["PATH"] = os.pathsep.join(filter(None, [str(beside), path]))


def ansible_env(**extra: str) -> dict[str, str]:
    """The environment Ansible runs in: the kit's ansible.cfg unless one is chosen."""
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", str(KIT_ROOT / "ansible.cfg"))
    return env | extra


def _render_expression(names: tuple[str, ...]) -> str:
    items = ", ".join(f'"{name}": ({name} | default(None))' for name in names)
    return "msg={{ {" + items + ', "groups": group_names} }}'


def json_document(output: str) -> dict:
    """The JSON document alone: callbacks enabled in ansible.cfg (profile_tasks) print
    their own lines before and after it."""
    start = re.search(r"^\{", output, re.M)
    if start is None:
        raise ValueError("no JSON document")
    document, _ = json.JSONDecoder().raw_decode(output, start.start())
    return document


def play_tasks(play: dict) -> list[dict]:
    """A play's tasks from the JSON callback, one entry per task with every host's result.

    Under a strategy the callback does not know as lock-step (mitogen_linear, the kit's)
    it records one entry per host and task; they are merged by task id: results of all
    hosts, from the earliest start to the latest end."""
    merged: dict[str, dict] = {}
    for entry in play["tasks"]:
        task = entry["task"]
        known = merged.get(task["id"])
        if known is None:
            merged[task["id"]] = {
                "task": {**task, "duration": dict(task["duration"])},
                "hosts": dict(entry["hosts"]),
            }
            continue
        known["hosts"].update(entry["hosts"])
        duration, other = known["task"]["duration"], task["duration"]
        duration["start"] = min(duration["start"], other["start"])
        if "end" in other:
            duration["end"] = max(duration.get("end", other["end"]), other["end"])
    return list(merged.values())


def ad_hoc(
    inventory: str | os.PathLike,
    pattern: str,
    module: str,
    arguments: str,
    *options: str,
    doing: str,
) -> tuple[dict[str, dict], str]:
    """One module on the hosts of ``pattern`` (`ansible`, the json callback): each host's
    result, and Ansible's stderr (its warnings). ``doing`` names the work in the error
    when Ansible does not answer in time or prints no result."""
    command = [ansible_program("ansible"), pattern, "-i", str(inventory), *options,
               "-m", module, "-a", arguments]  # fmt: skip
    env = ansible_env(
        # One task: mitogen's strategy (ansible.cfg) saves nothing here, and its
        # deprecation warning would reach the user with Ansible's own warnings.
        ANSIBLE_STRATEGY="linear",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=KIT_ROOT,
            timeout=ANSIBLE_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        message = f"{inventory}: Ansible did not {doing} in {ANSIBLE_TIMEOUT} s"
        raise InventoryHostsError(message) from error
    try:
        plays = json_document(done.stdout)["plays"]
        tasks = play_tasks(plays[0]) if plays else []
        return (tasks[0]["hosts"] if tasks else {}), done.stderr
    except (ValueError, KeyError, IndexError, TypeError):
        raise InventoryHostsError(
            f"{inventory}: Ansible could not {doing}:\n{done.stderr.strip()[-2000:]}"
        ) from None


def render_hosts(
    inventory: str | os.PathLike, limit: str = "all", variables: tuple[str, ...] = ()
) -> list[Target]:
    """Every host of ``limit`` (an Ansible pattern) in the inventory, sorted by name, as
    Ansible renders it; an inventory Ansible cannot read, a pattern no host matches or a
    value Ansible cannot render is refused."""
    names = tuple(dict.fromkeys(CONNECTION_VARS + variables))
    results, warnings = ad_hoc(
        inventory, limit, "ansible.builtin.debug", _render_expression(names),
        doing="read the inventory",
    )  # fmt: skip
    if not results:
        warnings = warnings.strip()[-2000:]
        raise NoHostsError(f"{inventory}: Ansible found no host matching {limit!r}:\n{warnings}")
    targets = []
    for name in sorted(results):
        message = results[name].get("msg")
        if not isinstance(message, dict):
            raise InventoryHostsError(f"{inventory}: host {name}: {message}")
        groups = tuple(message.pop("groups"))
        connection = {k: message[k] for k in CONNECTION_VARS if message.get(k) is not None}
        asked = {k: message[k] for k in variables if message.get(k) is not None}
        targets.append(Target(name, groups, connection, asked))
    return targets


def render_host(inventory: str | os.PathLike, host: str, variables: tuple[str, ...] = ()) -> Target:
    """One host of the inventory, as render_hosts renders it."""
    try:
        found = render_hosts(inventory, host, variables)
    except NoHostsError:
        found = []
    found = [target for target in found if target.name == host]
    if not found:
        raise InventoryHostsError(f"{host} is not a host of {inventory}")
    return found[0]
