"""A newer offline bundle applied to the running lab with playbooks/upgrade.yml (issue 15,
item 4), and an older one refused.

The lab deployed from the bundle conftest.py built; here `regbank lab bundle` builds the
next one in its place, as a region builds the next one with the day's security updates,
and upgrade.yml takes the region to it: the regional server keeps and serves it, every
host installs from it the newer versions of what it has (base packages of the OS image
older than the bundle's; nothing else), and the servers take its application. The bundle
built first is then refused as older, before anything changes, and taken only when
forced (checked in check mode, so the lab stays on the newer one). Runs with the other new
releases (before test_upgrade.py, which moves on from the bundle this one leaves current).
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import INVENTORY, assert_clean, offline_bundle, regbank, run
from test_replication import on

from regbank import lab

LAB = lab.load_lab(INVENTORY)
HOSTS = [host.name for host in LAB.hosts]

pytestmark = [
    pytest.mark.full_site,
    pytest.mark.new_release,
    pytest.mark.skipif(not LAB.egress_cut, reason="the lab inventory is online"),
]


def built(bundle) -> str:
    return json.loads((bundle / "BUNDLE.json").read_text(encoding="utf-8"))["built"]


def served() -> str:
    """The build time of the bundle the regional server serves (current/BUNDLE.json)."""
    return json.loads(on("region-srv", "cat", "/srv/regbank/offline/current/BUNDLE.json"))["built"]


@pytest.fixture(scope="module")
def older(site_lab):
    """The bundle the lab was deployed from, kept aside while a newer one takes its place."""
    bundle = offline_bundle()
    aside = bundle.with_name(bundle.name + "-older")
    shutil.rmtree(aside, ignore_errors=True)
    bundle.rename(aside)
    yield aside
    if bundle.exists():  # the newer one took its place
        shutil.rmtree(aside, ignore_errors=True)
    else:  # the test stopped before: the lab keeps the bundle it was deployed from
        aside.rename(bundle)


def test_a_newer_bundle_reaches_every_host(older):
    assert served() == built(older)
    regbank("bundle")  # the next bundle, where the inventory names it
    newer = offline_bundle()
    assert built(newer) > built(older)
    upgraded = run("ansible-playbook", "playbooks/upgrade.yml").stdout
    assert_clean(upgraded, HOSTS, changed=True)
    assert served() == built(newer)
    # Every host now runs the bundle's versions: nothing left to upgrade from it (a host
    # made from an older OS image also took the bundle's newer base packages) ...
    for host in HOSTS:
        simulated = on(host, "apt-get", "-s", "--with-new-pkgs", "upgrade")
        assert "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded" in simulated, (
            host, simulated)  # fmt: skip
    # ... and took only newer versions of what it had: nothing removed.
    for host in HOSTS:
        history = on(host, "cat", "/var/log/apt/history.log").strip().split("\n\n")
        upgrades = [entry for entry in history if "Commandline:" in entry and " upgrade" in entry]
        for entry in upgrades:
            assert "Remove:" not in entry and "Purge:" not in entry, (host, entry)


def test_an_older_bundle_is_refused(older):
    """Going back would take back security updates: refused on the regional server
    before anything is copied, naming both build times and how to force it."""
    current = served()
    refused = run(
        "ansible-playbook", "playbooks/upgrade.yml", "-e", f"regbank_offline_bundle={older}",
        check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    said = " ".join(refused.stdout.split())
    assert f"serves the offline bundle built {current}" in said, refused.stdout[-3000:]
    assert f"was built {built(older)}, before it" in said
    assert "upgrade_force=true" in said
    assert served() == current


def test_an_older_bundle_is_taken_when_forced(older):
    """`-e upgrade_force=true` is how an operator goes back on purpose: the same run, in
    check mode, passes the refusal and reports the older bundle's copy to the regional
    server as what would change, while nothing changes yet."""
    current = served()
    forced = run(
        "ansible-playbook", "playbooks/upgrade.yml", "-e", f"regbank_offline_bundle={older}",
        "-e", "upgrade_force=true", "--check", "--diff",
    ).stdout  # fmt: skip
    refusal, rest = forced.split(
        "Package_source | Refuse a bundle older than the one the host serves]", 1
    )[1].split("TASK [", 1)
    assert "ok: [region-srv]" in refusal and "before it" not in forced, forced[-3000:]
    # the dry run reports the older bundle's copy (and its apt source) as what would change
    package_source = rest.split("PLAY [Upgrade | Every host installs", 1)[0]
    assert "changed: [region-srv]" in package_source, package_source[-3000:]
    assert served() == current
