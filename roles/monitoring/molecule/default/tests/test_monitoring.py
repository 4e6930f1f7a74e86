"""What a Prometheus server on the management network gets from a monitored host."""

import re
import urllib.request

import pytest


@pytest.fixture(scope="module")
def address(host):
    return host.interface("eth0").addresses[0]


def metrics(address, port):
    with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def test_node_exporter_answers_with_host_metrics(host, address):
    assert host.service("prometheus-node-exporter").is_enabled
    text = metrics(address, 9100)
    assert "node_cpu_seconds_total{" in text
    assert "node_filesystem_avail_bytes{" in text


def test_postgres_exporter_reaches_postgresql(host, address):
    assert host.service("prometheus-postgres-exporter").is_enabled
    lines = metrics(address, 9187).splitlines()
    assert "pg_up 1" in lines
    # pg_monitor lets it read the statistics views, e.g. per-database activity.
    assert any(line.startswith("pg_stat_database_xact_commit{") for line in lines)


def test_exporters_listen_on_the_management_address_only(host, address):
    for port in (9100, 9187):
        assert host.socket(f"tcp://{address}:{port}").is_listening
        assert not host.socket(f"tcp://0.0.0.0:{port}").is_listening
        assert not host.socket(f"tcp://127.0.0.1:{port}").is_listening


def test_exporter_role_is_a_monitor_without_a_password(host):
    query = (
        "SELECT rolcanlogin, rolpassword IS NULL, pg_has_role('prometheus', 'pg_monitor', 'member')"
        " FROM pg_authid WHERE rolname = 'prometheus'"
    )
    with host.sudo("postgres"):
        assert host.check_output(f'psql -tAc "{query}"') == "t|t|t"


def test_exporter_logs_in_by_peer_over_the_socket(host):
    dsn = host.file("/etc/default/prometheus-postgres-exporter").content_string
    assert "host=/run/postgresql" in dsn and "password=" not in dsn
    with host.sudo("prometheus"):
        assert (
            host.check_output("psql -h /run/postgresql -d postgres -tAc 'SELECT current_user'")
            == "prometheus"
        )


def sample(lines, name, **labels):
    """The value of the one sample of ``name`` whose labels include ``labels``."""
    pattern = re.compile(rf"^{name}\{{(?P<labels>[^}}]*)\}} (?P<value>\S+)$")
    found = []
    for line in lines:
        match = pattern.match(line)
        if match and all(f'{k}="{v}"' in match["labels"] for k, v in labels.items()):
            found.append(float(match["value"]))
    assert len(found) == 1, f"{name} {labels}: {found}"
    return found[0]


def test_postgres_exporter_exports_replication_health(address):
    lines = metrics(address, 9187).splitlines()
    subscription = {"subscription": "regbank_up_mo3_srv"}
    assert sample(lines, "regbank_subscription_enabled", **subscription) == 1
    assert sample(lines, "regbank_subscription_running", **subscription) == 1
    assert sample(lines, "regbank_subscription_apply_errors", **subscription) == 0
    assert sample(lines, "regbank_subscription_sync_errors", **subscription) == 0
    slot = {"slot": "regbank_up_mo3_srv", "wal_status": "reserved"}
    assert sample(lines, "regbank_slot_active", **slot) == 1
    assert sample(lines, "regbank_slot_retained_bytes", **slot) >= 0
    assert sample(lines, "regbank_slot_lag_bytes", **slot) >= 0
