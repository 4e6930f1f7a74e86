"""site.yml through ansible-runner, the engine under AWX, as an AWX job runs it: the
repository as the project folder, the lab's inventory folder as the inventory source,
the vault password given at Ansible's prompt as AWX's vault credential gives it
(docs/awx.md). On the deployed lab the run changes nothing."""

import os
import sys
from pathlib import Path

import ansible_runner
import pytest
from conftest import INVENTORY, PLAYBOOK

from regbank import lab
from regbank_foundation.paths import KIT_ROOT

pytestmark = pytest.mark.full_site
HOSTS = [host.name for host in lab.load_lab(INVENTORY).hosts]


def test_site_through_ansible_runner_changes_nothing(site_lab, tmp_path, monkeypatch):
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
    stats = result.stats
    assert set(HOSTS) <= stats["processed"].keys(), stats
    for count in ("changed", "failures", "dark", "rescued", "ignored"):
        assert not any(stats[count].get(host) for host in HOSTS), f"{count}: {stats[count]}"
