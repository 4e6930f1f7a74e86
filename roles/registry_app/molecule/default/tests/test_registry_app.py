"""What an operator sees on a host the registry_app role has converged."""

import json
from types import SimpleNamespace

BUNDLES = "/opt/regbank/bundles"
VERIFY = "/usr/bin/python3 /opt/regbank/verifier/signing.py"
PUBLIC_KEY = "/etc/regbank/app-signing.pub"


def _psql_as(host, role, sql):
    """psql as the OS user regbank, mapped by peer authentication to a database role."""
    result = host.run(
        "runuser -u regbank -- psql -X -v ON_ERROR_STOP=1 -h /run/postgresql "
        f"-U {role} -d regbank -Atc {json.dumps(sql)}"
    )
    return SimpleNamespace(rc=result.rc, stdout=result.stdout.strip(), stderr=result.stderr)


def test_health_answers_ok_on_loopback(host):
    body = json.loads(host.check_output("curl -fsS http://127.0.0.1:8000/health/"))
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"


def test_gunicorn_listens_only_on_loopback(host):
    assert host.socket("tcp://127.0.0.1:8000").is_listening
    assert not host.socket("tcp://0.0.0.0:8000").is_listening


def test_login_page_renders_in_russian(host):
    page = host.check_output(
        "curl -fsS -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/accounts/login/"
    )
    assert "Вход в систему" in page
    assert 'lang="ru"' in page
    # Static files are collected where nginx serves them.
    assert host.file("/var/lib/regbank/static/css/regbank.css").is_file


def test_pages_need_a_login(host):
    code = host.check_output("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/audit/")
    assert code == "302"


