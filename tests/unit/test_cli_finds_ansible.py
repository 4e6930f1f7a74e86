"""Every command finds Ansible beside its own interpreter: `.venv/bin/regbank` works
without an activated venv (issue 20: `regbank attest` ended in FileNotFoundError)."""

import shutil
import subprocess
import sys
from pathlib import Path

from regbank_foundation.paths import KIT_ROOT

REGBANK = Path(sys.executable).with_name("regbank")


def test_attest_without_an_activated_venv_reaches_the_hosts(tmp_path):
    inventory = tmp_path / "region"
    shutil.copytree(KIT_ROOT / "inventory" / "example" / "group_vars" / "all",
                    inventory / "group_vars" / "all")  # fmt: skip
    (inventory / "hosts.yml").write_text(
        "all:\n  children:\n    regional:\n      hosts:\n        region-srv:\n"
        "          mo: MO-1\n          ansible_host: 127.0.0.1\n"
        "          ansible_port: 1\n",  # nothing listens there: refused at once
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(REGBANK), "attest", "-i", str(inventory), "--out", str(tmp_path / "pack"),
         "--no-pdf"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "not found" not in output, output  # neither ansible nor ansible-inventory
    assert done.returncode == 1, output  # every check an error: the host is unreachable
    assert "region-srv       0/" in output
    assert "Connection refused" in output or "port 1" in output, output
