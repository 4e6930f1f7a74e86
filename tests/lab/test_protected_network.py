"""The protected network on the deployed lab (issue 14): WireGuard tunnels from the
inventory, and only the tunnels reach the bank. A workstation asks for the bank's login
page as its browser would (TLS checked against the system store, where the region's CA
is): through its tunnel it gets the page, by the server's own address it gets nothing,
and with its tunnel down it gets nothing. Replication between the servers runs through
the tunnel too.
"""

from __future__ import annotations

import json
import time

import pytest
from conftest import PLAYBOOK, assert_clean, recap, run
from test_replication import exec_on, on, sql

from regbank import lab
from regbank.inventory import load_inventory

pytestmark = pytest.mark.full_site

# What a workstation's browser does first: the bank's login page over HTTPS, the
# certificate checked for the bank's name against the system's CA store. Prints the
# HTTP status, or the error.
FETCH = """
import socket, ssl, sys
address, name = sys.argv[1], sys.argv[2]
try:
    with socket.create_connection((address, 443), timeout=5) as raw:
        with ssl.create_default_context().wrap_socket(raw, server_hostname=name) as tls:
            request = f"GET /accounts/login/ HTTP/1.1\\r\\nHost: {name}\\r\\nConnection: close"
            tls.sendall(request.encode() + b"\\r\\n\\r\\n")
            print(tls.recv(64).split(b"\\r\\n")[0].decode())
except OSError as error:
    print(type(error).__name__, error)
"""


@pytest.fixture(scope="module")
def region(site_lab) -> dict:
    """Each host's own and tunnel addresses, and each server's web name."""
    inventory = load_inventory(site_lab)
    public = next(iter(inventory.hosts.values())).vars["regbank_public_name"]
    hosts = {
        name: {"address": host.vars["ansible_host"], "tunnel": host.vars.get("vpn_address")}
        for name, host in inventory.hosts.items()
    }
    hosts["region-srv"]["name"] = public
    hosts["mo3-srv"]["name"] = lab.municipal_site_name(public, "MO-3")
    return hosts


def fetch(workstation: str, address: str, name: str) -> str:
    code, output = exec_on(workstation, "python3", "-c", FETCH, address, name)
    assert code == 0, output
    return output.strip()


def handshakes(host: str) -> dict[str, int]:
    """Each peer's public key → seconds since its latest handshake (None: never)."""
    lines = on(host, "wg", "show", "wg0", "latest-handshakes").split("\n")
    return {key: int(when) for key, when in (line.split("\t") for line in lines if line)}


def test_every_tunnel_of_the_inventory_is_up(region):
    peers = {"region-srv": 2, "mo3-srv": 2, "ws-mo1": 1, "ws-mo3": 1}  # hub: МО-3 and ws-mo1
    for host, count in peers.items():
        seen = handshakes(host)
        assert len(seen) == count, f"{host}: peers {seen}"
        assert all(when > 0 for when in seen.values()), f"{host}: a peer never answered: {seen}"
        address = json.loads(on(host, "ip", "-j", "-4", "address", "show", "wg0"))
        assert address[0]["addr_info"][0]["local"] == region[host]["tunnel"], address
    assert "wg0" not in on("drill-srv", "ip", "-o", "link"), "the drill host is outside the network"


def test_a_workstation_reaches_its_bank_through_the_tunnel_only(region):
    regional, municipal = region["region-srv"], region["mo3-srv"]
    # МО-1 has no server of its own: its workstation uses the regional bank
    assert fetch("ws-mo1", regional["tunnel"], regional["name"]) == "HTTP/1.1 200 OK"
    # the same server by its own address, outside the tunnel: the firewall drops it
    assert fetch("ws-mo1", regional["address"], regional["name"]).startswith("TimeoutError")
    # МО-3's workstation uses its МО's server; it has no tunnel to the regional one
    assert fetch("ws-mo3", municipal["tunnel"], municipal["name"]) == "HTTP/1.1 200 OK"
    assert fetch("ws-mo3", municipal["address"], municipal["name"]).startswith("TimeoutError")
    assert not fetch("ws-mo3", regional["tunnel"], regional["name"]).startswith("HTTP")


