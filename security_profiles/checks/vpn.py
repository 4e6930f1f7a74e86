"""The protected network (roles/vpn) and the firewall rules that keep the bank behind it.

The tunnel is read as the host has it: its interface and address (`ip`), and under
WireGuard each peer's latest handshake (`wg show <interface> latest-handshakes`, which
prints public keys and times, never the private key). With a certified product
(regbank_vpn: external) its interface is read, and the evidence names the product and
its certificate; the lab's WireGuard is named as the stand-in it is.
"""

from __future__ import annotations

import ipaddress
import json
import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.network import input_chains, ruleset
from security_profiles.checks.reader import NotInstalled, Reader

# A spoke's keepalive (25 s) renews the session every two minutes; a peer silent for
# longer than this has lost its tunnel.
HANDSHAKE_MAX_AGE = 300
BANK_PORTS = (443, 5432)
ACCEPT = re.compile(r"^(?:ip saddr (\{[^}]*\}|\S+) )?.*?\bdport (\{[^}]*\}|\S+).*\baccept\b")


def _external(context: HostContext) -> dict:
    return context.var("regbank_vpn_external", {}) or {}


def _wireguard(context: HostContext) -> bool:
    return context.var("regbank_vpn", "wireguard") == "wireguard"


def tunnel_networks(context: HostContext) -> list[ipaddress.IPv4Network]:
    """The subnets the region's users and replication come from, by the inventory."""
    if _wireguard(context):
        listed = [context.var("regbank_vpn_network")] if context.var("regbank_vpn_network") else []
    else:
        listed = _external(context).get("subnets") or []
    return [ipaddress.ip_network(str(network), strict=False) for network in listed]


def _interface(reader: Reader, name: str) -> dict | None:
    output = reader.run("ip", "-j", "-4", "address", "show", "dev", name)
    if not output.ok:
        return None
    found = json.loads(output.stdout or "[]")
    return found[0] if found else None


@check(
    "vpn_tunnel_up",
    measures=("УПД.13", "ЗИС.3"),
    title="Защищённая сеть: туннель узла поднят, пиры на связи",
    expected=(
        "интерфейс туннеля поднят с адресом узла из инвентаря; для WireGuard у каждого пира "
        f"рукопожатие не старше {HANDSHAKE_MAX_AGE} с"
    ),
    role="vpn",
    groups=("regional", "municipal", "workstations"),
)
def tunnel_up(reader: Reader, context: HostContext) -> Observed:
    if not _wireguard(context):
        product = _external(context)
        name = product.get("interface", "")
        found = _interface(reader, name) if name else None
        up = bool(found) and "UP" in found.get("flags", [])
        return Observed(
            up,
            f"{product.get('product', '?')} (сертификат {product.get('certificate', '?')}): "
            f"интерфейс {name or '?'} {'поднят' if up else 'не поднят или отсутствует'}",
        )
    if not context.var("regbank_vpn_network"):
        return Observed(False, "защищённая сеть в инвентаре не задана (regbank_vpn_network)")
    name = context.var("vpn_interface", "wg0")
    found = _interface(reader, name)
    if found is None:
        return Observed(False, f"интерфейса {name} нет")
    addresses = [info["local"] for info in found.get("addr_info", [])]
    wanted = context.var("vpn_address", "")
    handshakes = reader.run("wg", "show", name, "latest-handshakes")
    if not handshakes.ok:
        raise NotInstalled("wireguard-tools (wg)")
    now = int(reader.run("date", "+%s").stdout.strip())
    times = [int(line.split()[1]) for line in handshakes.stdout.splitlines() if line.strip()]
    ages = [now - when if when else None for when in times]  # 0: never
    fresh = bool(ages) and all(age is not None and age <= HANDSHAKE_MAX_AGE for age in ages)
    said = ", ".join("никогда" if age is None else f"{age} с назад" for age in ages) or "пиров нет"
    return Observed(
        wanted in addresses and fresh,
        f"WireGuard (лабораторная замена сертифицированного СКЗИ): {name} "
        f"{', '.join(addresses) or 'без адреса'} (в инвентаре {wanted or '—'}), "
        f"пиров {len(ages)}, последние рукопожатия: {said}",
    )


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.strip("{} ").split(",") if item.strip()]


@check(
    "bank_only_through_tunnel",
    measures=("УПД.13",),
    title="Межсетевой фильтр: приложение и репликация доступны только через защищённую сеть",
    expected=(
        "правила accept на порты 443 и 5432 ограничены адресами источника, и каждый источник "
        "лежит в подсетях защищённой сети (или в сетях управления)"
    ),
    role="firewall",
)
def bank_only_through_tunnel(reader: Reader, context: HostContext) -> Observed:
    allowed = tunnel_networks(context) + [
        ipaddress.ip_network(str(network), strict=False)
        for network in context.var("regbank_management_networks", []) or []
    ]
    chains = input_chains(ruleset(reader))
    if not chains or any(policy != "drop" for _, policy, _ in chains):
        return Observed(False, "входящие соединения не запрещены по умолчанию: открыто всё")
    found, wrong = [], []
    for _, _, body in chains:
        for line in body.splitlines():
            match = ACCEPT.search(line.strip())
            if not match:
                continue
            ports = {int(port) for port in _items(match[2]) if port.isdigit()}
            for port in sorted(ports & set(BANK_PORTS)):
                sources = _items(match[1] or "")
                found.append(f"{port}: {', '.join(sources) or 'откуда угодно'}")
                outside = [
                    source for source in sources
                    if not any(ipaddress.ip_network(source, strict=False).subnet_of(network)
                               for network in allowed)
                ] if sources else ["откуда угодно"]  # fmt: skip
                wrong += [f"{port} из {source}" for source in outside]
    if not tunnel_networks(context) and found:
        return Observed(False, "подсети защищённой сети в инвентаре не заданы; " + "; ".join(found))
    observed = "; ".join(found) or "порты 443 и 5432 не открыты"
    if wrong:
        observed += " — вне защищённой сети: " + ", ".join(wrong)
    return Observed(not wrong, observed)
