"""The region's variables as pydantic models, and their errors as operator messages."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import ErrorDetails

from regbank.inventory.loader import Vaulted
from regbank_foundation.mo_code import MO_CODE_PATTERN

Topology = Literal["centralized", "distributed", "mixed"]
TOPOLOGIES = get_args(Topology)
VpnMode = Literal["wireguard", "external"]
VPN_MODES = get_args(VpnMode)
PackageSource = Literal["online", "offline"]
PACKAGE_SOURCES = get_args(PackageSource)
REGION_KEYS = (
    "regbank_region_name",
    "regbank_topology",
    "regbank_profile",
    "regbank_mo",
    "regbank_public_name",
    "regbank_management_networks",
    "regbank_vpn",
    "regbank_vpn_network",
    "regbank_vpn_external",
    "regbank_package_source",
    "regbank_offline_bundle",
)
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")


def is_opaque(value: Any) -> bool:
    """A Jinja template or a vault value: its real value exists only when Ansible runs."""
    return isinstance(value, Vaulted) or (
        isinstance(value, str) and ("{{" in value or "{%" in value)
    )


def _unless_opaque(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return value if is_opaque(value) else handler(value)


# Annotated[T, LITERAL_ONLY] validates a literal T and lets a template or vault value through.
LITERAL_ONLY = WrapValidator(_unless_opaque)


def is_hostname(value: str) -> bool:
    """An RFC 1123 host name; one whose last label is all digits is a mistyped IPv4 address."""
    return (
        len(value) <= 253
        and _HOSTNAME.fullmatch(value) is not None
        and not value.rsplit(".", 1)[-1].isdigit()
    )


def _address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not is_hostname(value):
            raise
    return value


def _hostname(value: str) -> str:
    if not is_hostname(value):
        raise ValueError("not a host name")
    return value


def _network(value: str) -> str:
    # strict: 10.20.0.5/24 has host bits set and is refused
    if ipaddress.ip_network(value).prefixlen == 0:
        raise ValueError("a network open to everyone")
    return value


def _ipv4_network(value: str) -> str:
    # strict, and written with its prefix: a bare 10.77.0.0 would be a /32
    network = ipaddress.ip_network(value)
    if "/" not in value or network.version != 4 or network.prefixlen == 0:
        raise ValueError("not an IPv4 network with its prefix")
    return value


def tunnel_network(value: Any) -> ipaddress.IPv4Network | None:
    """regbank_vpn_network's network, or None unless it is one: IPv4, written with its
    prefix (a bare 10.77.0.0 would be a /32), no host bits, room for a hub and a spoke."""
    try:
        network = ipaddress.ip_network(value) if isinstance(value, str) and "/" in value else None
    except ValueError:
        return None
    if isinstance(network, ipaddress.IPv4Network) and 0 < network.prefixlen <= 30:
        return network
    return None


def _tunnel_network(value: str) -> str:
    if tunnel_network(value) is None:
        raise ValueError("not a tunnel network")
    return value


def _ipv4_address(value: str) -> str:
    ipaddress.IPv4Address(value)
    return value


def _interface(value: str) -> str:
    # Linux refuses longer names, '/', ':' and spaces (dev_valid_name)
    if not re.fullmatch(r"[^/:\s]{1,15}", value) or value in (".", ".."):
        raise ValueError("not a network interface name")
    return value


def _bundle_folder(value: str, info: ValidationInfo) -> str:
    # A relative path is read from the inventory's folder, as the playbooks resolve it
    # (regbank_offline_bundle_dir): the lab keeps its bundle beside its checkout.
    folder = Path((info.context or {}).get("inventory_dir", "/")) / value
    if not value or not (folder / "BUNDLE.json").is_file():
        raise ValueError("not an offline bundle folder")
    return value


# The field types; each lets a template or vault value through (LITERAL_ONLY).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), LITERAL_ONLY]
_PROFILE_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# ASCII only: a Cyrillic "МО-1" looks the same but never matches a Latin "MO-1".
MoCode = Annotated[str, StringConstraints(pattern=MO_CODE_PATTERN), LITERAL_ONLY]
ProfileName = Annotated[str, StringConstraints(pattern=_PROFILE_NAME), LITERAL_ONLY]
Address = Annotated[str, AfterValidator(_address), LITERAL_ONLY]
HostName = Annotated[str, AfterValidator(_hostname), LITERAL_ONLY]
Network = Annotated[str, AfterValidator(_network), LITERAL_ONLY]
Ipv4Network = Annotated[str, AfterValidator(_ipv4_network), LITERAL_ONLY]
TunnelNetwork = Annotated[str, AfterValidator(_tunnel_network), LITERAL_ONLY]
Ipv4Address = Annotated[str, AfterValidator(_ipv4_address), LITERAL_ONLY]
Interface = Annotated[str, AfterValidator(_interface), LITERAL_ONLY]
BundleFolder = Annotated[str, AfterValidator(_bundle_folder), LITERAL_ONLY]

MO_ENTRY = "an МО entry {code: MO-1, name: МО-1}"
EXTERNAL_ENTRY = "a mapping {product, certificate, interface, subnets}"
# What one element of a list key must be.
_ELEMENT = {
    "regbank_mo": MO_ENTRY,
    "regbank_management_networks": "a network (CIDR, no host bits, not 0.0.0.0/0), e.g. "
    "10.20.0.0/26",
    "subnets": "an IPv4 network with its prefix and no host bits, e.g. 10.200.0.0/16",
}
# Where an unexpected key was found: the mapping it does not belong to.
_MAPPING = {"regbank_mo": MO_ENTRY, "regbank_vpn_external": EXTERNAL_ENTRY}


class MoEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: MoCode = Field(description="an МО code of Latin letters, digits, '-' or '_', e.g. MO-1")
    name: Text = Field(description="the МО's name, e.g. МО-1")


class VpnExternal(BaseModel):
    """The certified product that provides the tunnels with regbank_vpn: external."""

    model_config = ConfigDict(extra="forbid")

    product: Text = Field(description="the certified product's name, e.g. ViPNet Client 4")
    certificate: Text = Field(description="its certificate, e.g. ФСТЭК России № 0000")
    interface: Interface = Field(
        description="the product's network interface: up to 15 characters, no '/', ':' or "
        "spaces, e.g. vipnet0"
    )
    subnets: Annotated[list[Ipv4Network], Field(min_length=1), LITERAL_ONLY] = Field(
        description="a non-empty list of the IPv4 networks the product gives, e.g. [10.200.0.0/16]"
    )


class RegionVars(BaseModel):
    """Region-wide keys, from group `all`; any other key is a role's business."""

    model_config = ConfigDict(extra="allow")

    regbank_region_name: Text = Field(description="the region's name, e.g. Образцовая область")
    regbank_topology: Annotated[Topology, LITERAL_ONLY] = Field(
        description=f"one of {', '.join(TOPOLOGIES)}"
    )
    regbank_profile: ProfileName = Field(
        description="a security profile name: lowercase Latin letters, digits, '-', '_', e.g. uz1"
    )
    regbank_mo: Annotated[
        list[Annotated[MoEntry, LITERAL_ONLY]], Field(min_length=1), LITERAL_ONLY
    ] = Field(description=f"a non-empty list of МО, each {MO_ENTRY}")
    regbank_public_name: HostName = Field(
        description="the web site's DNS name users open, e.g. bank.region.local"
    )
    regbank_management_networks: Annotated[list[Network], Field(min_length=1), LITERAL_ONLY] = (
        Field(
            description="a non-empty list of networks (CIDR, not 0.0.0.0/0) the region is "
            "administered from, e.g. [10.20.0.0/26]"
        )
    )
    # Optional: a region without them gets WireGuard once it sets regbank_vpn_network.
    regbank_vpn: Annotated[VpnMode, LITERAL_ONLY] = Field(
        default="wireguard", description=f"one of {', '.join(VPN_MODES)}"
    )
    regbank_vpn_network: TunnelNetwork = Field(
        default=None,
        description="the IPv4 network every tunnel address comes from, with its prefix "
        "(/1 to /30) and no host bits, e.g. 10.77.0.0/24",
    )
    regbank_vpn_external: Annotated[VpnExternal, LITERAL_ONLY] = Field(
        default=None,
        description=f"{EXTERNAL_ENTRY}: the certified product that provides the tunnels "
        "with regbank_vpn: external",
    )

    regbank_package_source: Annotated[PackageSource, LITERAL_ONLY] = Field(
        default="online", description=f"one of {', '.join(PACKAGE_SOURCES)}"
    )
    regbank_offline_bundle: BundleFolder = Field(
        default=None,
        description="the path of a folder made by `regbank offline build` on the controller "
        "(it holds BUNDLE.json), absolute or from the inventory's folder, e.g. "
        "/srv/regbank/offline-2026-12-04",
    )


