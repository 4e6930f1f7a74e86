"""The rules a region inventory must follow, beyond each value's own type."""

from __future__ import annotations

import ipaddress
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ansible.module_utils.common.validation import check_type_int

from regbank.inventory.loader import ROLE_GROUPS, Host, Inventory, Problem
from regbank.inventory.role_vars import check_role_variables
from regbank.inventory.schema import (
    REGION_KEYS,
    TOPOLOGIES,
    VPN_MODES,
    HostVars,
    RegionVars,
    SchemaError,
    is_hostname,
    is_opaque,
    schema_errors,
    shown,
    tunnel_network,
)
from regbank.offline import packages
from regbank_foundation.located_yaml import format_key_path


def check(inventory: Inventory) -> list[Problem]:
    """Every problem of a readable inventory, each once, in a stable order."""
    problems = _region(inventory)
    # Judge the hosts' mo only against a sound МО list, or every host would echo its error.
    mo_list_sound = not any(problem.key.startswith("regbank_mo") for problem in problems)
    codes = _mo_codes(inventory.region_vars) if mo_list_sound else None
    for host in inventory.hosts.values():
        problems += _host(inventory, host, codes)
    problems += _groups(inventory)
    problems += _topology(inventory, codes)
    problems += _addresses(inventory)
    problems += _vpn(inventory)
    problems += _package_source(inventory)
    problems += check_role_variables(inventory)
    return list(dict.fromkeys(problems))  # a group's bad value is reported once, not per host


def _worth_reporting(inventory: Inventory, error: SchemaError, unread: dict[Path, str]) -> str:
    """The error's message, or "" when a file that did not parse may hold the missing key
    (that file's own error is reported). Vault files are named: their keys are not read."""
    if not error.missing or not unread:
        return error.message
    if "broken" in unread.values():
        return ""
    vaults = ", ".join(inventory.rel(file) for file in unread)
    return f"{error.message} ({vaults}: vault-encrypted, not read; keep this key in plain text)"


def _region(inventory: Inventory) -> list[Problem]:
    values, sources = inventory.region_vars, inventory.region_sources
    problems = []
    for error in schema_errors(RegionVars, values, inventory.path):
        if message := _worth_reporting(inventory, error, inventory.region_unread):
            file = sources.get(str(error.loc[0]), inventory.region_file)
            problems.append(inventory.problem(file, format_key_path(error.loc), message))

    mo_list = values.get("regbank_mo")
    first_index: dict[str, int] = {}
    for index, entry in enumerate(mo_list if isinstance(mo_list, list) else []):
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or is_opaque(code):
            continue
        if code in first_index:
            message = f"duplicate МО code {code} (as regbank_mo[{first_index[code]}].code); "
            message += "expected each code once"
            key = f"regbank_mo[{index}].code"
            problems.append(inventory.problem(sources["regbank_mo"], key, message))
        first_index.setdefault(code, index)
    return problems


def _mo_codes(region_vars: dict[str, Any]) -> set[str] | None:
    """The known МО codes; None if the list is not a literal one we can read."""
    mo_list = region_vars.get("regbank_mo")
    if not isinstance(mo_list, list):
        return None
    codes = set()
    for entry in mo_list:
        if not isinstance(entry, dict) or is_opaque(entry.get("code")):
            return None  # an entry only Ansible can resolve: cannot tell what is missing
        if isinstance(entry.get("code"), str):
            codes.add(entry["code"])
    return codes


def _natural(code: str) -> tuple[str, int]:
    """MO-2 before MO-10."""
    prefix, _, number = code.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (code, 0)


