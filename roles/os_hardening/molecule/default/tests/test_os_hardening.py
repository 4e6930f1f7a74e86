"""What an operator sees on a host the os_hardening role has converged."""

import os
import subprocess

import pytest

ADMIN = "rbadmin"


def sshd_settings(host):
    """sshd's effective settings (sshd -T), as a dict of lists of values."""
    settings = {}
    for line in host.check_output("/usr/sbin/sshd -T").splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key, []).append(value)
    return settings


def test_sshd_keys_only_no_root(host):
    sshd = sshd_settings(host)
    assert sshd["permitrootlogin"] == ["no"]
    assert sshd["passwordauthentication"] == ["no"]
    assert sshd["kbdinteractiveauthentication"] == ["no"]
    assert sshd["pubkeyauthentication"] == ["yes"]
    assert sshd["authenticationmethods"] == ["publickey"]
    assert sshd["maxauthtries"] == ["3"]


def test_sshd_modern_algorithms(host):
    sshd = sshd_settings(host)
    ciphers = sshd["ciphers"][0].split(",")
    macs = sshd["macs"][0].split(",")
    kex = sshd["kexalgorithms"][0].split(",")
    assert not [c for c in ciphers if c.endswith("-cbc") or "3des" in c]
    assert all(m.endswith("-etm@openssh.com") for m in macs)
    assert not [k for k in kex if "sha1" in k or "group14" in k]


def test_sshd_idle_timeout_banner_and_allowed_users(host):
    sshd = sshd_settings(host)
    assert sshd["clientaliveinterval"] == ["300"]
    assert sshd["clientalivecountmax"] == ["2"]
    assert sshd["banner"] == ["/etc/issue.net"]
    # The admin the inventory declares is always among the allowed users.
    assert ADMIN in sshd["allowusers"]
    banner = host.file("/etc/issue.net").content_string
    assert "персональные данные" in banner
    assert "ответственность" in banner


def test_sshd_config_is_validated_and_private(host):
    config = host.file("/etc/ssh/sshd_config")
    assert config.mode == 0o600
    assert "NoSuchSshdOption" not in config.content_string
    assert host.run("/usr/sbin/sshd -t").rc == 0
    assert host.service("ssh").is_running


def test_pam_password_quality(host):
    conf = host.file("/etc/security/pwquality.conf").content_string
    assert "minlen = 12" in conf
    assert "minclass = 3" in conf
    assert "pam_pwquality.so" in host.file("/etc/pam.d/common-password").content_string
    # A weak password is refused by the real check.
    result = host.run("echo 'qwerty1' | pwscore")
    assert result.rc != 0


def test_pam_faillock(host):
    conf = host.file("/etc/security/faillock.conf").content_string
    assert "deny = 5" in conf
    assert "unlock_time = 900" in conf
    auth = host.file("/etc/pam.d/common-auth").content_string
    assert "pam_faillock.so preauth" in auth
    assert "pam_faillock.so authfail" in auth
    assert "pam_faillock.so" in host.file("/etc/pam.d/common-account").content_string
    assert host.run(f"faillock --user {ADMIN}").rc == 0


def test_password_ageing(host):
    defs = host.file("/etc/login.defs").content_string
    assert "PASS_MAX_DAYS\t90" in defs
    assert "PASS_MIN_DAYS\t1" in defs
    assert "PASS_WARN_AGE\t14" in defs
    # The key-only admin's password never expires (an expired one would fail PAM's account check).
    assert host.check_output(f"chage -l {ADMIN}").count("never") >= 2


def test_umask_and_shell_timeout(host):
    assert "UMASK\t\t027" in host.file("/etc/login.defs").content_string
    assert host.check_output("bash -lc umask") == "0027"
    assert "TMOUT=900" in host.file("/etc/profile.d/regbank-hardening.sh").content_string


def test_sudo_logs_to_its_file(host):
    assert host.run("visudo -c").rc == 0
    sudoers = host.file("/etc/sudoers.d/10-regbank-hardening").content_string
    assert 'logfile="/var/log/sudo.log"' in sudoers
    with host.sudo(ADMIN):
        assert host.check_output("sudo -n id -un") == "root"
    assert "COMMAND=/usr/bin/id -un" in host.file("/var/log/sudo.log").content_string