class HostVars(BaseModel):
    """What every host must say about itself; any other key is a role's business."""

    model_config = ConfigDict(extra="allow")

    mo: Text = Field(description="the code of the host's МО from regbank_mo")
    ansible_host: Address = Field(
        description="an IPv4 or IPv6 address or a DNS name (RFC 1123), e.g. 10.20.0.10"
    )
    vpn_address: Ipv4Address = Field(
        default=None,
        description="the host's IPv4 address in the tunnel, inside regbank_vpn_network, "
        "e.g. 10.77.0.13",
    )


_EXPECTED = {
    name: info.description
    for model in (RegionVars, MoEntry, VpnExternal, HostVars)
    for name, info in model.model_fields.items()
}


def shown(value: Any) -> str:
    """A found value as the operator wrote it, with a hint for look-alike letters."""
    if value is None:
        return "an empty value"
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, str) and not value.isascii():
        text += " (it has non-Latin letters: Cyrillic М and О look like Latin M and O)"
    return text


def _message(error: ErrorDetails) -> str:
    *parents, last = error["loc"]
    if isinstance(last, int):  # an element of a list key
        expected = _ELEMENT.get(str(parents[-1]), "")
    else:
        expected = _EXPECTED.get(str(last), "")
    if error["type"] == "missing":
        return f"missing; expected {expected}"
    if error["type"] == "extra_forbidden":
        parent = "regbank_mo" if isinstance(parents[-1], int) else str(parents[-1])
        return f"unexpected key in {_MAPPING.get(parent, 'this mapping')}"
    return f"expected {expected}, found {shown(error['input'])}"


class SchemaError(NamedTuple):
    loc: tuple[str | int, ...]  # ('regbank_mo', 3, 'code')
    missing: bool  # a required key is absent
    message: str  # what was expected and what was found


def schema_errors(
    model: type[BaseModel], values: dict[str, Any], inventory_dir: Path | None = None
) -> list[SchemaError]:
    """Each error of values against the model, worded for the operator; relative paths
    are read from inventory_dir."""
    try:
        model.model_validate(values, context={"inventory_dir": inventory_dir or Path("/")})
    except ValidationError as error:
        return [
            SchemaError(detail["loc"], detail["type"] == "missing", _message(detail))
            for detail in error.errors()
        ]
    return []