def _host(inventory: Inventory, host: Host, codes: set[str] | None) -> list[Problem]:
    problems = []
    known = ", ".join(sorted(codes or (), key=_natural))

    def add(key: str, message: str) -> None:
        file = host.sources.get(key, host.own_file)
        if file == inventory.hosts_file:  # hosts.yml holds many hosts: say whose value it is
            message += f" (host {host.name})"
        problems.append(inventory.problem(file, key, message))

    for error in schema_errors(HostVars, host.vars):
        message = _worth_reporting(inventory, error, host.unread)
        if message and error.loc == ("mo",) and known:
            message += f"; known: {known}"
        if message:
            add(format_key_path(error.loc), message)

    mo = host.vars.get("mo")
    if codes is not None and isinstance(mo, str) and mo.strip() and mo not in codes:
        add("mo", f"expected an МО code from regbank_mo ({known}), found {shown(mo)}")

    for key in REGION_KEYS:
        if host.sources.get(key) not in (None, *inventory.region_sources.values()):
            add(key, "a region-wide key: set it once in group_vars/all, not per group or host")
    return problems


def _members(inventory: Inventory, group: str) -> list[Host]:
    return [host for host in inventory.hosts.values() if group in host.groups]


def _group_key(inventory: Inventory, group: str) -> str:
    """Where a group's hosts are listed in hosts.yml, or would be."""
    known = inventory.groups.get(group)
    return f"{known.path}.hosts" if known else f"all.children.{group}"


def _groups(inventory: Inventory) -> list[Problem]:
    problems = []
    for host in inventory.hosts.values():
        if not is_hostname(host.name):
            message = "expected a host name of Latin letters, digits, '-' and dots (RFC 1123; "
            message += f"it becomes the machine's hostname), found {shown(host.name)}"
            problems.append(inventory.problem(inventory.hosts_file, host.paths[0], message))
        if len(host.groups) != 1:
            message = f"expected the host in exactly one of the groups {', '.join(ROLE_GROUPS)}; "
            message += f"found {', '.join(host.groups) or 'none'}"
            problems.append(inventory.problem(inventory.hosts_file, host.paths[0], message))

    regional = [host.name for host in _members(inventory, "regional")]
    if len(regional) != 1:
        found = f"{len(regional)} ({', '.join(regional)})" if regional else "none"
        message = f"expected exactly one host (the regional server), found {found}"
        key = _group_key(inventory, "regional")
        problems.append(inventory.problem(inventory.hosts_file, key, message))
    return problems


def _topology(inventory: Inventory, codes: set[str] | None) -> list[Problem]:
    topology = inventory.region_vars.get("regbank_topology")
    if topology not in TOPOLOGIES:
        return []  # reported by the schema, or a template
    topology_file = inventory.rel(inventory.region_sources["regbank_topology"])
    said = f"regbank_topology: {topology} in {topology_file}"
    municipal = _members(inventory, "municipal")
    municipal_key = _group_key(inventory, "municipal")
    problems = []

    if topology == "centralized":
        for host in municipal:
            message = f"a centralized region has no municipal servers ({said}); "
            message += "remove the host or set regbank_topology to mixed or distributed"
            problems.append(inventory.problem(inventory.hosts_file, host.paths[0], message))
        return problems

    by_mo: dict[str, list[str]] = defaultdict(list)
    for host in municipal:
        mo = host.vars.get("mo")
        if isinstance(mo, str) and not is_opaque(mo):
            by_mo[mo].append(host.name)
    for mo, names in sorted(by_mo.items()):
        if len(names) > 1:
            message = f"МО {mo} has {len(names)} municipal servers ({', '.join(names)}); "
            message += "expected at most one per МО"
            problems.append(inventory.problem(inventory.hosts_file, municipal_key, message))

    missing = sorted(codes - by_mo.keys(), key=_natural) if codes is not None else []
    if topology == "distributed" and missing:
        message = f"a distributed region needs a municipal server in every МО ({said}); "
        message += f"none for {', '.join(missing)}"
        problems.append(inventory.problem(inventory.hosts_file, municipal_key, message))
    return problems


