"""The lab is a closed segment (issue 15, item 3): the whole region was deployed from the
offline bundle with its egress cut, and every `make test` proves it on the one shared
deployment.

conftest.py builds the bundle (`regbank lab bundle`) and runs site.yml once; here the
tests read what a security officer would check afterwards: the containers have no route
to Docker's default bridge, the machine's firewall counted no packet leaving the lab
network, every host's apt knows only the regional server's repository signed with the
region's key. (test_site.py's check-mode run comes from a controller installed from
the bundle's wheelhouse alone: conftest.py's `controller`.)
"""

from __future__ import annotations

import base64
import ipaddress
import re

import docker
import pytest
from conftest import INVENTORY, offline_bundle, regbank
from test_replication import exec_on, on

from regbank import lab, lab_egress

LAB = lab.load_lab(INVENTORY)
HOSTS = [host.name for host in LAB.hosts]
REGIONAL = next(h for h in LAB.hosts if h.name == "region-srv")

pytestmark = pytest.mark.skipif(
    not LAB.egress_cut, reason="the lab inventory is online (regbank_package_source)"
)


def test_no_container_has_the_default_bridge(site_lab):
    client = docker.from_env()
    for host in LAB.hosts:
        networks = client.containers.get(host.container).attrs["NetworkSettings"]["Networks"]
        assert set(networks) == {LAB.network}, f"{host.name}: {sorted(networks)}"


def dropped_packets() -> int:
    """The count `regbank lab status` shows the operator."""
    status = regbank("status").stdout
    found = re.search(r"egress of \S+ cut .*: (\d+) packets \(\d+ bytes\) dropped", status)
    assert found, status
    return int(found[1])


def test_nothing_left_the_lab_network(site_lab):
    """Zero since `regbank lab up`: the deployment and every lab test before this one.
    Then a host knocks at the machine's own package proxy (the lab network's gateway,
    where the lab downloaded packages before it was cut): refused, and counted — the
    counter is live. The probe's packets are then taken off it, so a rerun on the same
    lab (REGBANK_LAB_REUSE=1) reads zero again unless something else tried to leave."""
    assert dropped_packets() == 0
    gateway = str(next(iter(ipaddress.ip_network(LAB.subnet).hosts())))
    code, output = exec_on(
        "region-srv", "timeout", "5", "bash", "-c", f"echo > /dev/tcp/{gateway}/3142"
    )
    assert code != 0, output
    try:
        assert dropped_packets() > 0
    finally:
        lab_egress.zero(LAB.network)


def test_every_host_installs_only_from_the_regions_repository(site_lab):
    """apt's sources on every host: the regional server's repository (and, on the regional
    server, the bundle's own folder), each trusting only the region's key from the bundle."""
    bundle = offline_bundle()
    region_key = (bundle / "keys" / "region-repository.gpg").read_bytes()
    serving = on("region-srv", "readlink", "/srv/regbank/offline/current").strip()
    for host in LAB.hosts:
        policy = on(host.name, "apt-cache", "policy")
        keyring = on(host.name, "base64", "-w0", "/etc/apt/keyrings/regbank-offline.gpg")
        sources = set(re.findall(r"^\s+\d+ (\S+) bookworm/main amd64 Packages$", policy, re.M))
        expected = {f"http://{REGIONAL.address}:8081"}
        if host is REGIONAL:  # the bundle's folder it serves (package_source's `current`)
            expected.add(f"file:{serving}/repository")
        assert sources == expected, f"{host.name}:\n{policy}"
        assert base64.b64encode(region_key).decode() == keyring.strip(), host.name
