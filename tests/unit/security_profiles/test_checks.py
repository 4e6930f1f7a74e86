"""Checks: the read-only guard, the registry, applicability and the parsing of real outputs.

Outputs below are copied from Debian 12 hosts; the lab test (tests/lab/test_attest.py)
runs the same checks against real hosts.
"""

import json
import re
import shlex

import pytest

from regbank_foundation.paths import KIT_ROOT
from security_profiles.catalog import load_catalogs
from security_profiles.checks import REGISTRY, HostContext
from security_profiles.checks.application import BINDING_SQL
from security_profiles.checks.reader import (
    READ_ONLY_PG,
    NotInstalled,
    Output,
    Reader,
    RefusedCommand,
    is_read_only,
)
from security_profiles.checks.tls import CA, https_get
from security_profiles.evidence.applicability import applies, role_hosts


def reader(answers: dict[str, Output | str]) -> Reader:
    """A Reader whose host answers from a table of command → output (127 when unknown)."""

    def execute(command: str) -> Output:
        answer = answers.get(command, Output(127, "", "not found"))
        return Output(0, answer, "") if isinstance(answer, str) else answer

    return Reader(execute)


CONTEXT = HostContext("region-srv", ("regional",), {})


@pytest.mark.parametrize(
    "argv",
    [
        ["sshd", "-T"],
        ["nft", "list", "ruleset"],
        ["systemctl", "is-active", "auditd"],
        ["openssl", "s_client", "-connect", "127.0.0.1:443"],
        ["runuser", "-u", "postgres", "--", "env", "PGOPTIONS=x", "psql", "-c", "SHOW ssl"],
        ["pgbackrest", "info", "--log-level-file=off"],
        ["ip", "-o", "addr", "show"],
    ],
)
def test_read_only_commands_pass(argv):
    assert is_read_only(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["rm", "-rf", "/"],
        ["systemctl", "restart", "sshd"],
        ["nft", "flush", "ruleset"],
        ["openssl", "req", "-new"],
        ["openssl", "x509", "-in", "a", "-out", "b"],
        ["sysctl", "-w", "kernel.x=1"],
        ["sysctl", "kernel.x=1"],
        ["ip", "addr", "add", "10.0.0.1/24", "dev", "eth0"],
        ["runuser", "-u", "postgres", "--", "psql", "-c", "DROP TABLE x"],
        ["pgbackrest", "backup"],
        ["modprobe", "usb-storage"],
        ["env", "A=1", "touch", "/etc/x"],
    ],
)
def test_writing_commands_are_refused(argv):
    assert not is_read_only(argv)
    with pytest.raises(RefusedCommand):
        reader({}).run(*argv)


def test_a_missing_program_is_not_installed():
    with pytest.raises(NotInstalled):
        reader({}).run("sshd", "-T")
    result = REGISTRY["ssh_keys_only"].run(reader({}), CONTEXT)
    assert not result.passed and result.observed.startswith("не установлено")


def test_every_check_evidences_known_measures_and_says_what_it_expects():
    catalog = load_catalogs()["fstec21"]
    assert len(REGISTRY) >= 25
    for check in REGISTRY.values():
        assert check.measures and all(catalog.measure(code) for code in check.measures), check.id
        assert check.title and check.expected and check.role


def test_checks_follow_the_groups_of_site_yml(tmp_path):
    site = tmp_path / "site.yml"
    site.write_text(
        "- {name: x, hosts: all, roles: [os_hardening]}\n"
        "- {name: y, hosts: regional, roles: [{role: nginx}]}\n",
        encoding="utf-8",
    )
    roles = role_hosts(site)
    assert roles == {"os_hardening": {"all"}, "nginx": {"regional"}}
    nginx, forwarding = REGISTRY["nginx_tls"], REGISTRY["log_forwarding"]
    assert applies(nginx, ("regional",), roles)
    assert not applies(nginx, ("workstations",), roles)
    assert not applies(forwarding, ("regional",), roles)  # the regional server receives
    assert applies(forwarding, ("workstations",), roles)
    # The application and its backups live on the regional server only.
    site_roles = role_hosts(KIT_ROOT / "playbooks" / "site.yml")
    for check_id in ("app_login_notice", "app_requires_login", "app_external_users_bound",
                     "backup_restorable"):  # fmt: skip
        check = REGISTRY[check_id]
        assert applies(check, ("regional",), site_roles), check_id
        assert not applies(check, ("municipal",), site_roles), check_id
        assert not applies(check, ("workstations",), site_roles), check_id


