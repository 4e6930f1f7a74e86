"""The hosts of an inventory as Ansible renders them."""

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
