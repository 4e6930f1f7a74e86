"""The lab inventory's copies (no Docker needed; the labs themselves are measured by
make bench-deploy): `regbank lab up --workstations N`, N more workstations, validated, at
free addresses inside the lab's subnet and tunnel network, in an inventory the region
validator accepts; and the online copy the bench deploys beside the offline lab."""

import ipaddress
import shutil

import pytest
import yaml
from conftest import INVENTORY

from regbank import lab
from regbank_foundation.errors import RegbankError


@pytest.fixture
def inventory(tmp_path):
    copy = tmp_path / "lab"
    shutil.copytree(INVENTORY, copy, ignore=shutil.ignore_patterns(".*", "vault.yml"))
    return copy


def test_extra_workstations_inside_the_subnet_and_valid(inventory):
    target = lab.with_workstations(inventory, 18)
    assert target == inventory.with_name("lab-ws18")
    base, extended = lab.load_lab(inventory), lab.load_lab(target)
    assert extended.network == base.network  # the same lab
    extra = [host for host in extended.hosts if host.name.startswith("ws-extra-")]
    assert len(extra) == 18 and len(extended.hosts) == len(base.hosts) + 18
    subnet = ipaddress.ip_network(base.subnet)
    addresses = [host.address for host in extended.hosts]
    assert len(set(addresses)) == len(addresses)
    assert all(ipaddress.ip_address(host.address) in subnet for host in extra)
    groups = yaml.safe_load((target / "hosts.yml").read_text())["all"]["children"]
    assert {host.name for host in extra} <= groups["workstations"]["hosts"].keys()
    # each in the protected network too, at an address of its own
    tunnel = ipaddress.ip_network("10.77.0.0/24")
    listed = [yaml.safe_load((target / "host_vars" / f"{name}.yml").read_text()).get("vpn_address")
              for name in groups["workstations"]["hosts"]]  # fmt: skip
    assert len(set(listed)) == len(listed) == 20
    assert all(ipaddress.ip_address(address) in tunnel for address in listed)


@pytest.mark.parametrize("count", [0, -1, lab.MAX_EXTRA_WORKSTATIONS + 1])
def test_a_count_out_of_range_is_refused(inventory, count):
    with pytest.raises(RegbankError, match=f"--workstations {count}: expected a number"):
        lab.with_workstations(inventory, count)


def test_more_than_the_subnet_holds_is_refused(inventory):
    main = inventory / "group_vars/all/main.yml"
    main.write_text(main.read_text().replace("10.89.0.0/24", "10.89.0.0/25"))
    with pytest.raises(RegbankError, match="only 27 free addresses in 10.89.0.0/25"):
        lab.with_workstations(inventory, 30)
    assert not inventory.with_name("lab-ws30").exists()


def test_the_online_copy_takes_packages_from_the_mirror(inventory):
    target = lab.online_copy(inventory)
    assert target == inventory.with_name("lab-online")
    base, online = lab.load_lab(inventory), lab.load_lab(target)
    assert base.egress_cut and not online.egress_cut  # lab up gives it the default bridge
    assert online.network == base.network and online.hosts == base.hosts  # the same lab
    main = yaml.safe_load((target / "group_vars/all/main.yml").read_text())
    assert main["regbank_package_source"] == "online"
    assert "regbank_offline_bundle" not in main and "baseline_apt_trusted_keys" not in main
    assert "regbank_debian_mirror" in main["baseline_apt_repositories"]
    assert lab.bundle_folder(target) is None  # make lab builds the application bundle alone
