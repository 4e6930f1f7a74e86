"""What an operator sees on a host the postgresql role has converged."""
# ruff: noqa: S608 - SQL of the tests, names made by the tests themselves

import os
import shlex
import uuid

HOST = os.environ.get("REGBANK_MOLECULE_HOST", "debian12")
PROBE_PASSWORD = "probe-" + "password-for-the-test"  # noqa: S105 - a throwaway test role


def sql(host, query, db="regbank", user="postgres", os_user="postgres"):
    command = (
        f"runuser -u {os_user} -- psql -X -A -t -v ON_ERROR_STOP=1 -d {db} -U {user} -c {query!r}"
    )
    return host.run(command)


def value(host, query, db="regbank"):
    result = sql(host, query, db)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def test_server_runs_15_main(host):
    assert host.service("postgresql@15-main").is_running
    assert host.service("postgresql@15-main").is_enabled
    assert value(host, "SHOW server_version").startswith("15.")


def test_nothing_waits_for_a_restart(host):
    assert value(host, "SELECT count(*) FROM pg_settings WHERE pending_restart") == "0"


def test_tls_on_with_the_kit_certificates(host):
    assert value(host, "SHOW ssl") == "on"
    assert value(host, "SHOW ssl_cert_file") == "/etc/regbank/pki/host.crt"
    assert value(host, "SHOW ssl_min_protocol_version") == "TLSv1.2"
    assert value(host, "SHOW password_encryption") == "scram-sha-256"
    assert "ssl-cert" in host.user("postgres").groups


def probe_role(host):
    # No DO $$ block: the test backend's shell would expand $$.
    if value(host, "SELECT count(*) FROM pg_roles WHERE rolname = 'regbank_tls_probe'") == "0":
        create = f"CREATE ROLE regbank_tls_probe LOGIN PASSWORD '{PROBE_PASSWORD}'"
        created = sql(host, create)
        assert created.rc == 0, created.stderr
    sql(host, "GRANT CONNECT ON DATABASE regbank TO regbank_tls_probe")


def test_passwords_are_scram(host):
    probe_role(host)
    stored = value(host, "SELECT rolpassword FROM pg_authid WHERE rolname = 'regbank_tls_probe'")
    assert stored.startswith("SCRAM-SHA-256$")


def test_tls_connection_verifies_against_the_ca(host):
    probe_role(host)
    dsn = (
        f"host={HOST} dbname=regbank user=regbank_tls_probe password={PROBE_PASSWORD} "
        "sslmode=verify-full sslrootcert=/etc/regbank/pki/ca.crt"
    )
    query = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    out = host.run(f"psql -X -A -t {shlex.quote(dsn)} -c {shlex.quote(query)}")
    assert out.rc == 0, out.stderr
    assert out.stdout.strip().startswith("t|TLSv1.")


def test_tcp_without_tls_is_refused(host):
    probe_role(host)
    dsn = (
        f"host={HOST} dbname=regbank user=regbank_tls_probe "
        f"password={PROBE_PASSWORD} sslmode=disable"
    )
    out = host.run(f"psql -X -A -t {shlex.quote(dsn)} -c 'SELECT 1'")
    assert out.rc != 0
    assert "no encryption" in out.stderr


def test_tls_with_a_wrong_name_fails_verification(host):
    probe_role(host)
    dsn = (
        "host=127.0.0.1 dbname=regbank user=regbank_tls_probe "
        f"password={PROBE_PASSWORD} sslmode=verify-full sslrootcert=/etc/regbank/pki/ca.crt"
    )
    out = host.run(f"psql -X {shlex.quote(dsn)} -c 'SELECT 1'")
    assert out.rc != 0


def test_hba_is_local_peer_and_hostssl_scram_only(host):
    rules = value(
        host, "SELECT type, auth_method FROM pg_hba_file_rules WHERE error IS NULL", "postgres"
    )
    pairs = {tuple(line.split("|")) for line in rules.splitlines()}
    assert pairs == {("local", "peer"), ("hostssl", "scram-sha-256")}


