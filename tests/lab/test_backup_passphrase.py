"""A new backup passphrase under an existing pgBackRest repository: the run stops with a
message that names the variable and what to do, before the configuration is replaced,
and WAL archiving goes on reaching the repository with the configuration kept.

The passphrase is given with -e, as an engineer who changed vault_backup_cipher_pass
would run site.yml; nothing on the hosts changes, so the shared lab stays deployed.
"""

from __future__ import annotations

import pytest
from conftest import PLAYBOOK, recap, run
from test_replication import on

pytestmark = pytest.mark.full_site

SERVERS = ("region-srv", "mo3-srv")
CONFIG = "/etc/pgbackrest/pgbackrest.conf"


def test_a_new_passphrase_is_refused_and_archiving_goes_on(site_lab):
    before = {host: on(host, "sha256sum", CONFIG) for host in SERVERS}
    result = run(
        "ansible-playbook", PLAYBOOK, "--tags", "backup",
        "-e", "backup_repo_cipher_pass=a-passphrase-the-repository-never-saw",
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output and "invalid UTF8" not in output, output[-3000:]
    counts = recap(result.stdout)
    for host in SERVERS:
        assert counts[host]["failed"] == 1, output[-3000:]
    assert "cannot be read with this configuration" in output
    assert "vault_backup_cipher_pass" in output
    assert "put the previous passphrase back in the vault" in output
    for host in SERVERS:
        assert on(host, "sha256sum", CONFIG) == before[host], f"{host}: {CONFIG} was replaced"
        # pgbackrest check switches the WAL segment and waits until it is in the repository.
        on(host, "runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=regbank", "check")
