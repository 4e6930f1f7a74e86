"""The lab, shared by every lab test: brought up and deployed once per session.

The session starts from nothing (`regbank lab down`), brings the lab up, runs
site.yml once, and the tests read what they need from that deployed region. Tests
marked `teardown` run last, whatever their file: they take the lab down; before them
those marked `new_release`, and before those the restore drill (`drill`).
The inventory is inventory/lab, or the one named by REGBANK_LAB_INVENTORY; the
playbook is playbooks/site.yml (make lab-test), or the one named by REGBANK_LAB_PLAYBOOK:
with playbooks/baseline.yml and `-m "not full_site and not drill"` the lab's mechanics
alone are checked in a few minutes.
Tests that only read the deployed site take it through `site_lab`: with
REGBANK_LAB_REUSE=1 that is the lab as it stands (already up and deployed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from regbank import lab
from regbank_foundation.paths import KIT_ROOT

INVENTORY = Path(os.environ.get("REGBANK_LAB_INVENTORY", KIT_ROOT / "inventory" / "lab"))
PLAYBOOK = os.environ.get("REGBANK_LAB_PLAYBOOK", "playbooks/site.yml")
# A PLAY RECAP line: "host : ok=N changed=N unreachable=N failed=N skipped=N rescued=N ignored=N".
RECAP = re.compile(r"^(\S+)\s*:\s*((?:[a-z]+=\d+\s*)+)$", re.M)
COUNTS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")


# `django-admin shell -c` code that makes (or resets) a regional officer with a known
# password: .format(name=..., password=...).
MAKE_REGIONAL_USER = """
from accounts.models import Role, User
user = User.objects.filter(username={name!r}).first() or User(
    username={name!r}, last_name="Проверка", first_name="Лаборатории", role=Role.REGIONAL)
user.set_password({password!r})
user.must_change_password = False
user.is_active = True
user.save()
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "teardown: takes the lab down; runs after all others")
    config.addinivalue_line(
        "markers",
        "new_release: moves the lab to another release; runs after the tests of the deployed one",
    )
    config.addinivalue_line("markers", "drill: the backup restore drill (make lab-drill)")
    config.addinivalue_line("markers", "full_site: needs the whole site.yml (the default playbook)")
    network = lab.load_lab(INVENTORY).network
    # Ansible reads the lab's vault with the password `regbank lab up` makes.
    os.environ.setdefault(
        "ANSIBLE_VAULT_PASSWORD_FILE", str(lab.STATE_DIR / network / "vault-password")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The drill recreates drill-srv and leaves it holding the restored copy, not deployed
    # like the others: it comes after every test that runs site.yml over the whole lab.
    items.sort(
        key=lambda item: (
            item.get_closest_marker("teardown") is not None,
            item.get_closest_marker("new_release") is not None,
            item.get_closest_marker("drill") is not None,
        )
    )


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    """A command as the operator types it, from the kit's folder, on this lab."""
    env = {**os.environ, "ANSIBLE_INVENTORY": str(INVENTORY)}
    result = subprocess.run(
        command, cwd=KIT_ROOT, capture_output=True, text=True, check=False, env=env
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-6000:]}"
            f"\n{result.stderr[-4000:]}"
        )
    return result


def regbank(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    action, *rest = arguments
    return run("regbank", "lab", action, "-i", str(INVENTORY), *rest, check=check)


def recap(output: str) -> dict[str, dict[str, int]]:
    """Every count of each host's PLAY RECAP line; a line without all of them fails."""
    hosts = {}
    for match in RECAP.finditer(output):
        counts = {key: int(value) for key, value in re.findall(r"([a-z]+)=(\d+)", match[2])}
        missing = set(COUNTS) - counts.keys()
        assert not missing, f"PLAY RECAP of {match[1]} has no {sorted(missing)}: {match[0]}"
        hosts[match[1]] = counts
    return hosts


def assert_clean(output: str, hosts: list[str], *, changed: bool = False) -> None:
    """Every host in the recap, none failed, unreachable, rescued or ignored (a task that
    failed and was rescued or ignored hides a fault); with changed=False none changed."""
    counts = recap(output)
    assert set(hosts) <= counts.keys(), f"hosts missing from the recap:\n{output[-3000:]}"
    for host in hosts:
        wanted = ("failed", "unreachable", "rescued", "ignored") + (() if changed else ("changed",))
        bad = {key: counts[host][key] for key in wanted if counts[host][key]}
        assert not bad, f"{host}: {bad}\n{output}"


@pytest.fixture(scope="session")
def lab_up() -> subprocess.CompletedProcess:
    regbank("down")  # a clean start, whatever an earlier run left
    up = regbank("up")
    yield up
    regbank("down", check=False)


def offline_bundle() -> Path | None:
    """The offline bundle folder an offline lab deploys from (its regbank_offline_bundle)."""
    return lab.bundle_folder(INVENTORY)


@pytest.fixture(scope="session")
def deployed(lab_up) -> subprocess.CompletedProcess:
    """The playbook's first run on the fresh lab, with the offline bundle (the application
    inside) built first, as `make lab` does."""
    full_site = "registry_app" in (KIT_ROOT / PLAYBOOK).read_text(encoding="utf-8")
    if full_site or offline_bundle():
        regbank("bundle")
    deployed = run("ansible-playbook", PLAYBOOK)
    if full_site:  # as `make lab` does: the sample region's activity, at each server
        run("ansible-playbook", "playbooks/lab-sample.yml")
    return deployed


@pytest.fixture(scope="session")
def site_lab(request) -> Path:
    """The inventory of a deployed lab: deployed by this session, or reused as it stands."""
    if not os.environ.get("REGBANK_LAB_REUSE"):
        request.getfixturevalue("deployed")
    return INVENTORY


@pytest.fixture(scope="session")
def controller(tmp_path_factory) -> Path:
    """The folder of the ansible-playbook an operator runs. An offline lab's is installed
    as docs/offline.md says, from the bundle's wheelhouse alone: no package index, every
    wheel checked against requirements.lock's hashes, the kit from build-system/."""
    bundle = offline_bundle()
    if bundle is None:
        return Path(sys.executable).parent
    venv = tmp_path_factory.mktemp("offline-controller") / "venv"
    wheels = bundle / "wheelhouse"
    run(sys.executable, "-m", "venv", str(venv))
    pip = (str(venv / "bin" / "pip"), "install", "--isolated", "--no-index", "--quiet")
    run(*pip, "--find-links", str(wheels), "--require-hashes",
        "-r", str(wheels / "requirements.lock"))  # fmt: skip
    run(*pip, "--no-deps", "--find-links", str(wheels / "build-system"), "-e", ".")
    return venv / "bin"
