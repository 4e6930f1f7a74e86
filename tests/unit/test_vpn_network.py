"""The vpn role's address filters: the checks that refuse a wrong tunnel network
and the route spelling the reconcile step compares."""

import importlib.util

import jinja2
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


_PEERS = {
    "region-srv": {
        "public_key": "fFR06Orvs8MbNsZqy5Qc+KUDH3oiUOb0jGb/divdRE4=",
        "address": "10.77.0.10",
        "endpoint": "10.89.0.10:51820",
    },
    "ws-mo3": {
        "public_key": "qJ77XLErmHfL2q8DVyANYKYlPlJOLAPhMiWwNrQxqyk=",
        "address": "10.77.0.23",
    },
}


def _written(peers: dict) -> str:
    """mo3-srv's wg0.conf as the role's own template writes it (Ansible's trim_blocks)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(KIT_ROOT / "roles" / "vpn" / "templates"),
        trim_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(default=False),
    )
    environment.filters["comment"] = lambda text: "#\n# " + text + "\n#"
    return environment.get_template("wg.conf.j2").render(
        ansible_managed="Ansible managed",
        inventory_hostname="mo3-srv",
        vpn_key_file="/etc/wireguard/wg0.key",
        vpn_address="10.77.0.13",
        vpn_is_hub=True,
        vpn_listen_port=51820,
        vpn_mtu=1380,
        vpn_persistent_keepalive=25,
        vpn_hubs=["region-srv"],
        vpn_spokes=["ws-mo3"],
        vpn_peer_view=peers,
    )


def test_the_peers_a_written_configuration_has_by_host():
    # Read back from what templates/wg.conf.j2 writes: a change of its peer comments or
    # keys that the reader does not follow fails here, not on a --limit run.
    assert vpn_network.vpn_configured_peers(_written(_PEERS)) == {
        "region-srv": {
            "public_key": "fFR06Orvs8MbNsZqy5Qc+KUDH3oiUOb0jGb/divdRE4=",
            "address": "10.77.0.10",
            "endpoint": "10.89.0.10:51820",
        },
        "ws-mo3": {
            "public_key": "qJ77XLErmHfL2q8DVyANYKYlPlJOLAPhMiWwNrQxqyk=",
            "address": "10.77.0.23",
        },
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        # A [Peer] without the role's comment (written by hand): no host to give it to.
        "[Interface]\nAddress = 10.77.0.13/32\n[Peer]\nPublicKey = k=\nAllowedIPs = 10.77.0.10/32",
        # The comment, but no key: nothing to keep.
        "# region-srv, the hub this host dials\n[Peer]\nAllowedIPs = 10.77.0.10/32\n",
    ],
)
def test_no_peer_from_a_configuration_the_role_did_not_write(text):
    assert vpn_network.vpn_configured_peers(text) == {}
