"""What a region sees once the regional server serves its offline bundle: a client
that trusts only the region's key installs from the server, and refuses a Release
changed on the server."""

import os

import pytest
import testinfra

HOST = os.environ.get("REGBANK_MOLECULE_HOST", "package-source")
ROOT = "/srv/regbank/offline"
RELEASE = f"{ROOT}/current/repository/dists/bookworm"


@pytest.fixture(scope="module")
def server():
    return testinfra.get_host(f"docker://{HOST}-server")


@pytest.fixture(scope="module")
def client():
    return testinfra.get_host(f"docker://{HOST}-client")


def server_url(server):
    address = server.check_output("hostname -I").split()[0]
    return f"http://{address}:8081"


def test_current_is_a_verified_bundle(server):
    current = server.file(f"{ROOT}/current")
    assert current.is_symlink
    target = current.linked_to
    assert target.startswith(f"{ROOT}/20")
    done = server.run(
        "python3 /usr/local/lib/regbank/package_source/signing.py %s "
        "--public-key /etc/regbank/package_source/app-signing.pub",
        target,
    )
    assert done.rc == 0, done.stderr
    assert "подпись верна" in done.stdout


def test_the_server_serves_the_repository_on_its_port(server):
    assert server.service("regbank-package-source").is_running
    assert server.service("regbank-package-source").is_enabled
    assert server.socket("tcp://0.0.0.0:8081").is_listening


def test_the_client_installed_nftables_from_the_server(server, client):
    assert client.package("nftables").is_installed
    policy = client.check_output("apt-cache policy nftables")
    assert f"{server_url(server)} bookworm/main amd64 Packages" in policy
    assert "deb.debian.org" not in policy


def test_the_client_trusts_only_the_region_key(client):
    sources = client.check_output("grep -rh '^Signed-By' /etc/apt/sources.list.d/")
    assert sources.split() == ["Signed-By:", "/etc/apt/keyrings/regbank-region.gpg"]


def test_a_tampered_release_is_refused(server, client):
    server.check_output("cp -a %s /tmp/dists-saved", RELEASE)
    try:
        # The same change in both files apt may read; the signatures stay the old ones.
        for name in ("InRelease", "Release"):
            server.check_output("sed -i 's/^Label: .*/Label: tampered/' %s", f"{RELEASE}/{name}")
        done = client.run("apt-get update -q")
        assert "BADSIG" in done.stdout + done.stderr
        # apt keeps the index it had: the changed Release never reaches the client.
        lists = client.run("grep -rl --exclude-dir=partial 'Label: tampered' /var/lib/apt/lists/")
        assert lists.rc == 1, lists.stdout
    finally:
        server.check_output("rm -rf %s && mv /tmp/dists-saved %s", RELEASE, RELEASE)
    assert client.run("apt-get update -q").rc == 0


def test_online_the_role_leaves_a_host_alone(client):
    assert not client.file("/srv/regbank/offline").exists
    assert not client.file("/etc/systemd/system/regbank-package-source.service").exists