def _addresses(inventory: Inventory) -> list[Problem]:
    seen: dict[str, Host] = {}
    problems = []
    lab_subnet = _lab_subnet(inventory.region_vars)
    for host in inventory.hosts.values():
        address = host.vars.get("ansible_host")
        if not isinstance(address, str) or is_opaque(address):
            continue
        # A local connection never uses the address (the kit's own tests run so).
        if host.vars.get("ansible_connection") != "local":
            message = _unreachable(address) or _outside_lab(address, lab_subnet, inventory)
            if message:
                file = host.sources["ansible_host"]
                problems.append(inventory.problem(file, "ansible_host", message))
        other = seen.setdefault(_address_key(address), host)
        if other is not host:
            other_file = inventory.rel(other.sources["ansible_host"])
            message = f"address {address} is also {other.name}'s ({other_file}); "
            message += "expected one address per host"
            file = host.sources["ansible_host"]
            problems.append(inventory.problem(file, "ansible_host", message))
    return problems


def _address_key(address: str) -> str:
    """One spelling per address: 10.0.0.1 and fd00::1 as ipaddress writes them, names lowered."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address.lower()


def _unreachable(address: str) -> str:
    """Why no host can be reached at this address over the network, or ""."""
    if address.lower() in ("localhost", "localhost.localdomain"):
        return "localhost is the controller itself, not the host; expected the host's address"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.is_loopback:
        what = "a loopback address: it is the controller itself, not the host"
    elif ip.is_unspecified:
        what = "the unspecified address: no host can be reached at it"
    elif ip.is_multicast:
        what = "a multicast address: it names a group, not a host"
    elif ip == ipaddress.IPv4Address("255.255.255.255"):
        what = "the broadcast address: it names every host of the network, not one"
    else:
        return ""
    return f"{address} is {what}; expected the host's own address"


def _lab_subnet(region_vars: dict[str, Any]) -> ipaddress.IPv4Network | None:
    """The lab's subnet (regbank_lab.subnet), when this is a lab inventory that names one."""
    lab = region_vars.get("regbank_lab")
    subnet = lab.get("subnet") if isinstance(lab, dict) else None
    try:
        network = ipaddress.ip_network(subnet) if isinstance(subnet, str) else None
    except ValueError:
        return None  # `regbank lab` reports a bad subnet itself
    return network if isinstance(network, ipaddress.IPv4Network) else None


def _outside_lab(address: str, subnet: ipaddress.IPv4Network | None, inventory: Inventory) -> str:
    """A lab host's address must be one `regbank lab up` can give its container."""
    if subnet is None:
        return ""
    where = (
        f"regbank_lab.subnet {subnet} in {inventory.rel(inventory.region_sources['regbank_lab'])}"
    )
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        if not is_hostname(address):
            return ""  # not an address at all: the schema says so
        return f"a lab host needs an IPv4 address inside {where}, found the name {address}"
    if ip.version == 6:
        return f"the lab is IPv4 only: expected an IPv4 address inside {where}, found {address}"
    if ip not in subnet or ip in (subnet.network_address, subnet.broadcast_address):
        return f"a lab host needs an address inside {where}, found {address}"
    return ""


# The hosts the vpn role connects (roles/vpn/vars/main.yml).
VPN_GROUPS = ("regional", "municipal", "workstations")
# The values a tunnel works with; whether they are whole numbers is check_role_variables'.
VPN_RANGES = {
    "vpn_mtu": (1280, 9000, "an MTU of 1280 (the least IPv6 allows) to 9000 bytes"),
    "vpn_listen_port": (1, 65535, "a UDP port of 1 to 65535"),
}


def _host_problem(inventory: Inventory, host: Host, key: str, message: str) -> Problem:
    """A problem of a host's key, in the file it comes from (or should go to)."""
    file = host.sources.get(key, host.own_file)
    if file == inventory.hosts_file:  # hosts.yml holds many hosts: say whose value it is
        message += f" (host {host.name})"
    return inventory.problem(file, key, message)


def _listed(names: list[str]) -> str:
    return (
        ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} and {len(names) - 3} more"
    )


