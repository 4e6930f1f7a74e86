"""The hosts of an inventory as Ansible renders them."""

import subprocess
import sys
from pathlib import Path

import pytest

from regbank_foundation import inventory_hosts
from regbank_foundation.errors import RegbankError
from regbank_foundation.inventory_hosts import InventoryHostsError, render_host, render_hosts
from regbank_foundation.paths import KIT_ROOT

EXAMPLE = KIT_ROOT / "inventory" / "example"


def test_hosts_are_read_through_ansible_with_the_kits_config():
    # ansible.cfg enables profile_tasks, which prints around the JSON Ansible answers with.
    target = render_host(EXAMPLE, "region-srv", ("regbank_public_name",))
    assert target.address == "10.20.0.10"
    assert target.variables["regbank_public_name"] == "bank.region.local"
    assert (target.user, target.port, target.become) == ("rbadmin", 22, True)
    assert target.groups == ("regional",)
    with pytest.raises(InventoryHostsError, match="not a host"):
        render_host(EXAMPLE, "no-such-host")


def test_templates_are_rendered_as_a_playbook_sees_them(tmp_path):
    inventory = tmp_path / "region"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        "all:\n  children:\n    regional:\n      hosts:\n        srv:\n"
        "          ansible_host: 10.1.0.5\n",
        encoding="utf-8",
    )
    (inventory / "group_vars" / "all.yml").write_text(
        'ansible_ssh_private_key_file: "{{ inventory_dir }}/id_key"\n'
        'ansible_ssh_common_args: "-o UserKnownHostsFile={{ inventory_dir }}/known"\n',
        encoding="utf-8",
    )
    [target] = render_hosts(inventory)
    assert target.key_file == f"{inventory}/id_key"
    assert target.ssh_args == ["-o", f"UserKnownHostsFile={inventory}/known"]


def test_an_inventory_ansible_cannot_read_is_refused(tmp_path):
    (tmp_path / "hosts.yml").write_text("all: [unclosed\n", encoding="utf-8")
    # Ansible only warns and goes on with no hosts: that is refused too.
    with pytest.raises(InventoryHostsError, match="Ansible found no host matching 'all'"):
        render_hosts(tmp_path / "hosts.yml")


def test_ansible_is_found_beside_the_interpreter_first(monkeypatch, tmp_path):
    assert inventory_hosts.ansible_program("ansible") == str(
        Path(sys.executable).with_name("ansible")
    )
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RegbankError, match="ansible-playbook not found beside .*make venv"):
        inventory_hosts.ansible_program("ansible-playbook")


def test_every_host_of_the_inventory_is_read():
    hosts = render_hosts(EXAMPLE)
    assert len(hosts) > 3
    assert {"region-srv", "mo3-srv"} <= {host.name for host in hosts}


def test_a_playbooks_tasks_are_merged_across_hosts(tmp_path):
    # ansible.cfg's mitogen_linear is not lock-step to the JSON callback: it records one
    # entry per host and task.
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "".join(f"h{n} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                for n in range(3)),
        encoding="utf-8",
    )  # fmt: skip
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - name: First\n      ansible.builtin.debug: {msg: one}\n"
        "    - name: Second\n      ansible.builtin.command: 'true'\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [inventory_hosts.ansible_program("ansible-playbook"), "-i", str(inventory), str(playbook)],
        capture_output=True, text=True, check=True,
        env=inventory_hosts.ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
    )  # fmt: skip
    [play] = inventory_hosts.json_document(done.stdout)["plays"]
    tasks = inventory_hosts.play_tasks(play)
    assert [task["task"]["name"] for task in tasks] == ["First", "Second"]
    for task in tasks:
        assert sorted(task["hosts"]) == ["h0", "h1", "h2"]
        assert task["task"]["duration"]["start"] <= task["task"]["duration"]["end"]
