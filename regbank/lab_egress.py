"""The lab as a closed segment: nothing leaves its network, and counters prove it.

An offline region's lab (`regbank_package_source: offline`) has no default bridge, but
Docker still gives a container on an internal network a route to the machine itself
(the network's gateway, where apt-cacher-ng and the machine's resolver answer). So
`regbank lab up` also puts a firewall rule on the machine: every packet from the lab's
subnet that is not for another lab host, and not a reply to the controller's own
connections, is dropped and counted — in the FORWARD path (Docker's DOCKER-USER chain)
and to the machine itself (INPUT). `regbank lab status` shows the counters; the lab
test asserts they stay at zero through the whole deployment.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from regbank_foundation.errors import RegbankError

# Each hook: (built-in chain, its rule that sends the lab's packets to our chain).
HOOKS = ("DOCKER-USER", "INPUT")


@dataclass(frozen=True)
class Dropped:
    packets: int
    bytes: int


def chain_name(network: str) -> str:
    # iptables allows 28 characters; one chain per lab network.
    return f"{network[:21]}-egress"


def _iptables(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    binary = shutil.which("iptables")
    if binary is None:
        raise RegbankError("iptables is not installed; `make host` installs Docker, which needs it")
    result = subprocess.run([binary, "-w", *arguments], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RegbankError(f"iptables {' '.join(arguments)}: {result.stderr.strip()}")
    return result


def _exists(*rule: str) -> bool:
    return _iptables("-C", *rule, check=False).returncode == 0


def cut(network: str, subnet: str) -> None:
    """Drop, with a counter, whatever the lab's hosts send out of the lab network.
    Idempotent: an existing chain keeps its counters."""
    chain = chain_name(network)
    if _iptables("-n", "-L", chain, check=False).returncode != 0:
        _iptables("-N", chain)
    rules = [
        # Replies to the controller's connections (SSH, the tests' HTTPS) go back.
        ("-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "RETURN"),
        # Another lab host: bridged traffic crosses FORWARD too (br_netfilter).
        ("-d", subnet, "-m", "addrtype", "!", "--dst-type", "LOCAL", "-j", "RETURN"),
        ("-m", "comment", "--comment", "regbank lab: egress cut", "-j", "DROP"),
    ]
    for rule in rules:
        if not _exists(chain, *rule):
            _iptables("-A", chain, *rule)
    for hook in HOOKS:
        if not _exists(hook, "-s", subnet, "-j", chain):
            _iptables("-I", hook, "1", "-s", subnet, "-j", chain)


def dropped(network: str) -> Dropped | None:
    """Packets the lab's hosts tried to send out since the chain was made; None when
    the lab's egress is not cut."""
    listing = _iptables("-n", "-v", "-x", "-L", chain_name(network), check=False)
    if listing.returncode != 0:
        return None
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[2] == "DROP":
            return Dropped(packets=int(fields[0]), bytes=int(fields[1]))
    return Dropped(0, 0)


def zero(network: str) -> None:
    """Start counting again (the lab test, after its own probe)."""
    _iptables("-Z", chain_name(network))


def restore(network: str, subnet: str) -> None:
    """Remove the hooks and the chain (lab down)."""
    chain = chain_name(network)
    for hook in HOOKS:
        while _exists(hook, "-s", subnet, "-j", chain):
            _iptables("-D", hook, "-s", subnet, "-j", chain)
    if _iptables("-n", "-L", chain, check=False).returncode == 0:
        _iptables("-F", chain)
        _iptables("-X", chain)