def _vpn(inventory: Inventory) -> list[Problem]:
    problems = _hubs(inventory) + _vpn_ranges(inventory) + _without_network(inventory)
    mode = inventory.region_vars.get("regbank_vpn", "wireguard")
    if mode not in VPN_MODES:
        return problems  # reported by the schema, or a template
    if mode == "external":
        return problems + _external(inventory)
    return problems + _tunnel_network(inventory)


def _hubs(inventory: Inventory) -> list[Problem]:
    """A workstation's tunnel goes to its МО's municipal server, else to the regional one."""
    if _members(inventory, "regional"):
        return []
    served = [host.vars.get("mo") for host in _members(inventory, "municipal")]
    problems = []
    for host in _members(inventory, "workstations"):
        mo = host.vars.get("mo")
        if isinstance(mo, str) and not is_opaque(mo) and mo not in served:
            message = f"МО {mo} has no municipal server and the region no regional server: "
            message += "the workstation has no server to connect its tunnel to; expected a "
            message += f"municipal server of {mo} or a regional server"
            problems.append(inventory.problem(inventory.hosts_file, host.paths[0], message))
    return problems


def _vpn_ranges(inventory: Inventory) -> list[Problem]:
    problems = []
    for host in inventory.hosts.values():
        for key, (low, high, expected) in VPN_RANGES.items():
            value = host.vars.get(key)
            if key not in host.vars or isinstance(value, bool):
                continue
            try:
                number = check_type_int(value)  # as Ansible converts it: "1400" is 1400
            except TypeError:
                continue  # not a whole number (or a template): check_role_variables' to say
            # A negative one is refused by check_role_variables already.
            if 0 <= number < low or number > high:
                message = f"expected {expected}, found {shown(value)}"
                problems.append(_host_problem(inventory, host, key, message))
    return problems


def _without_network(inventory: Inventory) -> list[Problem]:
    """A tunnel address means nothing without the tunnel network it comes from."""
    if "regbank_vpn_network" in inventory.region_vars:
        return []
    region_file = inventory.rel(inventory.region_file)
    problems = []
    for host in inventory.hosts.values():
        if "vpn_address" not in host.vars:
            continue
        message = f"given without regbank_vpn_network (in {region_file}); expected both, the "
        message += "tunnel network and each host's address inside it, or neither"
        error = SchemaError(("regbank_vpn_network",), True, message)
        if message := _worth_reporting(inventory, error, inventory.region_unread):
            problems.append(_host_problem(inventory, host, "vpn_address", message))
    return problems


def _package_source(inventory: Inventory) -> list[Problem]:
    """An offline region names its bundle (its shape is the schema's), and the bundle
    holds every package the kit's roles install: one built before a role gained a package
    would stop the deployment half-way, on the host that wants it."""
    if inventory.region_vars.get("regbank_package_source") != "offline":
        return []
    key = "regbank_offline_bundle"
    required = _required_by(inventory, key, "regbank_package_source", "offline")
    folder = inventory.region_vars.get(key)
    info_file = inventory.path / str(folder) / "BUNDLE.json"
    if required or not isinstance(folder, str) or not info_file.is_file():
        return required  # a bad folder is the schema's to report
    try:
        held = json.loads(info_file.read_text(encoding="utf-8")).get("packages")
    except (ValueError, AttributeError, OSError):
        held = None
    if not isinstance(held, dict):
        message = f"{info_file} lists no packages; expected a bundle of `regbank offline build`"
        return [inventory.problem(inventory.region_sources[key], key, message)]
    missing = {
        package: sources
        for package, sources in packages.wanted_by(packages.collect()).items()
        if package not in held
    }
    if not missing:
        return []
    listed = ", ".join(f"{package} ({', '.join(sources)})" for package, sources in missing.items())
    message = (
        f"the bundle {folder} lacks what the kit installs: {listed}; expected a bundle built "
        "by this kit (`regbank offline build`)"
    )
    return [inventory.problem(inventory.region_sources[key], key, message)]


def _external(inventory: Inventory) -> list[Problem]:
    return _required_by(inventory, "regbank_vpn_external", "regbank_vpn", "external")


