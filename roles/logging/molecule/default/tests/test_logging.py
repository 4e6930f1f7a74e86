"""What an operator sees: a client's security logs arrive on the regional server."""

import os
import time
import uuid

import pytest
import testinfra

PREFIX = os.environ.get("REGBANK_MOLECULE_HOST", "logging")
SERVER = f"{PREFIX}-server"
CLIENT = f"{PREFIX}-client"
REMOTE = f"/var/log/remote/{CLIENT}"
# Only the server runs the host fixture; the client is reached explicitly.
testinfra_hosts = [f"ansible://{SERVER}"]


@pytest.fixture(scope="module")
def client():
    return testinfra.get_host(
        f"ansible://{CLIENT}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"]
    )


@pytest.fixture(scope="module")
def server_address(host):
    return host.interface("eth0").addresses[0]


def marker():
    return f"regbank-test-{uuid.uuid4()}"


def wait_for(host, path, text, seconds=40):
    """True once `text` is in the file at `path` on `host`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if host.run(f"grep -qF -- {text} {path}").rc == 0:
            return True
        time.sleep(1)
    return False


def stored_anywhere(host, text):
    return host.run(f"grep -rqF -- {text} /var/log/remote").rc == 0


def test_authpriv_arrives_in_the_hosts_file(host, client):
    text = marker()
    client.check_output(f"logger -p authpriv.notice -t regbank-logtest {text}")
    assert wait_for(host, f"{REMOTE}/regbank-logtest.log", text)


def test_stored_logs_are_closed_to_others(host):
    folder = host.file(REMOTE)
    assert folder.mode == 0o750 and folder.group == "adm"
    stored = host.file(f"{REMOTE}/regbank-logtest.log")
    assert stored.mode == 0o640 and stored.user == "root" and stored.group == "adm"
    assert host.file("/var/log/remote").mode == 0o750


def test_application_journal_is_forwarded_other_programs_are_not(host, client):
    quiet, app = marker(), marker()
    # The unit's SyslogIdentifier is regbank-app; another program's info stays local.
    client.check_output(f"logger -p user.info -t regbank-other {quiet}")
    client.check_output(f"logger -p user.info -t regbank-app {app}")
    assert wait_for(host, f"{REMOTE}/regbank-app.log", app)
    assert not stored_anywhere(host, quiet)


def test_a_log_file_that_appears_later_is_forwarded(host, client):
    # No nginx on the client when rsyslog started: its log is picked up once written.
    text = marker()
    client.check_output("mkdir -p /var/log/nginx")
    client.check_output(f"sh -c 'echo {text} >> /var/log/nginx/error.log'")
    assert wait_for(host, f"{REMOTE}/nginx-error.log", text)


def test_server_listens_for_tls_only(host):
    assert host.socket("tcp://0.0.0.0:6514").is_listening
    assert not host.socket("tcp://0.0.0.0:514").is_listening
    assert not host.socket("udp://0.0.0.0:514").is_listening


def send_tls(client, address, text, with_certificate):
    identity = "-cert /etc/regbank/pki/host.crt -key /etc/regbank/pki/host.key"
    line = f"<38>1 - {CLIENT} regbank-tlstest - - - {text}"
    command = (
        f'sh -c \'(echo "{line}"; sleep 2) | timeout 10 openssl s_client -quiet'
        f" -connect {address}:6514 -CAfile /etc/regbank/pki/ca.crt"
        f" {identity if with_certificate else ''}'"
    )
    return client.run(command)


def test_a_peer_without_a_certificate_is_refused(host, client, server_address):
    plain, anonymous, signed = marker(), marker(), marker()
    script = (
        f"import socket; s = socket.create_connection(('{server_address}', 6514), 5);"
        f" s.sendall(b'<38>1 - {CLIENT} regbank-tlstest - - - {plain}\\n'); s.close()"
    )
    client.run(f'python3 -c "{script}"')
    send_tls(client, server_address, anonymous, with_certificate=False)
    # The same message with the host's CA-signed certificate is stored: the two
    # above were refused for what they lacked, not for their form.
    send_tls(client, server_address, signed, with_certificate=True)
    assert wait_for(host, f"{REMOTE}/regbank-tlstest.log", signed)
    assert not stored_anywhere(host, plain)
    assert not stored_anywhere(host, anonymous)


def test_nothing_is_lost_while_the_server_is_down(host, client):
    text = marker()
    host.check_output("systemctl stop rsyslog.service syslog.socket")
    try:
        client.check_output(f"logger -p auth.warning -t regbank-outage {text}")
        time.sleep(5)
        assert not host.file(f"{REMOTE}/regbank-outage.log").exists
    finally:
        host.check_output("systemctl start rsyslog.service")
    # The client's queue resends once the server is back (retry every 10 s).
    assert wait_for(host, f"{REMOTE}/regbank-outage.log", text, seconds=90)


def test_rotation_keeps_the_configured_days(host):
    conf = host.file("/etc/logrotate.d/regbank-remote").content_string
    assert "/var/log/remote/*/*.log" in conf
    assert "rotate 30" in conf and "maxage 30" in conf
    assert host.run("logrotate -d /etc/logrotate.d/regbank-remote").rc == 0