SSHD_HARDENED = """port 22
permitrootlogin no
pubkeyauthentication yes
passwordauthentication no
kbdinteractiveauthentication no
permitemptypasswords no
maxauthtries 3
clientaliveinterval 300
clientalivecountmax 2
banner /etc/issue.net
ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com
macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256
"""
SSHD_DEBIAN = """permitrootlogin without-password
passwordauthentication yes
maxauthtries 6
clientaliveinterval 0
clientalivecountmax 3
banner none
macs umac-64-etm@openssh.com,hmac-sha1
"""


@pytest.mark.parametrize(
    "check_id", ["ssh_root_login_disabled", "ssh_keys_only", "ssh_strong_crypto",
                 "ssh_idle_timeout", "ssh_max_auth_tries", "ssh_login_banner"]
)  # fmt: skip
def test_ssh_checks_pass_hardened_and_fail_debian_defaults(check_id):
    hardened = reader({"sshd -T": SSHD_HARDENED, "cat /etc/issue.net": "Доступ только для…\n"})
    assert REGISTRY[check_id].run(hardened, CONTEXT).passed
    assert not REGISTRY[check_id].run(reader({"sshd -T": SSHD_DEBIAN}), CONTEXT).passed


RULESET = """table inet regbank {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tiif "lo" accept
\t\tip saddr 10.89.0.0/24 tcp dport 22 accept
\t}
}
"""


def test_firewall_reads_the_input_policy_and_the_ssh_rule():
    installed = "dpkg-query -W -f '${db:Status-Status}' nftables"
    host = reader({installed: "installed", "nft list ruleset": RULESET})
    drop = REGISTRY["firewall_default_drop"].run(host, CONTEXT)
    ssh = REGISTRY["firewall_ssh_allowed"].run(host, CONTEXT)
    assert drop.passed and drop.observed == "input: policy drop"
    assert ssh.passed and "tcp dport 22 accept" in ssh.observed
    accepting = reader(
        {installed: "installed", "nft list ruleset": RULESET.replace("drop;", "accept;")}
    )
    assert not REGISTRY["firewall_default_drop"].run(accepting, CONTEXT).passed


# Debian's login.defs separates keys and values with tabs.
LOGIN_DEFS_HARDENED = "UMASK\t\t027\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\nPASS_WARN_AGE\t14\n"
LOGIN_DEFS_DEBIAN = "UMASK\t\t022\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\n"


@pytest.mark.parametrize("check_id", ["password_ageing", "default_umask"])
def test_login_defs_checks_read_tab_separated_values(check_id):
    hardened = REGISTRY[check_id].run(reader({"cat /etc/login.defs": LOGIN_DEFS_HARDENED}), CONTEXT)
    assert hardened.passed, hardened.observed
    assert "—" not in hardened.observed
    debian = REGISTRY[check_id].run(reader({"cat /etc/login.defs": LOGIN_DEFS_DEBIAN}), CONTEXT)
    assert not debian.passed and "—" not in debian.observed


def installed(*packages: str) -> dict[str, str]:
    return {f"dpkg-query -W -f '${{db:Status-Status}}' {p}": "installed" for p in packages}


def fresh_debian(*packages: str) -> Reader:
    """A bare Debian 12: dpkg-query knows none of the packages."""
    return reader({
        f"dpkg-query -W -f '${{db:Status-Status}}' {p}":
        Output(1, "", f"dpkg-query: no packages found matching {p}\n")
        for p in packages
    })  # fmt: skip


def psql(sql: str, database: str = "postgres") -> str:
    """The command a check runs for ``sql`` (security_profiles.checks.database.query)."""
    return shlex.join(["runuser", "-u", "postgres", "--", "env", f"PGOPTIONS={READ_ONLY_PG}",
                       "psql", "-XAtq", "-d", database, "-F", "\t", "-c", sql])  # fmt: skip