def test_audit_rules(host):
    rules = host.file("/etc/audit/rules.d/50-regbank.rules").content_string
    for expected in (
        "-w /etc/shadow -p wa -k identity",
        "-w /etc/sudoers -p wa -k scope",
        "-S adjtimex,settimeofday,clock_settime -k time-change",
        "-S init_module,finit_module,delete_module -k modules",
        "-F exit=-EACCES",
        "-F exit=-EPERM",
        "-F path=/usr/bin/sudo -F perm=x",
        "-F path=/usr/bin/passwd -F perm=x",
    ):
        assert expected in rules
    # augenrules compiled rules.d into audit.rules: nothing left to regenerate.
    assert "-w /etc/shadow -p wa -k identity" in host.file("/etc/audit/audit.rules").content_string
    assert "No change" in host.run("augenrules --check").stdout
    assert host.package("auditd").is_installed


def test_auditd_not_started_in_a_container(host):
    # The kernel's audit belongs to the host (LAB-NOTES): the role keeps auditd stopped here.
    assert host.check_output("systemd-detect-virt") == "docker"
    assert not host.service("auditd").is_running


def test_persistent_journal(host):
    conf = host.file("/etc/systemd/journald.conf.d/50-regbank.conf").content_string
    assert "Storage=persistent" in conf
    assert host.file("/var/log/journal").is_directory
    assert host.run("ls /var/log/journal/*/system.journal").rc == 0


def test_aide_database_and_daily_timer(host):
    assert host.file("/var/lib/aide/aide.db").size > 0
    timer = host.service("dailyaidecheck.timer")
    assert timer.is_enabled
    assert timer.is_running
    assert "03:30:00" in host.check_output("systemctl show -p TimersCalendar dailyaidecheck.timer")


def test_aide_keeps_one_strong_hash_per_file(host):
    # The database's own header names the attributes it recorded for each file.
    spec = host.check_output("zcat -f /var/lib/aide/aide.db | grep -m1 '^@@db_spec'").split()
    assert "sha512" in spec
    assert not {"md5", "sha1", "rmd160", "tiger", "gost", "whirlpool"} & set(spec), spec


def test_sysctl_files(host):
    conf = host.file("/etc/sysctl.d/90-regbank-hardening.conf").content_string
    assert "kernel.kptr_restrict=2" in conf
    assert "net.ipv4.conf.all.accept_redirects=0" in conf
    assert "fs.protected_regular=2" in conf


def test_no_core_dumps(host):
    limits = host.file("/etc/security/limits.d/90-regbank-coredump.conf").content_string
    assert "* hard core 0" in " ".join(limits.split())
    coredump = host.file("/etc/systemd/coredump.conf.d/50-regbank.conf").content_string
    assert "Storage=none" in coredump
    sysctl = host.file("/etc/sysctl.d/90-regbank-coredump.conf").content_string
    assert "fs.suid_dumpable=0" in sysctl
    # pam_limits applies limits.d to a login session.
    assert host.check_output(f"su - {ADMIN} -c 'ulimit -Hc'") == "0"


def test_usb_storage_blocked(host):
    conf = host.file("/etc/modprobe.d/regbank-usb-storage.conf").content_string
    assert "install usb-storage /bin/false" in conf
    # modprobe reads the same file: loading the module would run /bin/false.
    showconfig = host.check_output("modprobe --showconfig | grep -E '^install usb.storage'")
    assert "/bin/false" in showconfig


def test_ctrl_alt_del_masked(host):
    assert host.check_output("systemctl is-enabled ctrl-alt-del.target || true") == "masked"


@pytest.fixture(scope="module")
def container_address(host):
    return host.check_output("hostname -I").split()[0]


def controller_ssh(address, command, user=ADMIN, key=True, port=22):
    """Run a command over a new SSH connection from the controller (no multiplexing)."""
    argv = ["ssh", "-p", str(port), "-o", "BatchMode=yes", "-o", "ControlPath=none"]
    argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    argv += ["-o", "ConnectTimeout=10"]
    if key:
        argv += ["-i", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "admin_ed25519")]
    else:
        argv += ["-o", "PubkeyAuthentication=no"]
    argv += [f"{user}@{address}", command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_operator_still_logs_in_and_sudoes(container_address):
    """The operator's path after hardening: SSH with the key from the controller, then sudo."""
    result = controller_ssh(container_address, "sudo -n id -un")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "root"


def test_password_login_is_refused(container_address):
    result = controller_ssh(container_address, "true", key=False)
    assert result.returncode != 0
    assert "Permission denied (publickey)" in result.stderr


def test_root_login_is_refused(container_address):
    result = controller_ssh(container_address, "true", user="root")
    assert result.returncode != 0


def test_no_preflight_sshd_left_behind(host):
    assert not host.file("/run/regbank-sshd-preflight").exists
    assert not host.socket("tcp://0.0.0.0:2222").is_listening
