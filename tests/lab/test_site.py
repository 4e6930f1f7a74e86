"""The lab end to end: up → site.yml → again with no change → check mode → down.

Runs the real commands a user runs, against the lab's containers (conftest.py
brings the lab up and runs site.yml once for the whole session).
"""

import re

import docker
import pytest
from conftest import INVENTORY, PLAYBOOK, assert_clean, regbank, run

from regbank import lab
from regbank.inventory import load_inventory

HOSTS = [host.name for host in lab.load_lab(INVENTORY).hosts]


def test_up_starts_every_host_reachable_by_ssh(lab_up):
    for host in HOSTS:
        assert re.search(rf"^{host}\s+\S+\s+running\s+\S+\s+ok$", lab_up.stdout, re.M), (
            lab_up.stdout
        )
    assert "regbank lab ssh" in lab_up.stdout


def test_up_again_reuses_what_exists(lab_up):
    client = docker.from_env()
    before = {c.name: c.id for c in client.containers.list(filters={"label": lab.LABEL})}
    again = regbank("up")
    after = {c.name: c.id for c in client.containers.list(filters={"label": lab.LABEL})}
    assert before == after
    assert again.stdout.count("reusing") == len(HOSTS)


def test_site_converges_every_host(deployed):
    assert_clean(deployed.stdout, HOSTS, changed=True)


def test_site_again_changes_nothing(deployed):
    assert_clean(run("ansible-playbook", PLAYBOOK).stdout, HOSTS)


def test_check_diff_on_the_deployed_lab_is_clean(deployed):
    assert_clean(run("ansible-playbook", PLAYBOOK, "--check", "--diff").stdout, HOSTS)


def test_hosts_are_deployed_as_an_operator_sees_them(deployed):
    for host in HOSTS:
        out = regbank(
            "ssh", host,
            "hostname; date +%Z; locale; sudo -n true && echo sudo-ok; systemctl is-system-running",
        )  # fmt: skip
        lines = out.stdout.split()
        assert lines[0] == host
        assert lines[-1] == "running", f"{host}: systemd is {lines[-1]}"
        assert "MSK" in lines
        assert "LANG=ru_RU.UTF-8" in lines
        assert "sudo-ok" in lines
    # Workstations and the municipal server follow the regional server's clock.
    inventory = load_inventory(INVENTORY)
    regional = next(host for host in inventory.hosts.values() if "regional" in host.groups)
    sources = regbank("ssh", "ws-mo1", "chronyc -n sources").stdout
    assert regional.vars["ansible_host"] in sources


@pytest.mark.teardown
def test_down_removes_everything_it_made(lab_up):
    network = lab.load_lab(INVENTORY).network
    regbank("down")
    client = docker.from_env()
    assert client.containers.list(all=True, filters={"label": f"{lab.LABEL}={network}"}) == []
    assert client.networks.list(filters={"label": f"{lab.LABEL}={network}"}) == []
    assert not lab.key_file(network).exists()
    # Only what it made: the base image stays for the next run.
    assert client.images.list(name="regbank/debian12-systemd")