SITE = HostContext("region-srv", ("regional",), {"regbank_public_name": "bank.region.lab"})
NGINX_HEADERS = (
    "Server: nginx\r\nDate: Sun, 22 Nov 2026 09:41:07 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
)
SECURITY_HEADERS = (
    "Strict-Transport-Security: max-age=31536000\r\nX-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\nReferrer-Policy: same-origin\r\n"
)
# The application's login page as nginx serves it (app_bundle, 22.11.2026; csrf token cut).
LOGIN_PAGE = """<!DOCTYPE html>
<html lang="ru">
<head>
  <meta charset="utf-8">
  <title>Вход — Банк данных СОП</title>
  <link rel="stylesheet" href="/static/css/regbank.css">
</head>
<body>
<main id="main">
<h1>Вход в систему</h1>

<div class="note" id="personal-data-notice" role="note">
  <p><strong>Внимание!</strong> В системе обрабатываются персональные данные несовершеннолетних
  и их семей. Доступ разрешён только уполномоченным лицам в пределах их полномочий. Все действия
  пользователей регистрируются и контролируются. Неправомерный доступ, разглашение и использование
  персональных данных влекут ответственность по законодательству Российской Федерации
  (Федеральный закон № 152-ФЗ). Нажимая «Войти», вы подтверждаете, что ознакомлены
  с этими правилами.</p>
</div>
<form method="post" class="stacked" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="yN7pmJaULomeErt7">
<div class="field">
  <label for="id_username">Имя входа</label><span class="req" aria-hidden="true">*</span>
  <input type="text" name="username" autofocus autocapitalize="none" autocomplete="username"
    maxlength="150" required id="id_username">
</div>
<div class="field">
  <label for="id_password">Пароль</label><span class="req" aria-hidden="true">*</span>
  <input type="password" name="password" autocomplete="current-password" required id="id_password">
</div>
  <input type="hidden" name="next" value="">
  <div class="actions"><button type="submit">Войти</button></div>
</form>
</main>
<footer class="foot">Персональные данные. Обработка — в соответствии с 152-ФЗ.
Все действия пользователей записываются в журнал.</footer>
</body>
</html>
"""
# The page before the notice: only the footer speaks of personal data.
LOGIN_PAGE_BEFORE = re.sub(r'<div class="note".*?</div>\n', "", LOGIN_PAGE, flags=re.S)
# s_client when nothing listens on 443 (stdout empty).
REFUSED = Output(
    1,
    "",
    "40C7B1E2F57F0000:error:8000006F:system library:BIO_connect:Connection refused:"
    "../crypto/bio/bio_sock2.c:114:calling connect()\nconnect:errno=111\n",
)


def page(body: str, status: str = "200 OK") -> str:
    return f"HTTP/1.1 {status}\r\n{NGINX_HEADERS}{SECURITY_HEADERS}\r\n{body}"


def redirect(path: str) -> str:
    return page("", "302 Found").replace(
        "Connection: close\r\n", f"Connection: close\r\nLocation: /accounts/login/?next={path}\r\n"
    )


def https_site(answers: dict[str, str | Output], ca: bool = True) -> Reader:
    """A host whose nginx answers ``GET path`` (sent through openssl s_client) from a table."""

    def execute(command: str) -> Output:
        if command == f"test -e {CA}":
            return Output(0 if ca else 1, "", "")
        request = re.search(r"\nGET (\S+) HTTP/1.0\nHost: bank.region.lab\n", command)
        if not command.startswith("openssl s_client") or request is None:
            return Output(127, "", "not found")
        assert "-verify_hostname bank.region.lab" in command and f"-CAfile {CA}" in command
        answer = answers.get(request[1], REFUSED)
        return Output(0, answer, "") if isinstance(answer, str) else answer

    return Reader(execute)


def test_https_get_reads_status_headers_and_body():
    answer = https_get(https_site({"/families/": redirect("/families/")}), "bank.region.lab",
                       "/families/")  # fmt: skip
    assert answer.status == 302
    assert answer.headers["location"] == "/accounts/login/?next=/families/"
    refused = https_get(https_site({}), "bank.region.lab", "/")
    assert refused.status is None and "Connection refused" in refused.describe()


def test_login_notice_passes_on_the_application_and_fails_without_the_notice():
    check = REGISTRY["app_login_notice"]
    passed = check.run(https_site({"/accounts/login/": page(LOGIN_PAGE)}), SITE)
    assert passed.passed, passed.observed
    assert "Внимание! В системе обрабатываются" in passed.observed
    assert passed.observed.endswith("поле пароля type=password")
    before = check.run(https_site({"/accounts/login/": page(LOGIN_PAGE_BEFORE)}), SITE)
    assert not before.passed and "предупреждения (#personal-data-notice) нет" in before.observed
    shown = LOGIN_PAGE.replace('type="password"', 'type="text"')
    visible = check.run(https_site({"/accounts/login/": page(shown)}), SITE)
    assert not visible.passed and "type=text" in visible.observed
    vague = LOGIN_PAGE.replace("уполномоченным лицам", "сотрудникам")
    assert not check.run(https_site({"/accounts/login/": page(vague)}), SITE).passed


