"""Checks: the read-only guard, the registry, applicability and the parsing of real outputs.

Outputs below are copied from Debian 12 hosts; the lab test (tests/lab/test_attest.py)
runs the same checks against real hosts.
"""

import pytest

from security_profiles.catalog import load_catalogs
from security_profiles.checks import REGISTRY, HostContext
from security_profiles.checks.reader import (
    NotInstalled,
    Output,
    Reader,
    RefusedCommand,
    is_read_only,
)
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
