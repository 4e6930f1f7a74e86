"""A command that changes a host's state reports the change: `changed_when: false` on
one hides it from the recap, and the lab test's changed=0 could not catch a run that
keeps doing it (issue 20: monitoring's reset-failed, backup's WAL switch)."""

import re

import pytest
import yaml

from regbank_foundation.paths import KIT_ROOT

NESTED = ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers")
COMMANDS = ("ansible.builtin.command", "ansible.builtin.shell", "command", "shell")
# Commands that change a unit's or the database's state whatever their output.
STATE_CHANGING = re.compile(
    r"\bsystemctl\b.*\b(reset-failed|start|stop|restart|reload|enable|disable|mask)\b"
    r"|\bpgbackrest\b.*\b(check|stanza-create|backup|restore|expire)\b"
)


def tasks(items):
    for task in items or []:
        if isinstance(task, dict):
            yield task
            for key in NESTED:
                yield from tasks(task.get(key))


def command_line(task: dict) -> str | None:
    for module in COMMANDS:
        if module in task:
            args = task[module]
            if isinstance(args, dict):
                args = args.get("argv") or args.get("cmd") or ""
            return " ".join(args) if isinstance(args, list) else str(args)
    return None


def silenced_changes(path) -> list[str]:
    found = []
    for task in tasks(yaml.safe_load(path.read_text(encoding="utf-8"))):
        line = command_line(task)
        if line and task.get("changed_when") is False and STATE_CHANGING.search(line):
            found.append(f"{path.parent.parent.name}/{path.name}: {task.get('name')}: {line}")
    return found


FILES = sorted(
    [*KIT_ROOT.glob("roles/*/tasks/*.yml"), *KIT_ROOT.glob("roles/*/handlers/*.yml"),
     *KIT_ROOT.glob("playbooks/*.yml")]
)  # fmt: skip


def test_no_state_change_is_reported_as_none():
    found = [entry for path in FILES for entry in silenced_changes(path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "task",
    [
        {"command": "systemctl reset-failed x", "changed_when": False},
        {"ansible.builtin.command": {"argv": ["pgbackrest", "--stanza=s", "check"]},
         "changed_when": False},
    ],
)  # fmt: skip
def test_the_scan_finds_a_silenced_change(tmp_path, task):
    path = tmp_path / "probe.yml"
    path.write_text(yaml.safe_dump([{"block": [task]}]), encoding="utf-8")
    assert silenced_changes(path)
