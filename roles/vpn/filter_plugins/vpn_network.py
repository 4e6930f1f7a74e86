"""Address arithmetic for the vpn role, on Python's ipaddress (the controller has no netaddr)."""

import ipaddress
import re


def vpn_in_network(address, network):
    """True when the host address lies inside the network (10.77.0.5 in 10.77.0.0/24)."""
    try:
        return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(network))
    except ValueError:
        return False


def vpn_is_network(value):
    """True for an IPv4 network written with its prefix and no host bits (10.77.0.0/24)."""
    try:
        return ipaddress.ip_network(str(value)).version == 4 and "/" in str(value)
    except ValueError:
        return False


def vpn_interface_networks(facts, skip=()):
    """The IPv4 networks of a host's interfaces (from gathered facts), but those in skip."""
    networks = []
    for name in facts.get("interfaces", []):
        if name in skip:
            continue
        ipv4 = facts.get(name.replace("-", "_"), {}).get("ipv4") or {}
        for entry in [ipv4] if isinstance(ipv4, dict) else ipv4:
            if entry.get("address") and entry.get("netmask"):
                interface = ipaddress.ip_interface(f"{entry['address']}/{entry['netmask']}")
                if not interface.is_loopback:
                    networks.append(str(interface.network))
    return sorted(set(networks))


def vpn_overlapping(network, others):
    """The networks of others that share an address with network."""
    mine = ipaddress.ip_network(str(network))
    return [other for other in others if mine.overlaps(ipaddress.ip_network(str(other)))]


def vpn_cidr(destination):
    """A route's destination as ip writes it (10.77.0.2) in CIDR form (10.77.0.2/32)."""
    return str(ipaddress.ip_network(str(destination), strict=False))


def vpn_configured_peers(text):
    """The peers of a configuration this role wrote (templates/wg.conf.j2), by the host
    name in the comment above each [Peer]: {host: {public_key, address, endpoint}}.
    A peer that is not in a run keeps what its tunnel has (tasks/config.yml)."""
    peers, name, current = {}, None, None
    for line in str(text or "").splitlines():
        line = line.strip()
        comment = re.match(r"#\s*(\S+), (?:the hub|a spoke)", line)
        if comment:
            name = comment.group(1)
        elif line.startswith("["):
            current = peers.setdefault(name, {}) if line == "[Peer]" and name else None
            name = None
        elif current is not None and "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            if key == "PublicKey":
                current["public_key"] = value
            elif key == "AllowedIPs":
                current["address"] = value.split("/", 1)[0]
            elif key == "Endpoint":
                current["endpoint"] = value
    return {host: peer for host, peer in peers.items() if {"public_key", "address"} <= peer.keys()}


class FilterModule:
    def filters(self):
        return {
            "vpn_in_network": vpn_in_network,
            "vpn_is_network": vpn_is_network,
            "vpn_interface_networks": vpn_interface_networks,
            "vpn_overlapping": vpn_overlapping,
            "vpn_cidr": vpn_cidr,
            "vpn_configured_peers": vpn_configured_peers,
        }