def test_service_runs_as_regbank_in_its_sandbox(host):
    service = host.service("regbank-app")
    assert service.is_running and service.is_enabled
    props = dict(
        line.split("=", 1)
        for line in host.check_output(
            "systemctl show regbank-app -p User -p NoNewPrivileges -p ProtectSystem "
            "-p ProtectHome -p PrivateTmp -p PrivateDevices -p CapabilityBoundingSet "
            "-p RestrictAddressFamilies -p ProtectKernelTunables -p ProtectKernelModules "
            "-p SystemCallFilter -p MainPID"
        ).splitlines()
    )
    assert props["User"] == "regbank"
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectSystem"] == "strict"
    assert props["ProtectHome"] == "yes"
    assert props["PrivateTmp"] == "yes"
    assert props["PrivateDevices"] == "yes"
    assert props["ProtectKernelTunables"] == "yes"
    assert props["ProtectKernelModules"] == "yes"
    assert props["CapabilityBoundingSet"] == ""
    assert set(props["RestrictAddressFamilies"].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert props["SystemCallFilter"]  # a filter is set
    # Every gunicorn process runs as regbank.
    users = host.check_output("ps -o user= --ppid %s --pid %s", props["MainPID"], props["MainPID"])
    assert set(users.split()) == {"regbank"}


def test_sandbox_exposure_score(host):
    out = host.check_output("systemd-analyze security regbank-app --no-pager")
    overall = out.strip().splitlines()[-1]
    print(overall)
    # "→ Overall exposure level for regbank-app.service: 1.9 OK 🙂"
    score = float(overall.split(":")[1].split()[0])
    assert score <= 3.0, overall


def test_env_file_keeps_the_secret_from_others(host):
    env = host.file("/etc/regbank/app.env")
    assert (env.user, env.group, env.mode) == ("root", "regbank", 0o640)
    content = env.content_string
    assert "REGBANK_SITE_ROLE=regional" in content
    assert "REGBANK_ALLOWED_HOSTS=bank.molecule.regbank.test,127.0.0.1,localhost" in content
    keys = [line for line in content.splitlines() if line.startswith("REGBANK_SECRET_KEY=")]
    assert len(keys) == 1 and len(keys[0]) > 60


def test_runtime_role_cannot_change_audit_events(host):
    assert int(_psql_as(host, "regbank_app", "SELECT count(*) FROM audit_auditevent").stdout) >= 0
    for sql in (
        "UPDATE audit_auditevent SET action = action",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ):
        result = _psql_as(host, "regbank_app", sql)
        assert result.rc != 0, sql
        assert "permission denied" in result.stderr, result.stderr


def test_runtime_role_owns_no_table(host):
    owners = _psql_as(
        host, "regbank_app", "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname='public'"
    )
    assert owners.stdout.split() == ["regbank_owner"]


def test_pgaudit_role_covers_personal_data_tables(host):
    sql = (
        "SELECT has_table_privilege('regbank_pgaudit', 'registry_minor', 'UPDATE'), "
        "has_table_privilege('regbank_pgaudit', 'accounts_user', 'INSERT'), "
        "has_table_privilege('regbank_pgaudit', 'directory_agency', 'UPDATE')"
    )
    assert _psql_as(host, "regbank_owner", sql).stdout == "t|t|f"


def test_first_administrator_and_sample_region(host):
    admin = _psql_as(host, "regbank_app", "SELECT role FROM accounts_user WHERE username = 'admin'")
    assert admin.stdout == "regional"
    count = _psql_as(host, "regbank_app", "SELECT count(*) FROM directory_municipality")
    assert count.stdout == "10"
    own = _psql_as(host, "regbank_app", "SELECT code FROM directory_municipality WHERE own_server")
    assert own.stdout == "MO-3"


def test_manage_wrapper_runs_as_regbank(host):
    out = host.check_output("regbank-manage showmigrations audit")
    assert "[X] 0001_initial" in out


def test_application_logs_json_to_the_journal(host):
    host.check_output("curl -fsS http://127.0.0.1:8000/health/")
    lines = host.check_output("journalctl -u regbank-app -o cat -n 50 --no-pager").splitlines()
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert parsed, lines
    assert any(entry.get("path") == "/health/" or "health" in json.dumps(entry) for entry in parsed)


def test_installed_bundle_still_verifies(host):
    bundle = host.check_output(f"ls -d {BUNDLES}/*/").split()[0]
    assert host.run(f"{VERIFY} {bundle} --public-key {PUBLIC_KEY}").rc == 0
    marker = host.file("/opt/regbank/venv/.regbank-bundle").content_string.strip()
    assert bundle.rstrip("/").endswith(marker)


def test_tampered_bundle_is_refused(host):
    """The role's own host-side check on a copy with one byte changed in the wheel."""
    bundle = host.check_output(f"ls -d {BUNDLES}/*/").split()[0]
    script = f"""
        set -e
        rm -rf /tmp/tampered && cp -a {bundle} /tmp/tampered
        wheel=$(ls /tmp/tampered/wheels/regbank_app-*.whl)
        printf 'X' | dd of="$wheel" bs=1 seek=100 conv=notrunc status=none
        {VERIFY} /tmp/tampered --public-key {PUBLIC_KEY}
    """
    result = host.run(script)
    host.run("rm -rf /tmp/tampered")
    assert result.rc == 1
    assert "НЕ прошёл проверку" in result.stderr
    assert "изменён: wheels/regbank_app-" in result.stderr


NAME = "bank.molecule.regbank.test"


def _https(host):
    """curl to the public name over the container's own address (not loopback)."""
    address = host.check_output("hostname -I").split()[0]
    return address, f"curl -sS --cacert /etc/regbank/pki/ca.crt --resolve {NAME}:443:{address}"


def test_login_page_and_static_files_through_nginx(host):
    _, curl = _https(host)
    answer = host.check_output(f"{curl} -D - https://{NAME}/accounts/login/")
    headers, _, page = answer.replace("\r", "").partition("\n\n")
    headers = headers.lower()
    assert "Вход в систему" in page
    assert "strict-transport-security: max-age=" in headers
    assert "x-frame-options: deny" in headers
    css = host.check_output(
        f"{curl} -o /dev/null -w '%{{http_code}} %{{content_type}}' https://{NAME}/static/css/regbank.css"
    )
    assert css == "200 text/css"


def test_administrator_logs_in_through_nginx(host):
    _, curl = _https(host)
    script = f"""
        set -e
        jar=$(mktemp); page=$(mktemp)
        {curl} -c $jar -b $jar -o $page https://{NAME}/accounts/login/
        token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' $page \\
            | sed 's/.*value="//; s/"$//')
        {curl} -c $jar -b $jar -e https://{NAME}/accounts/login/ -H 'Origin: https://{NAME}' \
            --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode username=admin \
            --data-urlencode password=Molecule-Admin-2026 \
            -o /dev/null -w '%{{http_code}} %{{redirect_url}}' https://{NAME}/accounts/login/
        rm -f $jar $page
    """
    assert host.check_output(script) == f"302 https://{NAME}/"


def test_application_sees_the_client_address_from_nginx(host):
    address, curl = _https(host)
    host.check_output(f"{curl} -o /dev/null https://{NAME}/health/")
    nginx_line = host.check_output("tail -n 1 /var/log/nginx/regbank-access.log")
    request_id = json.loads(nginx_line)["request_id"]
    lines = host.check_output("journalctl -u regbank-app -o cat -n 200 --no-pager").splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    mine = [entry for entry in entries if entry.get("request_id") == request_id]
    assert mine, request_id
    # gunicorn sees 127.0.0.1; the application logs the client's address from X-Real-IP.
    assert mine[0]["client_ip"] == address


def test_extra_file_in_bundle_is_refused(host):
    bundle = host.check_output(f"ls -d {BUNDLES}/*/").split()[0]
    result = host.run(
        f"rm -rf /tmp/extra && cp -a {bundle} /tmp/extra && touch /tmp/extra/wheels/evil.whl && "
        f"{VERIFY} /tmp/extra --public-key {PUBLIC_KEY}; rc=$?; rm -rf /tmp/extra; exit $rc"
    )
    assert result.rc == 1
    assert "лишний файл: wheels/evil.whl" in result.stderr