def test_login_notice_fails_on_a_host_without_the_site():
    check = REGISTRY["app_login_notice"]
    fresh = check.run(https_site({}, ca=False), SITE)
    assert not fresh.passed and fresh.observed == f"{CA}: нет (роль pki не применена)"
    down = check.run(https_site({}), SITE)
    assert not down.passed and "нет ответа HTTPS" in down.observed
    error = check.run(
        https_site({"/accounts/login/": page("Bad Gateway", "502 Bad Gateway")}), SITE
    )
    assert not error.passed and error.observed == "/accounts/login/: 502"


PROTECTED = ("/", "/families/", "/minors/", "/plans/", "/audit/", "/analytics/", "/accounts/users/")


def test_requires_login_sees_every_page_redirect_to_login():
    check = REGISTRY["app_requires_login"]
    guarded = {path: redirect(path) for path in PROTECTED}
    result = check.run(https_site(guarded), SITE)
    assert result.passed, result.observed
    assert "/audit/ → 302 /accounts/login/" in result.observed
    opened = check.run(https_site(guarded | {"/analytics/": page("<h1>Аналитика</h1>")}), SITE)
    assert not opened.passed and "/analytics/ → 200" in opened.observed
    assert not check.run(https_site(guarded, ca=False), SITE).passed
    assert not check.run(https_site({}), SITE).passed  # nothing listens: no redirect either


def test_external_users_bound_reads_the_constraints_and_the_accounts():
    check = REGISTRY["app_external_users_bound"]
    command = psql(BINDING_SQL, "regbank")
    bound = "user_agency_required_for_specialist,user_mo_required_for_municipal_officer\t14\t0\n"
    result = check.run(reader(installed("postgresql-15") | {command: bound}), SITE)
    assert result.passed, result.observed
    assert "без привязки: 0" in result.observed
    unbound = bound.replace("\t0\n", "\t2\n")
    assert not check.run(reader(installed("postgresql-15") | {command: unbound}), SITE).passed
    # A database without the constraints (an older schema) fails even with no accounts.
    no_rules = check.run(reader(installed("postgresql-15") | {command: "\t0\t0\n"}), SITE)
    assert not no_rules.passed and "ограничения: нет" in no_rules.observed
    fresh = check.run(fresh_debian("postgresql-15"), SITE)
    assert not fresh.passed and fresh.observed == "не установлено: пакет postgresql-15"


PGBACKREST_INFO = (
    "runuser -u postgres -- pgbackrest info --output=json --log-level-console=off "
    "--log-level-stderr=off --log-level-file=off"
)
ARCHIVER_SQL = (
    "SELECT coalesce(last_archived_wal, ''), "
    "coalesce(last_failed_time > last_archived_time, false) FROM pg_stat_archiver"
)


def _backup(label: str, kind: str, start: str, stop: str, stamp: int) -> dict:
    return {
        "archive": {"start": start, "stop": stop},
        "backrest": {"format": 5, "version": "2.47"},
        "database": {"id": 1, "repo-key": 1},
        "error": False,
        "info": {"delta": 31522134, "repository": {"delta": 3979213, "size": 3979213},
                 "size": 31522134},
        "label": label,
        "lsn": {"start": "0/5000028", "stop": "0/5000100"},
        "prior": None if kind == "full" else "20261122-093012F",
        "reference": None if kind == "full" else ["20261122-093012F"],
        "timestamp": {"start": stamp, "stop": stamp + 4},
        "type": kind,
    }  # fmt: skip


def _stanza(archive_min, archive_max, backups, status=(0, "ok")) -> list[dict]:
    """`pgbackrest info --output=json` of pgBackRest 2.47 (Debian 12), encrypted repository."""
    return [{
        "archive": [{"database": {"id": 1, "repo-key": 1}, "id": "15-1",
                     "max": archive_max, "min": archive_min}],
        "backup": backups,
        "cipher": "aes-256-cbc",
        "db": [{"id": 1, "repo-key": 1, "system-id": 7305139623482219837, "version": "15"}],
        "name": "regbank",
        "repo": [{"cipher": "aes-256-cbc", "key": 1,
                  "status": {"code": status[0], "message": status[1]}}],
        "status": {"code": status[0], "lock": {"backup": {"held": False}}, "message": status[1]},
    }]  # fmt: skip


FULL = _backup("20261122-093012F", "full", "000000010000000000000005", "000000010000000000000005",
               1795253412)  # fmt: skip
DIFF = _backup("20261122-093012F_20261123-013004D", "diff", "00000001000000000000000B",
               "00000001000000000000000B", 1795311004)  # fmt: skip


