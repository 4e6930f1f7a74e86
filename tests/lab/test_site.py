"""The lab end to end: up → site.yml → again with no change → check mode → down.

Runs the real commands a user runs, against the lab's containers (conftest.py
brings the lab up and runs site.yml once for the whole session).
"""

import os
import re
import sys
from pathlib import Path

import ansible_runner
import docker
import pytest
from conftest import INVENTORY, PLAYBOOK, assert_clean, regbank, run

from regbank import lab
from regbank.inventory import load_inventory
from regbank_foundation.paths import KIT_ROOT

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


def test_site_again_through_ansible_runner_changes_nothing(site_lab, tmp_path, monkeypatch):
    """The second run, as an AWX job runs it (docs/awx.md): ansible-runner, the engine
    under AWX, with the repository as the project folder, the lab's inventory folder as
    the inventory source and the vault password given at Ansible's prompt, as AWX's vault
    credential gives it. One run proves both that site.yml changes nothing on a deployed
    region and that the repository works as an AWX project."""
    network = lab.load_lab(site_lab).network
    password = (lab.STATE_DIR / network / "vault-password").read_text().strip()
    # No password file: the vault password comes only as AWX's credential brings it.
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    result = ansible_runner.run(
        private_data_dir=str(tmp_path),
        project_dir=str(KIT_ROOT),
        playbook=PLAYBOOK,
        inventory=str(site_lab),
        cmdline="--ask-vault-pass",
        # As the job template's extra variable: the preflight checks the region's folder.
        extravars={"regbank_inventory_dir": str(site_lab)},
        passwords={r"^Vault password:\s*$": password},
        envvars={"ANSIBLE_CONFIG": str(KIT_ROOT / "ansible.cfg"),
                 "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
        quiet=True,
        suppress_env_files=True,
    )  # fmt: skip
    output = result.stdout.read()
    assert result.status == "successful", output[-6000:]
    # Every host, none changed, failed, unreachable ("dark"), rescued or ignored.
    stats = result.stats
    assert set(HOSTS) <= stats["processed"].keys(), stats
    for count in ("changed", "failures", "dark", "rescued", "ignored"):
        assert not any(stats[count].get(host) for host in HOSTS), f"{count}: {stats[count]}"


def test_check_diff_on_the_deployed_lab_is_clean(deployed, controller):
    """From the controller an operator of the lab's (offline) region has: installed from
    the bundle's wheelhouse alone (conftest.py's `controller`)."""
    ansible = controller / "ansible-playbook"
    version = run(str(ansible), "--version").stdout
    assert f"python version = {sys.version_info.major}.{sys.version_info.minor}" in version
    assert_clean(run(str(ansible), PLAYBOOK, "--check", "--diff").stdout, HOSTS)


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
