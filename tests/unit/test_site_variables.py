"""The derived site variables (playbooks/group_vars/all/site.yml) as Ansible renders
them for the example region: each workstation's bank and its signature mirror."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from regbank_foundation.paths import KIT_ROOT

ANSIBLE = str(Path(sys.executable).parent / "ansible")


def render(inventory, hosts: str, variable: str) -> dict[str, str]:
    """`ansible HOSTS -m debug -a var=VARIABLE` with the playbooks' group_vars: no host
    is contacted (debug runs on the controller)."""
    done = subprocess.run(
        [ANSIBLE, "-i", str(inventory), "--playbook-dir", str(KIT_ROOT / "playbooks"),
         hosts, "-m", "ansible.builtin.debug", "-a", f"var={variable}", "-o"],
        capture_output=True, text=True, check=False, cwd=KIT_ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(KIT_ROOT / "ansible.cfg"),
             "ANSIBLE_STRATEGY": "linear"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.findall(r"^(\S+) \| SUCCESS => (\{.*\})$", done.stdout, re.M)
    return {host: json.loads(result)[variable] for host, result in found}


def test_each_workstation_takes_signatures_from_its_own_bank(tmp_path):
    inventory = tmp_path / "region"
    shutil.copytree(KIT_ROOT / "inventory" / "example", inventory)
    mirrors = render(inventory, "ws-mo1-kdn,ws-mo3-kdn", "regbank_clamav_mirror")
    # МО-1 has no server of its own: the regional bank; МО-3 its municipal server's
    assert mirrors == {
        "ws-mo1-kdn": "https://bank.region.local/clamav",
        "ws-mo3-kdn": "https://mo-3.bank.region.local/clamav",
    }
    # a municipal server that keeps no mirror: its workstations get none (freshclam masked)
    nginx = inventory / "group_vars" / "municipal" / "nginx.yml"
    nginx.write_text(nginx.read_text(encoding="utf-8").replace(
        "nginx_clamav_mirror_root: /srv/regbank/clamav", "nginx_clamav_mirror_root: ''"),
        encoding="utf-8")  # fmt: skip
    mirrors = render(inventory, "ws-mo1-kdn,ws-mo3-kdn", "regbank_clamav_mirror")
    assert mirrors == {"ws-mo1-kdn": "https://bank.region.local/clamav", "ws-mo3-kdn": ""}
