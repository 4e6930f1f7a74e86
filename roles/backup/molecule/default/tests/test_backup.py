"""What an operator sees on a host the backup role has converged."""

import json

import pytest

STANZA = "regbank"
REPO = "/var/lib/pgbackrest"


def pgbackrest(host, *args: str) -> str:
    return host.check_output(
        "runuser -u postgres -- pgbackrest --stanza=%s " + " ".join(args), STANZA
    )


def info(host) -> dict:
    return json.loads(pgbackrest(host, "--output=json", "info"))[0]


def test_stanza_exists_and_holds_a_full_backup(host):
    stanza = info(host)
    assert stanza["name"] == STANZA
    assert stanza["status"]["code"] == 0, stanza["status"]
    assert "full" in [backup["type"] for backup in stanza["backup"]]
    # pgBackRest reports the repository as encrypted.
    assert stanza["cipher"] == "aes-256-cbc"


def test_wal_archiving_is_on_and_reaches_the_repository(host):
    settings = host.check_output(
        "runuser -u postgres -- psql -XAtc "
        "\"SELECT setting FROM pg_settings WHERE name IN ('archive_mode', 'archive_command') "
        'ORDER BY name"'
    ).splitlines()
    assert settings == [f"/usr/bin/pgbackrest --stanza={STANZA} archive-push %p", "on"]
    # check switches the WAL segment and fails unless it arrives in the repository.
    pgbackrest(host, "check")
    archived = host.check_output(
        "runuser -u postgres -- psql -XAtc "
        "'SELECT archived_count, failed_count FROM pg_stat_archiver'"
    )
    archived_count, failed_count = (int(n) for n in archived.split("|"))
    assert archived_count > 0
    assert failed_count == 0


@pytest.mark.parametrize(
    ("kind", "schedule"), [("full", "Sun *-*-* 01:30:00"), ("diff", "Mon..Sat *-*-* 01:30:00")]
)
def test_timers_are_enabled_with_the_schedule(host, kind, schedule):
    timer = host.service(f"pgbackrest-{kind}.timer")
    assert timer.is_enabled
    assert timer.is_running
    assert (
        f"OnCalendar={schedule}"
        in host.file(f"/etc/systemd/system/pgbackrest-{kind}.timer").content_string
    )
    # systemd itself parses the schedule and knows the next start.
    assert host.check_output(f"systemctl show -P NextElapseUSecRealtime pgbackrest-{kind}.timer")
    service = host.file(f"/etc/systemd/system/pgbackrest-{kind}.service").content_string
    assert "User=postgres" in service
    assert f"--type={kind} backup" in service


def test_a_scheduled_differential_backup_runs_and_is_recorded(host):
    # The timer starts this unit; running it by hand proves the unit itself works.
    host.run_expect([0], "systemctl start pgbackrest-diff.service")
    assert "diff" in [backup["type"] for backup in info(host)["backup"]]
    assert "pgbackrest-" not in host.check_output("systemctl --failed --plain --no-legend")
    journal = host.check_output("journalctl -u pgbackrest-diff.service --no-pager -o cat")
    assert "backup command end: completed successfully" in journal


def test_a_failed_backup_is_visible_to_systemctl_failed(host):
    # A wrong stanza in a throwaway unit: the failure shows where an operator looks.
    host.run_expect(
        [0],
        "systemd-run --unit=pgbackrest-broken --uid=postgres -p Type=oneshot "
        "pgbackrest --stanza=no-such-stanza --type=diff backup || true",
    )
    failed = host.check_output("systemctl --failed --plain --no-legend")
    host.run("systemctl reset-failed pgbackrest-broken.service")
    assert "pgbackrest-broken.service" in failed


def test_repository_is_private_and_encrypted(host):
    repo = host.file(REPO)
    assert repo.user == "postgres"
    assert repo.mode == 0o750
    # Nothing in the repository is open to others (symbolic links always look so).
    assert host.check_output(f"find {REPO} ! -type l -perm /o=rwx") == ""
    # Every file pgBackRest wrote (info files, manifests, data, WAL) starts with
    # OpenSSL's salt header: encrypted. A clear repository would not.
    files = host.check_output(f"find {REPO} -type f").splitlines()
    assert any("/archive/" in f for f in files) and any("/backup/" in f for f in files)
    clear = host.check_output(
        f"find {REPO} -type f -exec sh -c "
        '\'[ "$(head -c 8 "$1")" = Salted__ ] || echo "$1"\' _ {} \\;'
    )
    assert clear == ""


def test_configuration_keeps_the_passphrase_private(host):
    conf = host.file("/etc/pgbackrest/pgbackrest.conf")
    assert conf.user == "root"
    assert conf.group == "postgres"
    assert conf.mode == 0o640
    content = conf.content_string
    assert "repo1-cipher-type=aes-256-cbc" in content
    assert "repo1-retention-full=2" in content
    assert "repo1-retention-diff=6" in content
    assert "compress-type=zst" in content
