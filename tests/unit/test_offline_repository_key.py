"""The region's OpenPGP repository key: made once by `secrets init`, kept in the vault."""

import shutil
import subprocess
from pathlib import Path

import pytest

from regbank import secrets
from regbank_foundation.errors import RegbankError

KIT = Path(__file__).resolve().parents[2]


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "region"
    shutil.copytree(KIT / "inventory" / "example", target)
    return target


@pytest.fixture
def password(tmp_path: Path) -> bytes:
    path = tmp_path / "vault-password"
    secrets.create_password_file(path)
    return secrets.read_password(path)


def gpg_show(tmp_path: Path, key: bytes) -> str:
    """What gpg itself reads in a key file, in its machine-readable listing."""
    path = tmp_path / "key"
    path.write_bytes(key)
    return subprocess.run(
        ["gpg", "--batch", "--with-colons", "--show-keys", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_init_makes_a_signing_key_in_the_vault_and_keeps_it(inventory, password, tmp_path):
    secrets.ensure_secrets(inventory, password, log=lambda _: None)
    vault = inventory / secrets.VAULT_FILE
    assert b"PGP PRIVATE KEY" not in vault.read_bytes()
    key = secrets.read_vault(vault, password)[secrets.REPOSITORY_KEY]
    listing = gpg_show(tmp_path, key.encode())
    assert listing.startswith("sec:"), listing
    primary = listing.splitlines()[0].split(":")
    assert primary[3] == "22"  # EdDSA (Ed25519)
    assert "s" in primary[11]  # can sign
    assert secrets.REPOSITORY_KEY_UID in listing

    again = secrets.ensure_secrets(inventory, password, log=lambda _: None)
    assert secrets.REPOSITORY_KEY not in again.added
    assert secrets.read_vault(vault, password)[secrets.REPOSITORY_KEY] == key


def test_the_public_part_has_no_secret(inventory, password, tmp_path):
    secrets.ensure_secrets(inventory, password, log=lambda _: None)
    key = secrets.read_vault(inventory / secrets.VAULT_FILE, password)[secrets.REPOSITORY_KEY]
    armored = secrets.repository_public_key(key, armor=True)
    assert armored.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
    binary = secrets.repository_public_key(key)
    listing = gpg_show(tmp_path, binary)
    assert listing.startswith("pub:") and "sec:" not in listing
    fingerprint = [line for line in listing.splitlines() if line.startswith("fpr:")][0]
    assert fingerprint in gpg_show(tmp_path, key.encode())


def test_a_value_that_is_not_a_key_is_refused(tmp_path):
    with pytest.raises(RegbankError, match="vault_offline_repository_key: expected an armored"):
        secrets.repository_public_key("not a key")
