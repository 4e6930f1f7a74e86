"""What an operator sees once the replication role has joined a regional server and
МО-3's municipal server: rows flow down and up, the workers run, the first
synchronisation kept the rule for rows that existed before."""
# ruff: noqa: S608 - SQL of the tests, names and values made by the tests themselves

import os
import time
import uuid

import pytest
import testinfra

HOST = os.environ.get("REGBANK_MOLECULE_HOST", "replication")


@pytest.fixture(scope="module")
def regional():
    return testinfra.get_host(f"docker://{HOST}-regional")


@pytest.fixture(scope="module")
def municipal():
    return testinfra.get_host(f"docker://{HOST}-mo3")


def value(host, query):
    result = host.run(
        "runuser -u postgres -- psql -X -A -t -v ON_ERROR_STOP=1 -d regbank -c %s", query
    )
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def arrives(host, query, expected, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value(host, query) == expected:
            return True
        time.sleep(0.5)
    return False


def test_a_directory_row_flows_down(regional, municipal):
    row = uuid.uuid4()
    value(regional, f"INSERT INTO test_directory VALUES ('{row}', 'MO-1', 'down {row}')")
    assert arrives(municipal, f"SELECT name FROM test_directory WHERE id = '{row}'", f"down {row}")


def test_a_card_flows_up(regional, municipal):
    row = uuid.uuid4()
    value(municipal, f"INSERT INTO test_card VALUES ('{row}', 'MO-3', 'up {row}')")
    assert arrives(regional, f"SELECT name FROM test_card WHERE id = '{row}'", f"up {row}")


def test_an_update_and_a_delete_flow_too(regional, municipal):
    row = uuid.uuid4()
    value(municipal, f"INSERT INTO test_card VALUES ('{row}', 'MO-3', 'first')")
    assert arrives(regional, f"SELECT name FROM test_card WHERE id = '{row}'", "first")
    value(municipal, f"UPDATE test_card SET name = 'second' WHERE id = '{row}'")
    assert arrives(regional, f"SELECT name FROM test_card WHERE id = '{row}'", "second")
    value(municipal, f"DELETE FROM test_card WHERE id = '{row}'")
    assert arrives(regional, f"SELECT count(*) FROM test_card WHERE id = '{row}'", "0")


def test_workers_run_on_both_sides(regional, municipal):
    assert value(regional, "SELECT subname FROM pg_stat_subscription WHERE pid IS NOT NULL") == (
        f"regbank_up_{HOST.replace('-', '_')}_mo3"
    )
    assert value(municipal, "SELECT subname FROM pg_stat_subscription WHERE pid IS NOT NULL") == (
        "regbank_down_mo_3"
    )


def test_publications_never_carry_truncate(regional, municipal):
    for host, name, table in (
        (regional, "regbank_down", "test_directory"),
        (municipal, "regbank_up", "test_card"),
    ):
        assert (
            value(
                host,
                "SELECT pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot"
                f" FROM pg_publication WHERE pubname = '{name}'",
            )
            == "t|t|t|f|t"
        )
        assert (
            value(host, f"SELECT tablename FROM pg_publication_tables WHERE pubname = '{name}'")
            == table
        )


def test_replication_role_has_least_privilege(regional):
    assert (
        value(
            regional,
            "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
            " WHERE rolname = 'regbank_replication'",
        )
        == "t|t|f|f|f"
    )
    granted = value(
        regional,
        "SELECT string_agg(table_name || ':' || privilege_type, ',')"
        " FROM information_schema.role_table_grants WHERE grantee = 'regbank_replication'",
    )
    assert granted == "test_directory:SELECT"


def test_the_subscriber_verifies_the_publisher(municipal):
    conninfo = value(municipal, "SELECT subconninfo FROM pg_subscription")
    assert "sslmode=verify-full" in conninfo
    assert "sslrootcert=/etc/regbank/pki/ca.crt" in conninfo


def test_the_secret_stays_with_root(regional):
    secret = regional.file("/etc/regbank/replication/password")
    assert secret.user == "root"
    assert secret.mode == 0o600


def test_down_rows_seeded_at_the_municipal_server_gave_way_to_the_master(regional, municipal):
    assert value(municipal, "SELECT count(*) FROM test_directory WHERE name = 'local seed'") == "0"
    assert (
        value(
            municipal,
            "SELECT count(*) FROM test_directory WHERE id = '00000000-0000-0000-0000-000000000001'",
        )
        == "1"
    )


def test_the_role_refused_to_subscribe_over_rows_the_regional_server_held(regional):
    message = regional.file("/root/replication-refusal.txt").content_string
    assert "МО MO-3" in message
    assert "test_card" in message