def test_roles_least_privilege(host):
    rows = value(
        host,
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles "
        "WHERE rolname IN ('regbank_owner', 'regbank_app', 'regbank_pgaudit') ORDER BY 1",
    )
    assert rows.splitlines() == [
        "regbank_app|f|f|f|t",
        "regbank_owner|f|f|f|t",
        "regbank_pgaudit|f|f|f|f",
    ]
    assert (
        value(host, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'regbank'")
        == "regbank_owner"
    )
    assert value(host, "SELECT has_database_privilege('public', 'regbank', 'CONNECT')") == "f"


def test_app_user_reaches_both_roles_by_peer(host):
    for role in ("regbank_owner", "regbank_app"):
        out = sql(host, "SELECT current_user", user=role, os_user="regbank")
        assert out.rc == 0, out.stderr
        assert out.stdout.strip() == role
    # The OS user regbank is no superuser in disguise.
    assert sql(host, "SELECT 1", user="postgres", os_user="regbank").rc != 0


def test_runtime_role_cannot_rewrite_audit_events(host):
    """A stand-in for the app's audit table with the grants grant_app_role makes (the
    real check runs in registry_app's scenario)."""
    table = "audit_probe_" + uuid.uuid4().hex[:8]
    owner = {"user": "regbank_owner", "os_user": "regbank"}
    assert sql(host, f"CREATE TABLE {table} (id int, what text)", **owner).rc == 0
    assert sql(host, f"GRANT SELECT, INSERT ON {table} TO regbank_app", **owner).rc == 0
    app = {"user": "regbank_app", "os_user": "regbank"}
    assert sql(host, f"INSERT INTO {table} VALUES (1, 'login')", **app).rc == 0
    update = sql(host, f"UPDATE {table} SET what = 'nothing'", **app)
    delete = sql(host, f"DELETE FROM {table}", **app)
    assert update.rc != 0 and "permission denied" in update.stderr
    assert delete.rc != 0 and "permission denied" in delete.stderr
    # Only the owner makes tables.
    assert sql(host, "CREATE TABLE app_made (id int)", **app).rc != 0
    sql(host, f"DROP TABLE {table}", **owner)


def test_pgaudit_logs_ddl_without_parameters(host):
    assert value(host, "SHOW shared_preload_libraries") == "pgaudit"
    assert value(host, "SHOW pgaudit.log") == "ddl, role"
    assert value(host, "SHOW pgaudit.role") == "regbank_pgaudit"
    assert value(host, "SHOW pgaudit.log_parameter") == "off"
    assert value(host, "SELECT count(*) FROM pg_extension WHERE extname = 'pgaudit'") == "1"
    table = "ddl_probe_" + uuid.uuid4().hex[:8]
    assert (
        sql(host, f"CREATE TABLE {table} (id int)", user="regbank_owner", os_user="regbank").rc == 0
    )
    log = host.file("/var/log/postgresql/postgresql-15-main.log").content_string
    line = next(line for line in log.splitlines() if f"CREATE TABLE {table}" in line)
    assert "AUDIT: SESSION" in line and ",DDL,CREATE TABLE," in line
    # log_line_prefix names user, database and client.
    assert "regbank_owner@regbank from [local]" in line
    sql(host, f"DROP TABLE {table}", user="regbank_owner", os_user="regbank")


def test_tuning_follows_the_host_memory(host):
    mem_mb = int(host.file("/proc/meminfo").content_string.split()[1]) // 1024

    def mb(name):
        return int(value(host, f"SELECT pg_size_bytes(current_setting('{name}')) / 1048576"))

    # Facts round MemTotal the same way; allow one MB of difference.
    assert abs(mb("shared_buffers") - int(mem_mb * 0.25)) <= 1
    assert abs(mb("effective_cache_size") - int(mem_mb * 0.75)) <= 1
    assert mb("maintenance_work_mem") == max(64, min(2048, int(mem_mb * 0.05)))
    assert value(host, "SHOW max_connections") == "50"
    assert value(host, "SHOW checkpoint_timeout") == "15min"
