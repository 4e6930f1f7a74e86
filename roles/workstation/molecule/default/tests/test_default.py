"""A workstation the workstation role has converged, checked with real programs.

The scenario's prepare serves two local sites: the "bank" (127.0.0.1:8001, the
workstation's regbank_home_url) and another one (127.0.0.2:8002); each logs the
requests it gets in its transient unit's journal. Headless Chromium and Firefox must
open the first and refuse the second because of their policies, while the second site
itself answers (the control).
"""

import json
import uuid

import pytest

BANK = "http://127.0.0.1:8001/"
OTHER = "http://127.0.0.2:8002/"
CHROMIUM_POLICY = "/etc/chromium/policies/managed/regbank.json"
FIREFOX_POLICY = "/etc/firefox/policies/policies.json"
CHROMIUM = (
    "chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
    "--no-first-run --user-data-dir=$(mktemp -d) --dump-dom"
)


def _policy(host, path):
    return json.loads(host.file(path).content_string)


def _requests_seen(host, unit, probe):
    return probe in host.check_output(f"journalctl -u {unit} --no-pager -o cat")


def test_the_other_site_answers_by_itself(host):
    """The control: 127.0.0.2:8002 serves its page; only the browsers' policies block it."""
    out = host.check_output(
        f"python3 -c \"import urllib.request as u; print(u.urlopen('{OTHER}').read().decode())\""
    )
    assert "OTHER-TEST-SITE-PAGE" in out


def test_chromium_developer_tools_are_off_even_for_automation(host):
    """DeveloperToolsAvailability 2 also shuts headless Chromium's own DevTools
    channel: with the production policy --dump-dom never gets the page."""
    dom = host.run(f"timeout 15 {CHROMIUM} {BANK}")
    assert dom.rc == 124 and "REGBANK-TEST-BANK-PAGE" not in dom.stdout


@pytest.fixture
def chromium_without_devtools_ban(host):
    """The production policy minus DeveloperToolsAvailability only, for the headless
    checks below; the original file is put back after each test."""
    with host.sudo():
        host.check_output(f"cp -p {CHROMIUM_POLICY} /root/regbank.json.orig")
        host.check_output(
            f"python3 -c \"import json; f='{CHROMIUM_POLICY}'; p=json.load(open(f)); "
            "p.pop('DeveloperToolsAvailability'); json.dump(p, open(f, 'w'))\""
        )
        yield
        host.check_output(f"mv /root/regbank.json.orig {CHROMIUM_POLICY}")


def test_chromium_opens_the_bank(host, chromium_without_devtools_ban):
    dom = host.run(f"timeout 60 {CHROMIUM} {BANK}")
    assert "REGBANK-TEST-BANK-PAGE" in dom.stdout, dom.stderr


def test_chromium_refuses_any_other_site(host, chromium_without_devtools_ban):
    probe = f"chromium-{uuid.uuid4().hex}"
    dom = host.run(f"timeout 60 {CHROMIUM} '{OTHER}?{probe}'")
    assert "OTHER-TEST-SITE-PAGE" not in dom.stdout
    assert "ERR_BLOCKED_BY_ADMINISTRATOR" in dom.stdout + dom.stderr
    assert not _requests_seen(host, "test-site-other", probe)


def test_firefox_opens_the_bank_and_refuses_any_other_site(host):
    """Firefox headless takes a screenshot of each page; the sites' request logs show
    which it fetched (a blocked page never loads, so its screenshot times out)."""
    allowed, blocked = (f"firefox-{uuid.uuid4().hex}" for _ in range(2))
    for url in (f"{BANK}?{allowed}", f"{OTHER}?{blocked}"):
        host.run(f"cd /tmp && timeout 30 firefox-esr --headless --screenshot /tmp/ff.png '{url}'")
    assert _requests_seen(host, "test-site-bank", allowed)
    assert not _requests_seen(host, "test-site-other", blocked)


def test_chromium_policy(host):
    f = host.file(CHROMIUM_POLICY)
    assert f.user == "root" and f.mode == 0o644
    policy = _policy(host, f.path)
    assert policy["HomepageLocation"] == BANK
    assert policy["RestoreOnStartup"] == 4 and policy["RestoreOnStartupURLs"] == [BANK]
    assert policy["URLBlocklist"] == ["*"]
    assert policy["URLAllowlist"] == ["http://127.0.0.1:8001"]
    assert policy["PasswordManagerEnabled"] is False
    assert policy["AutofillAddressEnabled"] is False
    assert policy["AutofillCreditCardEnabled"] is False
    assert policy["ExtensionInstallBlocklist"] == ["*"]
    assert policy["DeveloperToolsAvailability"] == 2
    assert policy["DownloadRestrictions"] == 3
    # The region's CA, as base64 DER, is the test CA the scenario passed.
    der = host.check_output(
        "openssl x509 -in /etc/regbank/workstation/ca.crt -outform DER | base64 -w0"
    )
    assert policy["CACertificates"] == [der]