def _required_by(inventory: Inventory, key: str, setting: str, value: str) -> list[Problem]:
    """A region key that `setting: value` makes required (its shape is the schema's)."""
    if key in inventory.region_vars:
        return []
    setting_file = inventory.rel(inventory.region_sources[setting])
    expected = RegionVars.model_fields[key].description
    message = f"missing; expected {expected} ({setting}: {value} in {setting_file})"
    error = SchemaError((key,), True, message)
    if message := _worth_reporting(inventory, error, inventory.region_unread):
        return [inventory.problem(inventory.region_file, key, message)]
    return []


def _ipv4_network(value: Any) -> ipaddress.IPv4Network | None:
    """A literal IPv4 network; None for a template or a value the schema refuses."""
    try:
        network = ipaddress.ip_network(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None


def _ipv4_address(value: Any) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _tunnel_network(inventory: Inventory) -> list[Problem]:
    network = tunnel_network(inventory.region_vars.get("regbank_vpn_network"))
    if network is None:
        return []  # absent (no tunnel yet), a template, or refused by the schema
    network_file = inventory.region_sources["regbank_vpn_network"]
    said = f"regbank_vpn_network {network} ({inventory.rel(network_file)})"
    return _overlaps(inventory, network, network_file) + _tunnel_addresses(inventory, network, said)


def _overlaps(inventory: Inventory, network: ipaddress.IPv4Network, file: Path) -> list[Problem]:
    """The tunnel's routes would capture packets to the hosts and from the administrators."""
    clashes = []
    for host in inventory.hosts.values():
        address = _ipv4_address(host.vars.get("ansible_host"))
        if address is not None and address in network:
            clashes.append(f"ansible_host {address} of {host.name}")
    managed = inventory.region_vars.get("regbank_management_networks")
    for value in managed if isinstance(managed, list) else []:
        other = _ipv4_network(value)
        if other is not None and network.overlaps(other):
            clashes.append(f"regbank_management_networks {other}")
    if not clashes:
        return []
    message = f"{network} overlaps {_listed(clashes)}; expected a network apart from the "
    message += "hosts' addresses and the management networks (packets to them would go into "
    message += "the tunnel)"
    return [inventory.problem(file, "regbank_vpn_network", message)]


def _tunnel_addresses(
    inventory: Inventory, network: ipaddress.IPv4Network, said: str
) -> list[Problem]:
    problems = []
    seen: dict[ipaddress.IPv4Address, Host] = {}
    for host in inventory.hosts.values():
        address = _ipv4_address(host.vars.get("vpn_address"))
        if address is None:
            continue  # absent, a template, or refused by the schema
        message = ""
        if address not in network:
            message = f"{address} is outside {said}; expected an address inside it"
        elif address in (network.network_address, network.broadcast_address):
            what = "network" if address == network.network_address else "broadcast"
            first, last = network.network_address + 1, network.broadcast_address - 1
            message = f"{address} is the {what} address of {said}; expected a host address "
            message += f"inside it ({first} to {last})"
        elif (other := seen.setdefault(address, host)) is not host:
            other_file = inventory.rel(other.sources["vpn_address"])
            message = f"{address} is also {other.name}'s ({other_file}); expected one tunnel "
            message += "address per host"
        if message:
            problems.append(_host_problem(inventory, host, "vpn_address", message))

    # The role gives every member a tunnel: once addresses are given, each needs its own.
    members = [host for host in inventory.hosts.values() if set(host.groups) & set(VPN_GROUPS)]
    having = [host.name for host in members if "vpn_address" in host.vars]
    if not having:
        return problems
    for host in members:
        if "vpn_address" in host.vars:
            continue
        message = f"missing; expected the host's tunnel address inside {said}, as "
        message += f"{_listed(having)} have: once one host of {', '.join(VPN_GROUPS)} has "
        message += "one, every host of these groups needs one"
        error = SchemaError(("vpn_address",), True, message)
        if message := _worth_reporting(inventory, error, host.unread):
            problems.append(_host_problem(inventory, host, "vpn_address", message))
    return problems