def backup_host(info: list[dict], archiver: str) -> Reader:
    return reader(installed("pgbackrest", "postgresql-15")
                  | {PGBACKREST_INFO: json.dumps(info), psql(ARCHIVER_SQL): archiver})  # fmt: skip


def test_backup_restorable_needs_a_full_backup_inside_a_live_wal_archive():
    check = REGISTRY["backup_restorable"]
    sound = _stanza("000000010000000000000005", "00000001000000000000000D", [FULL, DIFF])
    result = check.run(backup_host(sound, "00000001000000000000000D\tf\n"), SITE)
    assert result.passed, result.observed
    assert result.observed == (
        "regbank: полная копия 20261122-093012F (WAL 000000010000000000000005–"
        "000000010000000000000005); архив WAL 000000010000000000000005–00000001000000000000000D; "
        "последний отправленный WAL 00000001000000000000000D"
    )
    # Archiving fails since its last success: no point in time after it can be reached.
    failing = check.run(backup_host(sound, "00000001000000000000000D\tt\n"), SITE)
    assert not failing.passed and "после него сбой отправки" in failing.observed
    # The WAL the full backup needs is no longer in the archive.
    expired = _stanza("000000010000000000000007", "00000001000000000000000D", [FULL, DIFF])
    assert not check.run(backup_host(expired, "00000001000000000000000D\tf\n"), SITE).passed
    # Only a differential backup: nothing to restore it onto.
    only_diff = _stanza("000000010000000000000005", "00000001000000000000000D", [DIFF])
    assert not check.run(backup_host(only_diff, "00000001000000000000000D\tf\n"), SITE).passed


def test_backup_restorable_fails_on_a_new_stanza_and_a_fresh_host():
    check = REGISTRY["backup_restorable"]
    empty = _stanza(None, None, [], status=(2, "no valid backups"))
    result = check.run(backup_host(empty, "\tf\n"), SITE)
    assert not result.passed
    assert (
        "no valid backups; полных копий 0" in result.observed and "архив WAL —–—" in result.observed
    )
    fresh = check.run(fresh_debian("pgbackrest", "postgresql-15"), SITE)
    assert not fresh.passed and fresh.observed == "не установлено: пакет pgbackrest"


# The lab's regional server (04.12.2026): its input chain, its tunnel and its peers.
REGIONAL_INPUT = """table inet regbank_filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tiif "lo" accept
\t\tip saddr 10.89.0.0/24 tcp dport 22 accept comment "ssh from the management networks"
\t\tip saddr 10.89.0.0/24 udp dport 51820 accept comment "VPN hub (WireGuard)"
\t\tip saddr { 10.77.0.0/24, 10.89.0.1 } tcp dport 443 accept comment "registry web site (nginx)"
\t\tip saddr 10.77.0.13 tcp dport 5432 accept comment "replication from the municipal servers"
\t\tip saddr 10.89.0.0/24 tcp dport 9100 accept comment "node exporter"
\t}
}
"""
WG0 = (
    '[{"ifindex":2,"ifname":"wg0","flags":["POINTOPOINT","MULTICAST","NOARP","UP","LOWER_UP"],'
    '"mtu":1380,"operstate":"UNKNOWN","addr_info":[{"family":"inet","local":"10.77.0.10",'
    '"prefixlen":32,"scope":"global","label":"wg0"}]}]'
)
HANDSHAKES = (
    "MV5GFICKYYluvL1lQX0vFbifXsFJgjtT6s/A4wYq4w4=\t1796378663\n"
    "pyDxNS4BoKq7tcUV8P+hh+0rp/EXG0caZ1wwVbELEHA=\t1796378640\n"
)
VPN_CONTEXT = HostContext(
    "region-srv",
    ("regional",),
    {
        "regbank_vpn_network": "10.77.0.0/24",
        "vpn_address": "10.77.0.10",
        "regbank_management_networks": ["10.89.0.0/24"],
    },
)


def tunnel_host(handshakes: str = HANDSHAKES, now: int = 1796378700) -> Reader:
    return reader({
        "ip -j -4 address show dev wg0": WG0,
        "wg show wg0 latest-handshakes": handshakes,
        "date +%s": f"{now}\n",
    })  # fmt: skip


def test_wg_reads_public_fields_only():
    assert is_read_only(["wg", "show", "wg0", "latest-handshakes"])
    assert not is_read_only(["wg", "show", "wg0"])  # prints the private key
    assert not is_read_only(["wg", "show", "wg0", "private-key"])
    assert not is_read_only(["wg", "set", "wg0", "peer", "x", "remove"])
    assert not is_read_only(["date", "-s", "2020-01-01"])


