"""The region's vault: real ansible-vault round trips, and secrets are never replaced."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from regbank import secrets
from regbank_foundation.errors import RegbankError

KIT = Path(__file__).resolve().parents[2]
ANSIBLE_VAULT = Path(sys.executable).parent / "ansible-vault"
REGBANK = Path(sys.executable).parent / "regbank"


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "region"
    shutil.copytree(KIT / "inventory" / "example", target)
    return target


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "vault-password"
    secrets.create_password_file(path)
    return path


def ansible_view(vault: Path, password_file: Path) -> dict:
    """Decrypt with the ansible-vault command, as an operator or ansible-playbook would."""
    out = subprocess.run(
        [str(ANSIBLE_VAULT), "view", "--vault-password-file", str(password_file), str(vault)],
        check=True,
        capture_output=True,
        text=True,
        cwd=KIT,
    ).stdout
    return yaml.safe_load(out)


def test_init_creates_a_vault_ansible_can_read(inventory, password_file):
    result = secrets.ensure_secrets(inventory, secrets.read_password(password_file), log=print)
    vault = inventory / "group_vars" / "all" / "vault.yml"
    assert vault.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")
    assert vault.stat().st_mode & 0o777 == 0o600
    values = ansible_view(vault, password_file)
    assert set(values) == {s.name for s in secrets.SECRETS}
    assert sorted(result.added) == sorted(values)
    assert all(len(values[name]) >= 32 for name in values)
    assert b"PRIVATE KEY" not in vault.read_bytes()


def test_ca_certificate_is_the_vault_keys_and_a_ca(inventory, password_file):
    secrets.ensure_secrets(inventory, secrets.read_password(password_file), "Регион", log=print)
    values = ansible_view(inventory / "group_vars" / "all" / "vault.yml", password_file)
    ca_file = inventory / "group_vars" / "all" / "pki_ca.yml"
    cert = x509.load_pem_x509_certificate(
        yaml.safe_load(ca_file.read_text())["pki_ca_certificate"].encode()
    )
    key = serialization.load_pem_private_key(values["vault_pki_ca_key"].encode(), None)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    assert cert.public_key().public_bytes(der, spki) == key.public_key().public_bytes(der, spki)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "Регион" in cert.subject.rfc4514_string()


def test_second_run_changes_nothing(inventory, password_file):
    password = secrets.read_password(password_file)
    secrets.ensure_secrets(inventory, password, log=print)
    vault = inventory / "group_vars" / "all" / "vault.yml"
    before = (vault.read_bytes(), (inventory / "group_vars" / "all" / "pki_ca.yml").read_bytes())
    result = secrets.ensure_secrets(inventory, password, log=print)
    assert result.added == [] and not result.ca_written
    assert (
        vault.read_bytes(),
        (inventory / "group_vars" / "all" / "pki_ca.yml").read_bytes(),
    ) == before


def test_existing_secrets_are_kept_and_missing_ones_added(inventory, password_file):
    password = secrets.read_password(password_file)
    vault = inventory / "group_vars" / "all" / "vault.yml"
    # An operator's own values, plus a secret the kit does not know.
    secrets.write_vault(
        vault,
        {"vault_registry_app_admin_password": "chosen-by-the-operator", "vault_other": "x"},
        password,
    )
    result = secrets.ensure_secrets(inventory, password, log=print)
    values = ansible_view(vault, password_file)
    assert values["vault_registry_app_admin_password"] == "chosen-by-the-operator"  # noqa: S105
    assert values["vault_other"] == "x"
    assert "vault_registry_app_admin_password" not in result.added
    assert "vault_pki_ca_key" in result.added


def test_wrong_password_is_a_clear_error(inventory, password_file, tmp_path):
    secrets.ensure_secrets(inventory, secrets.read_password(password_file), log=print)
    with pytest.raises(RegbankError, match="cannot decrypt with the given vault password"):
        secrets.ensure_secrets(inventory, b"another-password-entirely", log=print)


def test_a_vault_in_clear_is_refused(inventory, password_file):
    vault = inventory / "group_vars" / "all" / "vault.yml"
    vault.write_text("vault_registry_app_admin_password: secret\n")
    with pytest.raises(RegbankError, match="is not vault-encrypted"):
        secrets.ensure_secrets(inventory, secrets.read_password(password_file), log=print)
    assert vault.read_text() == "vault_registry_app_admin_password: secret\n"


def test_a_ca_certificate_without_its_key_is_refused(inventory, password_file):
    (inventory / "group_vars" / "all" / "pki_ca.yml").write_text("pki_ca_certificate: x\n")
    with pytest.raises(RegbankError, match="has no vault_pki_ca_key"):
        secrets.ensure_secrets(inventory, secrets.read_password(password_file), log=print)
    assert not (inventory / "group_vars" / "all" / "vault.yml").exists()


def test_a_foreign_ca_certificate_is_refused(inventory, password_file, tmp_path):
    password = secrets.read_password(password_file)
    secrets.ensure_secrets(inventory, password, log=print)
    other = tmp_path / "other"
    shutil.copytree(KIT / "inventory" / "example", other)
    secrets.ensure_secrets(other, password, log=print)
    ca_file = Path("group_vars") / "all" / "pki_ca.yml"
    shutil.copy(other / ca_file, inventory / ca_file)
    with pytest.raises(RegbankError, match="does not belong to vault_pki_ca_key"):
        secrets.ensure_secrets(inventory, password, log=print)


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        ("short\n", 0o600, "at least 16 characters"),
        ("a-long-enough-password\n", 0o644, "readable by others"),
        ("a-long-enough-password\n", 0o700, "is executable"),
    ],
)
def test_bad_password_files(tmp_path, content, mode, message):
    path = tmp_path / "pw"
    path.write_text(content)
    path.chmod(mode)
    with pytest.raises(RegbankError, match=message):
        secrets.read_password(path)


def test_missing_password_file_names_the_options(tmp_path, monkeypatch):
    monkeypatch.delenv("ANSIBLE_VAULT_PASSWORD_FILE", raising=False)
    with pytest.raises(RegbankError, match="--vault-password-file"):
        secrets.password_file(None)
    with pytest.raises(RegbankError, match="cannot read the vault password"):
        secrets.read_password(tmp_path / "absent")


def test_lab_secrets_are_made_and_reused(inventory, tmp_path):
    password_path = tmp_path / "lab" / "vault-password"
    first = secrets.ensure_lab_secrets(inventory, password_path, log=print)
    assert password_path.stat().st_mode & 0o777 == 0o600
    assert first.added
    second = secrets.ensure_lab_secrets(inventory, password_path, log=print)
    assert second.added == []
    # `lab down` removed the password: the unreadable lab vault and its CA are replaced.
    password_path.unlink()
    third = secrets.ensure_lab_secrets(inventory, password_path, log=print)
    assert sorted(third.added) == sorted(s.name for s in secrets.SECRETS)
    assert ansible_view(inventory / "group_vars" / "all" / "vault.yml", password_path)
    # Another inventory of the same lab network wrote a new password: replaced too.
    password_path.unlink()
    secrets.create_password_file(password_path)
    fourth = secrets.ensure_lab_secrets(inventory, password_path, log=print)
    assert sorted(fourth.added) == sorted(s.name for s in secrets.SECRETS)
    assert ansible_view(inventory / "group_vars" / "all" / "vault.yml", password_path)


def test_cli_init(inventory, password_file):
    run = subprocess.run(
        [str(REGBANK), "secrets", "init", "-i", str(inventory),
         "--vault-password-file", str(password_file)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "added vault_registry_app_admin_password" in run.stdout
    bad = subprocess.run(
        [str(REGBANK), "secrets", "init", "-i", str(inventory),
         "--vault-password-file", str(inventory / "nope")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "cannot read the vault password" in bad.stderr + bad.stdout


def test_the_inventory_stays_valid_and_ansible_reads_the_ca(inventory, password_file):
    """Ansible parses every file of an inventory folder: the CA must not add one it can't."""
    from regbank.inventory import validate_inventory

    secrets.ensure_secrets(inventory, secrets.read_password(password_file), log=print)
    assert [str(p) for p in validate_inventory(inventory)] == []
    out = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "region-srv", "-i", str(inventory),
         "--vault-password-file", str(password_file), "-m", "ansible.builtin.debug",
         "-a", "msg={{ pki_ca_certificate is search('BEGIN CERTIFICATE') and "
               "vault_pki_ca_key is search('PRIVATE KEY') }}"],
        capture_output=True, text=True, check=False, cwd=KIT,
        # ansible.cfg's mitogen strategy warns that it is not ansible.builtin's: not
        # what this test looks for (a warning about the inventory's files).
        env={**os.environ, "ANSIBLE_STRATEGY": "linear"},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert '"msg": true' in out.stdout
    assert "WARNING" not in out.stderr, out.stderr
