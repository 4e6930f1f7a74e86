"""`regbank lab status` on a lab that is not there (issue 20: the welcome wrote into the
lab's state folder, missing before `lab up`, and ended in a traceback)."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from regbank_foundation.paths import KIT_ROOT

REGBANK = Path(sys.executable).with_name("regbank")


def test_status_of_an_absent_lab_lists_its_hosts_and_exits_1(tmp_path):
    inventory = tmp_path / "lab"
    shutil.copytree(KIT_ROOT / "inventory" / "lab", inventory,
                    ignore=shutil.ignore_patterns("pki_ca.yml", "vault.yml"))  # fmt: skip
    main = inventory / "group_vars" / "all" / "main.yml"
    settings = yaml.safe_load(main.read_text(encoding="utf-8"))
    settings["regbank_lab"]["network"] = "regbank-absent-test"  # never brought up
    main.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    # What a torn-down lab leaves in its inventory: the CA of the last deployment.
    (main.parent / "pki_ca.yml").write_text("pki_ca_certificate: test\n", encoding="utf-8")
    done = subprocess.run(
        [str(REGBANK), "lab", "status", "-i", str(inventory)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 1, output
    assert "region-srv" in output and "absent" in output, output
    assert "Банк:" not in output  # nothing to reach yet