def test_tunnel_up_with_fresh_handshakes_names_wireguard_as_the_stand_in():
    up = REGISTRY["vpn_tunnel_up"].run(tunnel_host(), VPN_CONTEXT)
    assert up.passed, up.observed
    assert up.observed.startswith("WireGuard (лабораторная замена сертифицированного СКЗИ)")
    assert "пиров 2" in up.observed and "37 с назад" in up.observed


def test_tunnel_with_a_silent_peer_or_another_address_fails():
    stale = REGISTRY["vpn_tunnel_up"].run(tunnel_host(now=1796378640 + 301), VPN_CONTEXT)
    assert not stale.passed and "301 с назад" in stale.observed
    never = REGISTRY["vpn_tunnel_up"].run(tunnel_host(HANDSHAKES + "x=\t0\n"), VPN_CONTEXT)
    assert not never.passed and "никогда" in never.observed
    moved = HostContext(
        "region-srv", ("regional",), {**VPN_CONTEXT.variables, "vpn_address": "10.77.0.99"}
    )
    assert not REGISTRY["vpn_tunnel_up"].run(tunnel_host(), moved).passed
    no_interface = reader({"ip -j -4 address show dev wg0": Output(1, "", "Device does not exist")})
    assert REGISTRY["vpn_tunnel_up"].run(no_interface, VPN_CONTEXT).observed == "интерфейса wg0 нет"


def test_external_tunnel_is_named_with_its_certificate():
    context = HostContext("region-srv", ("regional",), {
        "regbank_vpn": "external",
        "regbank_vpn_external": {"product": "ViPNet Client 4", "certificate": "ФСБ СФ/124-4000",
                                 "interface": "infotecs0", "subnets": ["10.20.0.0/16"]},
    })  # fmt: skip
    host = reader({"ip -j -4 address show dev infotecs0": WG0.replace("wg0", "infotecs0")})
    up = REGISTRY["vpn_tunnel_up"].run(host, context)
    assert up.passed and up.observed == (
        "ViPNet Client 4 (сертификат ФСБ СФ/124-4000): интерфейс infotecs0 поднят"
    )


def firewall_host(ruleset: str) -> Reader:
    installed = "dpkg-query -W -f '${db:Status-Status}' nftables"
    return reader({installed: "installed", "nft list ruleset": ruleset})


def test_bank_ports_open_to_the_tunnel_and_the_management_networks_only():
    check = REGISTRY["bank_only_through_tunnel"]
    kept = check.run(firewall_host(REGIONAL_INPUT), VPN_CONTEXT)
    assert kept.passed, kept.observed
    assert kept.observed == "443: 10.77.0.0/24, 10.89.0.1; 5432: 10.77.0.13"
    to_all = REGIONAL_INPUT.replace(
        "ip saddr { 10.77.0.0/24, 10.89.0.1 } tcp dport 443", "tcp dport 443"
    )
    opened = check.run(firewall_host(to_all), VPN_CONTEXT)
    assert not opened.passed and opened.observed.endswith(
        "вне защищённой сети: 443 из откуда угодно"
    )
    host_network = REGIONAL_INPUT.replace("ip saddr 10.77.0.13 tcp", "ip saddr 10.90.0.13 tcp")
    assert "5432 из 10.90.0.13" in check.run(firewall_host(host_network), VPN_CONTEXT).observed
    accepting = check.run(firewall_host(REGIONAL_INPUT.replace("drop;", "accept;")), VPN_CONTEXT)
    assert not accepting.passed
    # a workstation serves neither port: nothing to keep behind the tunnel
    workstation = REGIONAL_INPUT.replace("tcp dport 443", "tcp dport 8443").replace("5432", "6514")
    assert (
        check.run(firewall_host(workstation), VPN_CONTEXT).observed == "порты 443 и 5432 не открыты"
    )


# A lab workstation after the workstation role (04.12.2026).
DCONF_LOCKS = """/org/gnome/desktop/lockdown/disable-lock-screen
/org/gnome/desktop/lockdown/disable-user-switching
/org/gnome/desktop/screensaver/idle-activation-enabled
/org/gnome/desktop/screensaver/lock-delay
/org/gnome/desktop/screensaver/lock-enabled
/org/gnome/desktop/session/idle-delay
"""
USBGUARD_RULES = """# Managed by the regbank workstation role.
block with-interface one-of { 08:*:* }
# Keyboards, mice (HID, class 03) and hubs (class 09)
allow with-interface match-all { 03:*:* 09:*:* }
"""
WORKSTATION = HostContext("ws-mo3", ("workstations",), {})


