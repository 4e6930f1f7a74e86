"""The host firewall (nftables): default-deny inbound, SSH kept open."""

import re

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import NotInstalled, Reader

INPUT_CHAIN = re.compile(
    r"chain (\S+) \{\s*type filter hook input priority [^;]+; policy (\w+);(.*?)\n\t\}", re.S
)
SSH_ACCEPT = re.compile(r"tcp dport (?:22|ssh|\{[^}]*\b(?:22|ssh)\b[^}]*\})\b[^\n]*accept")


def ruleset(reader: Reader) -> str:
    if not reader.package_installed("nftables"):
        raise NotInstalled("пакет nftables")
    output = reader.run("nft", "list", "ruleset")
    if not output.ok:
        raise RuntimeError(f"nft list ruleset: {output.stderr.strip()}")
    return output.stdout


def input_chains(text: str) -> list[tuple[str, str, str]]:
    """(name, policy, body) of every base chain on the input hook."""
    return [(m[1], m[2], m[3]) for m in INPUT_CHAIN.finditer(text)]


@check(
    "firewall_default_drop",
    measures=("УПД.3", "ЗИС.17"),
    title="Межсетевой фильтр: входящие соединения запрещены по умолчанию",
    expected="в nftables есть цепочка на hook input, у всех таких цепочек policy drop",
    role="firewall",
)
def default_drop(reader: Reader, context: HostContext) -> Observed:
    chains = input_chains(ruleset(reader))
    if not chains:
        return Observed(False, "цепочек на hook input нет (входящие не фильтруются)")
    observed = ", ".join(f"{name}: policy {policy}" for name, policy, _ in chains)
    return Observed(all(policy == "drop" for _, policy, _ in chains), observed)


@check(
    "firewall_ssh_allowed",
    measures=("УПД.3",),
    title="Межсетевой фильтр: SSH администратора разрешён (доступ не потерян)",
    expected="правило accept для tcp/22 в цепочке hook input",
    role="firewall",
)
def ssh_allowed(reader: Reader, context: HostContext) -> Observed:
    chains = input_chains(ruleset(reader))
    rules = [
        line.strip()
        for _, _, body in chains
        for line in body.splitlines()
        if SSH_ACCEPT.search(line)
    ]
    return Observed(bool(rules), "; ".join(rules) or "правила для SSH нет")
