"""What an operator sees on a host the firewall role has converged (over SSH)."""

import os
import socket
import subprocess
import urllib.request

import pytest

TEST_KEY = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "firewall_test_key")


@pytest.fixture(scope="module")
def address(host):
    """The container's address on the Docker bridge, as the controller reaches it."""
    return host.interface("eth0").addresses[0]


def ssh(address, command):
    return subprocess.run(
        [
            "ssh", "-i", TEST_KEY, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            f"fwtest@{address}", command,
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def connects(address, port):
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


def test_ruleset_is_loaded_with_default_deny(host):
    ruleset = host.check_output("nft list table inet regbank")
    assert "hook input priority filter; policy drop;" in ruleset
    assert "hook output priority filter; policy accept;" in ruleset
    assert "ct state established,related accept" in ruleset


def test_ruleset_persists_and_loads_at_boot(host):
    assert host.service("nftables").is_enabled
    conf = host.file("/etc/nftables.conf")
    assert conf.user == "root" and conf.mode == 0o750
    assert "flush table inet regbank" in conf.content_string
    # The file on disk is what is loaded: it parses, and reloading changes nothing.
    assert host.run("nft -c -f /etc/nftables.conf").rc == 0


def test_ssh_from_the_controller_still_works(address):
    # The management networks in converge.yml exclude the controller: the path
    # stays open only because the role adds the run's own source.
    result = ssh(address, "sudo -n id -un")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "root"


def test_ssh_rule_names_the_controller(host):
    ruleset = host.check_output("nft list table inet regbank")
    management = "ip saddr 192.0.2.0/24 tcp dport 22 accept"
    assert f'{management} comment "ssh from the management networks"' in ruleset
    assert 'tcp dport 22 accept comment "ssh from the ansible controller"' in ruleset


def test_allowed_port_answers(address):
    with urllib.request.urlopen(f"http://{address}:8080/", timeout=5) as response:
        assert response.status == 200


def test_unlisted_port_is_dropped(host, address):
    # Something listens on 8081, so only the firewall can stop the connection.
    assert host.socket("tcp://0.0.0.0:8081").is_listening
    local = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8081/').status)"
    assert host.check_output(f'python3 -c "{local}"') == "200"
    assert not connects(address, 8081)


def test_host_rules_restrict_sources(host):
    ruleset = host.check_output("nft list table inet regbank")
    assert "ip saddr 198.51.100.0/24 udp dport 5353 accept" in ruleset
    assert "ip6 saddr 2001:db8:2::/48 udp dport 5353 accept" in ruleset
    assert "ip saddr 203.0.113.7 tcp dport 6000-6010 accept" in ruleset


def test_a_ruleset_closing_ssh_to_everyone_is_refused(host):
    before = host.file("/etc/nftables.conf").sha256sum
    scenario = os.path.dirname(os.path.dirname(__file__))
    container = os.environ.get("REGBANK_MOLECULE_HOST", "debian12")
    result = subprocess.run(
        [
            "ansible-playbook", "-i", f"{container},", "-c", "community.docker.docker",
            os.path.join(scenario, "refuse.yml"),
        ],
        capture_output=True, text=True, timeout=300, check=False,
        env={
            **os.environ,
            "ANSIBLE_ROLES_PATH": os.path.join(scenario, "..", "..", ".."),
            "ANSIBLE_NOCOLOR": "1",
        },
    )  # fmt: skip
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "SSH would be closed to everyone" in said
    assert "firewall_management_networks (regbank_management_networks) is empty" in said
    assert host.file("/etc/nftables.conf").sha256sum == before