def test_firefox_policy(host):
    policies = _policy(host, FIREFOX_POLICY)["policies"]
    assert policies["Homepage"]["URL"] == BANK and policies["Homepage"]["Locked"] is True
    assert policies["WebsiteFilter"] == {
        "Block": ["<all_urls>"],
        "Exceptions": ["http://127.0.0.1/*"],
    }
    assert policies["PasswordManagerEnabled"] is False
    assert policies["ExtensionSettings"] == {"*": {"installation_mode": "blocked"}}
    assert policies["DisableDeveloperTools"] is True
    assert policies["Certificates"] == {"Install": ["/etc/regbank/workstation/ca.crt"]}
    assert "BEGIN CERTIFICATE" in host.file("/etc/regbank/workstation/ca.crt").content_string


def test_screen_lock_values_and_locks(host):
    expected = {
        "/org/gnome/desktop/session/idle-delay": "uint32 600",
        "/org/gnome/desktop/screensaver/idle-activation-enabled": "true",
        "/org/gnome/desktop/screensaver/lock-enabled": "true",
        "/org/gnome/desktop/screensaver/lock-delay": "uint32 0",
        "/org/gnome/desktop/lockdown/disable-user-switching": "true",
    }
    locks = host.check_output("dconf list-locks /org/gnome/desktop/").splitlines()
    for key, value in expected.items():
        assert host.check_output(f"dconf read {key}") == value
        assert key in locks
    assert "system-db:local" in host.file("/etc/dconf/profile/user").content_string


def test_usbguard_rules_and_unit(host):
    rules = [
        line
        for line in host.file("/etc/usbguard/rules.conf").content_string.splitlines()
        if line and not line.startswith("#")
    ]
    assert rules == [
        "block with-interface one-of { 08:*:* }",
        "allow with-interface match-all { 03:*:* 09:*:* }",
    ]
    conf = host.file("/etc/usbguard/usbguard-daemon.conf").content_string
    assert "\nImplicitPolicyTarget=block\n" in conf
    assert "\nPresentDevicePolicy=apply-policy\n" in conf
    assert host.service("usbguard").is_enabled
    # No USB bus in this container: systemd skips the daemon by its condition, cleanly.
    assert not host.file("/sys/bus/usb/devices").exists
    state = host.check_output(
        "systemctl show usbguard -p ActiveState -p ConditionResult --value"
    ).split()
    assert state == ["inactive", "no"]


def test_clamav_without_mirror(host):
    assert host.package("clamav").is_installed
    assert host.check_output("systemctl is-enabled clamav-freshclam || true") == "masked"
    conf = host.file("/etc/clamav/freshclam.conf").content_string
    assert conf.startswith("# regbank: no signature mirror")
    assert "PrivateMirror" not in conf
    assert host.service("clamav-daemon").is_enabled


def test_clamscan_detects_with_a_signature(host):
    """The scanner works: a one-line signature (MD5 of a test file) finds that file."""
    host.check_output(
        "cd $(mktemp -d) && echo regbank-clamav-test > sample && "
        "echo \"$(md5sum sample | cut -d' ' -f1):$(stat -c %s sample):Regbank.Test\" > t.hdb && "
        "cp sample /tmp/clam-sample && cp t.hdb /tmp/clam-t.hdb"
    )
    found = host.run("clamscan --no-summary -d /tmp/clam-t.hdb /tmp/clam-sample")
    assert found.rc == 1 and "Regbank.Test.UNOFFICIAL FOUND" in found.stdout
    clean = host.run("clamscan --no-summary -d /tmp/clam-t.hdb /etc/hostname")
    assert clean.rc == 0


def test_evidence_file(host):
    evidence = json.loads(host.file("/etc/regbank/workstation.json").content_string)
    assert evidence["bank_url"] == BANK
    assert evidence["browsers"]["firefox_policy"] == FIREFOX_POLICY
    assert evidence["antivirus"] == {
        "mode": "clamav",
        "product": "ClamAV",
        "certificate": None,
        "signature_mirror": None,
    }
    assert evidence["nsd"] == {"product": "Test NSD product", "certificate": "0000"}
    assert evidence["usbguard"]["enabled"] is True