def screen_host(idle: str = "uint32 600", locks: str = DCONF_LOCKS) -> Reader:
    return reader({
        "dconf read /org/gnome/desktop/session/idle-delay": idle + "\n",
        "dconf read /org/gnome/desktop/screensaver/lock-enabled": "true\n",
        "dconf list-locks /org/gnome/desktop/": locks,
    })  # fmt: skip


def test_screen_lock_needs_a_short_idle_delay_locked_against_the_user():
    check = REGISTRY["screen_lock_enforced"]
    locked = check.run(screen_host(), WORKSTATION)
    assert locked.passed, locked.observed
    assert locked.observed == "idle-delay=uint32 600, lock-enabled=true, ключи заблокированы"
    assert not check.run(screen_host(idle="uint32 3600"), WORKSTATION).passed
    assert not check.run(screen_host(idle=""), WORKSTATION).passed  # never set: never locks
    unlocked = check.run(
        screen_host(locks=DCONF_LOCKS.replace("session/idle-delay", "x")), WORKSTATION
    )
    assert not unlocked.passed
    assert unlocked.observed.endswith("не заблокированы: /org/gnome/desktop/session/idle-delay")
    assert "не установлено" in check.run(reader({}), WORKSTATION).observed


def usbguard_host(rules: str = USBGUARD_RULES, implicit: str = "block") -> Reader:
    return reader({
        "cat /etc/usbguard/rules.conf": rules,
        "cat /etc/usbguard/usbguard-daemon.conf": f"RuleFile=/etc/usbguard/rules.conf\n"
                                                  f"ImplicitPolicyTarget={implicit}\n",
        "systemctl is-enabled usbguard": "enabled\n",
    })  # fmt: skip


def test_usbguard_blocks_storage_first_and_keeps_keyboards():
    check = REGISTRY["usbguard_blocks_storage"]
    kept = check.run(usbguard_host(), WORKSTATION)
    assert kept.passed, kept.observed
    # a keyboard rule first would let a keyboard-and-flash-drive device through
    swapped = "\n".join(reversed(USBGUARD_RULES.splitlines()))
    assert not check.run(usbguard_host(rules=swapped), WORKSTATION).passed
    assert not check.run(usbguard_host(implicit="allow"), WORKSTATION).passed
    no_hid = USBGUARD_RULES.replace("allow with-interface match-all { 03:*:* 09:*:* }", "")
    assert "HID не разрешён" in check.run(usbguard_host(rules=no_hid), WORKSTATION).observed
    missing = reader({"cat /etc/usbguard/rules.conf": Output(1, "", "No such file")})
    assert check.run(missing, WORKSTATION).observed == "нет /etc/usbguard/rules.conf"


# The policies the workstation role writes (04.12.2026), less what the check ignores.
CHROMIUM_POLICY = {
    "URLBlocklist": ["*"], "URLAllowlist": ["https://.bank.lab.regbank.test"],
    "PasswordManagerEnabled": False, "AutofillAddressEnabled": False,
    "AutofillCreditCardEnabled": False, "ExtensionInstallBlocklist": ["*"],
    "DeveloperToolsAvailability": 2, "DownloadRestrictions": 3,
}  # fmt: skip
FIREFOX_POLICY = {"policies": {
    "WebsiteFilter": {"Block": ["<all_urls>"], "Exceptions": ["https://bank.lab.regbank.test/*"]},
    "PasswordManagerEnabled": False, "AutofillAddressEnabled": False,
    "AutofillCreditCardEnabled": False, "DisableDeveloperTools": True,
    "ExtensionSettings": {"*": {"installation_mode": "blocked"}},
}}  # fmt: skip
MANAGED = "/etc/chromium/policies/managed"


def browser_host(chromium: dict | None = None, extra: dict | None = None,
                 mode: str = "root 644") -> Reader:  # fmt: skip
    files = {"regbank.json": chromium or CHROMIUM_POLICY, **(extra or {})}
    answers = {
        shlex.join(["dpkg-query", "-W", "-f", "${db:Status-Status}", package]): "installed"
        for package in ("chromium", "firefox-esr")
    }
    answers[f"ls -1 {MANAGED}"] = "\n".join(files) + "\n"
    for path, content in [*((f"{MANAGED}/{n}", c) for n, c in files.items()),
                          ("/etc/firefox/policies/policies.json", FIREFOX_POLICY)]:  # fmt: skip
        answers[f"cat {path}"] = json.dumps(content)
        answers[shlex.join(["stat", "-c", "%U %a", path])] = mode + "\n"
    return reader(answers)


