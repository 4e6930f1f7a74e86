"""A testinfra connection to each host of an inventory, for the read-only checks.

The hosts come rendered by Ansible (regbank_foundation.inventory_hosts). Their
rendered connection settings go into a small inventory of their own, which
testinfra's ansible backend reads: it connects over the same SSH path, user, key and
become settings as the playbooks, without starting Ansible for each command.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from regbank_foundation.inventory_hosts import Target
from security_profiles.checks.reader import Output, Reader

# Inventory values the checks and the documents use, rendered with the hosts.
CONTEXT_VARS = (
    "regbank_public_name", "regbank_region_name", "regbank_profile", "regbank_protection_tools",
    "regbank_management_networks", "baseline_ntp_servers", "baseline_timezone",
    "postgresql_pgaudit_role", "registry_app_db_name", "mo", "regbank_topology",
    "regbank_vpn", "regbank_vpn_network", "regbank_vpn_external", "vpn_address", "vpn_interface",
)  # fmt: skip


def write_connection_inventory(targets: list[Target], folder: Path) -> Path:
    """A static inventory of only the rendered connection settings, for testinfra."""
    control = folder / "cm-%C"  # one SSH connection per host, reused by every command
    hosts = {}
    for target in targets:
        connection = dict(target.connection)
        extra = connection.get("ansible_ssh_extra_args", "")
        connection["ansible_ssh_extra_args"] = f"{extra} -o ControlPath={control}".strip()
        hosts[target.name] = connection
    path = folder / "connection.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}), encoding="utf-8")
    return path


def reader_for(target: Target, connection_inventory: Path) -> Reader:
    """A read-only command runner on the host, through testinfra's ansible backend."""
    import testinfra  # imported here: only attest needs it

    host = testinfra.get_host(f"ansible://{target.name}?ansible_inventory={connection_inventory}")

    def execute(command: str) -> Output:
        result = host.run(command)
        return Output(result.rc, result.stdout, result.stderr)

    return Reader(execute)
