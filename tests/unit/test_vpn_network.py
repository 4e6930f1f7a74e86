"""The vpn role's address filters: the checks that refuse a wrong tunnel network
and the route spelling the reconcile step compares."""

import importlib.util

import pytest

from regbank_foundation.paths import KIT_ROOT

_SPEC = importlib.util.spec_from_file_location(
    "vpn_network", KIT_ROOT / "roles" / "vpn" / "filter_plugins" / "vpn_network.py"
)
vpn_network = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(vpn_network)


@pytest.mark.parametrize(
    ("address", "network", "inside"),
    [
        ("10.77.0.5", "10.77.0.0/24", True),
        ("10.77.1.5", "10.77.0.0/24", False),
        ("", "10.77.0.0/24", False),
        ("10.77.0.5", "", False),
        ("not an address", "10.77.0.0/24", False),
    ],
)
def test_an_address_inside_the_tunnel_network(address, network, inside):
    assert vpn_network.vpn_in_network(address, network) is inside


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("10.77.0.0/24", True),
        ("10.77.0.1/24", False),  # host bits set: a typo for an address
        ("10.77.0.0", False),  # no prefix
        ("fd00::/64", False),
        ("", False),
    ],
)
def test_the_tunnel_network_is_an_ipv4_network(value, valid):
    assert vpn_network.vpn_is_network(value) is valid


def test_overlaps_are_named_both_ways():
    others = ["10.0.0.0/8", "10.77.0.128/25", "192.168.1.0/24"]
    assert vpn_network.vpn_overlapping("10.77.0.0/24", others) == [
        "10.0.0.0/8",
        "10.77.0.128/25",
    ]


def test_interface_networks_from_facts_skip_the_tunnel_and_loopback():
    facts = {
        "interfaces": ["lo", "eth0", "wg0", "br-lab"],
        "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
        "eth0": {"ipv4": {"address": "172.17.0.3", "netmask": "255.255.0.0"}},
        "wg0": {"ipv4": {"address": "10.77.0.2", "netmask": "255.255.255.255"}},
        "br_lab": {"ipv4": {"address": "10.89.0.1", "netmask": "255.255.255.0"}},
    }
    assert vpn_network.vpn_interface_networks(facts, ["wg0"]) == ["10.89.0.0/24", "172.17.0.0/16"]


@pytest.mark.parametrize(
    ("destination", "cidr"), [("10.77.0.2", "10.77.0.2/32"), ("10.77.0.0/24", "10.77.0.0/24")]
)
def test_a_route_destination_in_cidr_form(destination, cidr):
    assert vpn_network.vpn_cidr(destination) == cidr
