"""What an operator sees on the protected network the vpn role builds: the regional
hub, МО-3's server (its spoke, and the hub of МО-3's workstations) and МО-3's
workstations. The side effect (side_effect.yml) added a workstation and rotated the
first workstation's key while a ping ran from the regional server to МО-3's."""

import os
import pathlib
import re
import time

import pytest
import testinfra

HOST = os.environ.get("REGBANK_MOLECULE_HOST", "vpn")
ADDRESS = {"regional": "10.77.0.1", "mo3": "10.77.0.2", "ws": "10.77.0.3", "ws2": "10.77.0.4"}


@pytest.fixture(scope="module")
def hosts():
    return {name: testinfra.get_host(f"docker://{HOST}-{name}") for name in ADDRESS}


def pings(host, address, count=3, within=30):
    # Up to 30 s: a hub knows a spoke's endpoint only once the spoke has sent to it, and
    # after the side effect's key rotation that is the spoke's next keepalive (25 s).
    return host.run("ping -c %s -w %s -I wg0 %s", str(count), str(within), address).rc == 0


def handshake_age(host, peer_key, seconds=30):
    """Seconds since the last handshake with the peer, once there was one."""
    deadline = time.monotonic() + seconds
    while True:
        out = host.check_output("wg show wg0 latest-handshakes")
        stamps = dict(line.split() for line in out.splitlines())
        if int(stamps.get(peer_key, 0)) or time.monotonic() > deadline:
            return time.time() - int(stamps.get(peer_key, 0))
        time.sleep(1)


def public_key(host):
    return host.check_output("wg show wg0 public-key")


@pytest.mark.parametrize(
    ("one", "other"), [("regional", "mo3"), ("mo3", "regional"), ("mo3", "ws"), ("ws", "mo3")]
)
def test_traffic_flows_through_the_tunnel(hosts, one, other):
    assert pings(hosts[one], ADDRESS[other])
    assert handshake_age(hosts[one], public_key(hosts[other])) < 180


def test_a_workstation_of_an_mo_with_a_server_has_no_tunnel_to_the_regional_server(hosts):
    assert not pings(hosts["ws"], ADDRESS["regional"], count=2, within=4)
    assert public_key(hosts["ws"]) not in hosts["regional"].check_output("wg show wg0 peers")


def test_the_private_key_is_root_s_alone_and_stays_on_its_host(hosts):
    controller_files = [
        path for path in pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]).rglob("*")
    ]
    for name, host in hosts.items():
        key = host.file("/etc/wireguard/wg0.key")
        assert (key.user, key.group, key.mode) == ("root", "root", 0o600)
        secret = key.content_string.strip()
        assert host.check_output("wg show wg0 private-key") == secret
        config = host.file("/etc/wireguard/wg0.conf").content_string
        assert not re.search(r"^\s*PrivateKey\s*=", config, re.MULTILINE), config
        for other_name, other in hosts.items():
            if other_name != name:
                found = other.run("grep -rlF -- %s /etc /root /var/lib /var/log /tmp", secret)
                assert found.stdout == "", f"{name}'s private key on {other_name}"
        for path in controller_files:
            if path.is_file():
                assert secret not in path.read_text(errors="ignore"), path


def test_the_tunnel_starts_at_boot(hosts):
    for host in hosts.values():
        assert host.service("wg-quick@wg0").is_enabled
        assert host.file("/etc/wireguard/wg0.conf").mode == 0o600


def test_peers_changed_without_dropping_the_live_tunnel(hosts):
    for name in ("regional", "mo3", "ws"):
        before = hosts[name].file("/root/vpn-ifindex-before").content_string.strip()
        assert hosts[name].file("/sys/class/net/wg0/ifindex").content_string.strip() == before
    log = hosts["regional"].file("/root/vpn-ping.log").content_string
    sent, received = map(int, re.search(r"(\d+) packets transmitted, (\d+) received", log).groups())
    assert sent > 50, log
    assert received >= sent - 1, log


def test_the_live_private_key_was_never_cleared(hosts):
    for name in ("regional", "mo3", "ws"):
        samples = hosts[name].file("/root/vpn-key-watch.log").content_string.split()
        assert len(samples) > 50, name
        assert "(none)" not in samples, name


def test_the_new_workstation_is_routed_and_reached(hosts):
    routes = hosts["mo3"].check_output("ip -4 route show dev wg0")
    assert re.search(rf"^{re.escape(ADDRESS['ws2'])} ", routes, re.MULTILINE), routes
    assert pings(hosts["mo3"], ADDRESS["ws2"])
    assert pings(hosts["ws2"], ADDRESS["mo3"])


def test_a_rotated_key_reaches_every_peer(hosts):
    before = hosts["ws"].file("/root/vpn-public-key-before").content_string.strip()
    after = public_key(hosts["ws"])
    assert after != before
    peers = hosts["mo3"].check_output("wg show wg0 peers").split()
    assert after in peers and before not in peers
    assert pings(hosts["ws"], ADDRESS["mo3"])


def test_external_mode_names_the_missing_interface(hosts):
    refusal = hosts["mo3"].file("/root/vpn-external-refusal.txt").content_string
    assert "regbank_vpn_external.interface: vipnet0 does not exist" in refusal
    assert "ViPNet Client" in refusal


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("mtu", "vpn_mtu: 1200 is below 1280"),
        (
            "outside",
            "vpn_address of vpn-mo3: '10.78.0.2' is not an address inside regbank_vpn_network",
        ),
        ("taken", "vpn_address of vpn-mo3: 10.77.0.1 is also the address of vpn-regional"),
        # The tunnel network set to the container's own (Docker's) network.
        ("overlap", r"regbank_vpn_network (\S+) overlaps \1 \(vpn-mo3's own networks"),
    ],
)
def test_a_wrong_setting_is_refused_with_its_variable_named(hosts, case, message):
    refusal = hosts["mo3"].file(f"/root/vpn-refusal-{case}.txt").content_string
    pattern = message if case == "overlap" else re.escape(message)
    assert re.search(pattern.replace("vpn-", f"{HOST}-"), " ".join(refusal.split())), refusal