def test_browser_policies_lock_both_browsers_to_the_bank():
    check = REGISTRY["browser_policies_in_force"]
    locked = check.run(browser_host(), WORKSTATION)
    assert locked.passed, locked.observed
    open_web = check.run(browser_host({**CHROMIUM_POLICY, "URLBlocklist": []}), WORKSTATION)
    assert open_web.observed == "Chromium: regbank.json задаёт URLBlocklist иначе"
    # a second managed file that lifts a ban wins as often as ours: refused
    lifted = check.run(browser_host(extra={"zz.json": {"DeveloperToolsAvailability": 0}}),
                       WORKSTATION)  # fmt: skip
    assert lifted.observed == "Chromium: zz.json задаёт DeveloperToolsAvailability иначе"
    writable = check.run(browser_host(mode="root 666"), WORKSTATION)
    assert not writable.passed and "может изменить не только root" in writable.observed
    http = check.run(browser_host({**CHROMIUM_POLICY, "URLAllowlist": ["http://x"]}), WORKSTATION)
    assert "не только https банка" in http.observed
    listed = check.run(browser_host(extra={"zz.json": ["not", "an", "object"]}), WORKSTATION)
    assert listed.observed == f"Chromium: {MANAGED}/zz.json — не объект JSON: браузер его не читает"
    absent = check.run(reader({
        shlex.join(["dpkg-query", "-W", "-f", "${db:Status-Status}", package]):
            Output(1, "", "no packages found") for package in ("chromium", "firefox-esr")
    }), WORKSTATION)  # fmt: skip
    assert absent.observed == "chromium не установлен; firefox-esr не установлен"


NOW = shlex.join(["date", "+%Y-%m-%d %H:%M:%S"])


def clamav_host(version: str, mirror: str = "PrivateMirror http://10.77.0.10/clamav") -> Reader:
    return reader({
        "clamscan --version": version + "\n",
        "cat /etc/clamav/freshclam.conf": f"DatabaseOwner clamav\n{mirror}\n",
        NOW: "2026-12-04 13:00:00\n",
    })  # fmt: skip


def test_antivirus_signatures_must_be_fresh_and_from_the_mirror():
    check = REGISTRY["antivirus_signatures_fresh"]
    fresh = check.run(clamav_host("ClamAV 1.0.7/27478/Wed Dec  2 08:33:09 2026"), WORKSTATION)
    assert fresh.passed, fresh.observed
    assert fresh.observed == (
        "ClamAV 1.0.7, база daily 27478 от 02.12.2026 08:33 (2 дн.); "
        "зеркало http://10.77.0.10/clamav"
    )
    stale = check.run(clamav_host("ClamAV 1.0.7/27400/Mon Nov 23 08:33:09 2026"), WORKSTATION)
    assert not stale.passed and "(11 дн.)" in stale.observed
    # the lab's workstations: ClamAV without a signature source
    none = check.run(clamav_host("ClamAV 1.0.7", mirror=""), WORKSTATION)
    assert not none.passed
    assert none.observed == "ClamAV 1.0.7: базы сигнатур не загружены; зеркало не задано"
    no_mirror = check.run(
        clamav_host("ClamAV 1.0.7/27478/Wed Dec  2 08:33:09 2026", mirror=""), WORKSTATION
    )
    assert not no_mirror.passed
    odd = check.run(clamav_host("ClamAV 1.0.7/27478/позавчера"), WORKSTATION)
    assert odd.observed.startswith("дата базы сигнатур не прочитана: ClamAV 1.0.7/27478/позавчера")
    assert "не установлено" in check.run(reader({}), WORKSTATION).observed


def test_a_certified_antivirus_is_named_with_its_certificate():
    check = REGISTRY["antivirus_signatures_fresh"]
    named = HostContext("ws-mo3", ("workstations",), {
        "workstation_antivirus": "external",
        "workstation_antivirus_external": {"product": "Kaspersky Endpoint Security 12",
                                           "certificate": "ФСТЭК № 4448"},
    })  # fmt: skip
    observed = check.run(reader({}), named)
    assert observed.passed
    assert observed.observed.startswith("Kaspersky Endpoint Security 12 (сертификат ФСТЭК № 4448)")
    unnamed = HostContext("ws-mo3", ("workstations",), {"workstation_antivirus": "external"})
    assert not check.run(reader({}), unnamed).passed