def test_with_its_tunnel_down_a_workstation_cannot_reach_the_bank(region):
    regional = region["region-srv"]
    on("ws-mo1", "systemctl", "stop", "wg-quick@wg0")
    try:
        assert not fetch("ws-mo1", regional["tunnel"], regional["name"]).startswith("HTTP")
    finally:
        on("ws-mo1", "systemctl", "start", "wg-quick@wg0")
    assert fetch("ws-mo1", regional["tunnel"], regional["name"]) == "HTTP/1.1 200 OK"


def bank_log_since(server: str, line: int) -> list[dict]:
    """The bank's nginx access log (JSON lines) after its first `line` lines."""
    text = on(server, "tail", "-n", f"+{line + 1}", "/var/log/nginx/regbank-access.log")
    return [json.loads(entry) for entry in text.splitlines() if entry.strip()]


def test_workstations_take_antivirus_signatures_from_their_bank(region):
    """freshclam on each workstation asks its own bank's mirror (https://<bank>/clamav/)
    through the tunnel, and nothing else. The lab cannot fill the mirror (no Internet, no
    copy of the signed databases), so the bank answers 404 and freshclam keeps running,
    to try again at its next check."""
    for workstation, server in (("ws-mo1", "region-srv"), ("ws-mo3", "mo3-srv")):
        conf = on(workstation, "cat", "/etc/clamav/freshclam.conf").splitlines()
        mirrors = [line for line in conf if line.startswith(("PrivateMirror", "DatabaseMirror"))]
        assert mirrors == [f"PrivateMirror https://{region[server]['name']}/clamav"], mirrors
        seen = int(on(server, "wc", "-l", "/var/log/nginx/regbank-access.log").split()[0])
        on(workstation, "systemctl", "restart", "clamav-freshclam")
        asked: list[dict] = []
        for _ in range(60):
            asked = [entry for entry in bank_log_since(server, seen)
                     if entry["remote_addr"] == region[workstation]["tunnel"]]  # fmt: skip
            if asked:
                break
            time.sleep(0.5)
        assert asked, f"{workstation}: no request reached {server}'s mirror within 30 s"
        assert {entry["path"] for entry in asked} <= {
            "/clamav/daily.cld", "/clamav/daily.cvd", "/clamav/main.cld", "/clamav/main.cvd",
            "/clamav/bytecode.cld", "/clamav/bytecode.cvd",
        }, asked  # fmt: skip
        assert {entry["status"] for entry in asked} == {404}, asked
        assert on(workstation, "systemctl", "is-active", "clamav-freshclam").strip() == "active"


def test_replication_runs_through_the_tunnel(region):
    walsenders = "SELECT string_agg(host(client_addr), ',') FROM pg_stat_replication"
    # the regional server sends the directories down to mo3-srv, and mo3-srv its МО's
    # registry up: each walsender's client is the peer's tunnel address
    assert sql("region-srv", walsenders) == region["mo3-srv"]["tunnel"]
    assert sql("mo3-srv", walsenders) == region["region-srv"]["tunnel"]


def test_a_run_limited_to_one_server_keeps_its_peers_and_changes_nothing(region):
    """An engineer re-runs one site (`--limit`, as docs/inventory.md shows): the server's
    hub and spoke are outside the run, and its tunnel keeps them as they are."""
    peers = on("mo3-srv", "wg", "show", "wg0", "peers")
    result = run("ansible-playbook", PLAYBOOK, "--limit", "mo3-srv", check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert_clean(result.stdout, ["mo3-srv"])
    assert recap(result.stdout).keys() == {"mo3-srv"}
    # Both peers (region-srv, its hub; ws-mo3, its spoke) are still in the live tunnel.
    assert len(peers.split()) == 2
    assert on("mo3-srv", "wg", "show", "wg0", "peers") == peers


def test_a_key_rotation_with_limit_is_refused_before_any_change(region):
    """vpn-rotate.yml with --limit would leave the peers outside the run with the old
    public key: it stops first and says to run without --limit."""
    key = on("ws-mo3", "wg", "show", "wg0", "public-key")
    result = run(
        "ansible-playbook", "playbooks/vpn-rotate.yml",
        "-e", "vpn_rotate_host=ws-mo3", "--limit", "ws-mo3",
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Hosts of the network not in this run: region-srv, mo3-srv, ws-mo1" in result.stdout
    assert "without --limit" in result.stdout
    assert on("ws-mo3", "wg", "show", "wg0", "public-key") == key
