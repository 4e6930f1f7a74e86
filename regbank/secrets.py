"""The region's secrets: an ansible-vault file of ``vault_*`` variables, and the CA.

``INVENTORY/group_vars/all/vault.yml`` holds every secret the kit's roles need,
encrypted with the operator's vault password (the same file Ansible reads with
``ANSIBLE_VAULT_PASSWORD_FILE``). `ensure_secrets` generates only what is missing
and never changes a value that is already there: a region's passwords and its CA
key survive every run. The CA certificate is public and lives in the clear as the
variable ``pki_ca_certificate`` in ``INVENTORY/group_vars/all/pki_ca.yml`` (a file
elsewhere in the inventory folder would be read by Ansible as inventory); its key
exists only inside the vault (``vault_pki_ca_key``). The region's OpenPGP key, which
signs the offline bundle's Debian repository, is made the same way: its secret part
lives only in the vault (``vault_offline_repository_key``), its public part is exported
from it when a bundle is built (`repository_public_key`).
"""

from __future__ import annotations

import datetime
import os
import secrets as random
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from ansible.errors import AnsibleError
from ansible.parsing.vault import VaultLib, VaultSecret, is_encrypted
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from regbank_foundation.errors import RegbankError

VAULT_FILE = Path("group_vars") / "all" / "vault.yml"
CA_CERT_FILE = Path("group_vars") / "all" / "pki_ca.yml"
CA_CERT_VAR = "pki_ca_certificate"
PASSWORD_ENV = "ANSIBLE_VAULT_PASSWORD_FILE"  # noqa: S105 - a variable name, not a secret
CA_KEY = "vault_pki_ca_key"
CA_VALID_DAYS = 3650
REPOSITORY_KEY = "vault_offline_repository_key"
REPOSITORY_KEY_UID = "regbank region package repository"
MIN_PASSWORD_LENGTH = 16


def _password() -> str:
    # URL-safe: no quoting trouble in YAML, env files, DSNs or shell.
    return random.token_urlsafe(32)


def _ca_key() -> str:
    key = ec.generate_private_key(ec.SECP384R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def gnupg(home: Path, *args: str, data: bytes | None = None) -> bytes:
    """gpg with its own home (nothing of the user's keyring), in batch mode."""
    if shutil.which("gpg") is None:
        raise RegbankError("gpg not found: install the gnupg package (make host)")
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--quiet", *args],
        input=data,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RegbankError(f"gpg {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


class GnupgHome:
    """A throwaway gpg home; its agent is stopped and the folder removed on exit.

    Under /tmp: the agent's socket path must stay short."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="regbank-gpg-", dir="/tmp"))
        return self.path

    def __exit__(self, *exc) -> None:
        subprocess.run(
            ["gpgconf", "--homedir", str(self.path), "--kill", "all"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.path, ignore_errors=True)


def _repository_key() -> str:
    # Ed25519, no expiry, no passphrase: the vault is what protects it.
    with GnupgHome() as home:
        gnupg(home, "--passphrase", "", "--pinentry-mode", "loopback",
              "--quick-generate-key", REPOSITORY_KEY_UID, "ed25519", "sign", "never")  # fmt: skip
        return gnupg(home, "--armor", "--export-secret-keys").decode()


def repository_public_key(secret_key: str, armor: bool = False) -> bytes:
    """The public part of the region's repository key: binary for apt's signed-by,
    or armored for people."""
    with GnupgHome() as home:
        import_repository_key(home, secret_key)
        return gnupg(home, *(["--armor"] if armor else []), "--export")


def import_repository_key(home: Path, secret_key: str) -> str:
    """Import the secret key into a gpg home; returns its fingerprint."""
    if not isinstance(secret_key, str) or "BEGIN PGP PRIVATE KEY BLOCK" not in secret_key:
        raise RegbankError(f"{REPOSITORY_KEY}: expected an armored OpenPGP secret key")
    gnupg(home, "--import", data=secret_key.encode())
    listing = gnupg(home, "--with-colons", "--list-secret-keys").decode()
    fingerprints = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    if not fingerprints:
        raise RegbankError(f"{REPOSITORY_KEY}: gpg found no secret key in it")
    return fingerprints[0]


@dataclass(frozen=True)
class Secret:
    name: str
    description: str
    generate: Callable[[], str]


# Every secret the kit's roles read. A role that needs a new one adds it here; the
# next `regbank secrets init` adds it to every region's vault, keeping the rest.
SECRETS: tuple[Secret, ...] = (
    Secret(
        "vault_registry_app_admin_password",
        "password of the application's first administrator (registry_app)",
        _password,
    ),
    Secret(CA_KEY, "private key of the region's CA, PEM (pki)", _ca_key),
    Secret(
        "vault_backup_cipher_pass",
        "pgBackRest repository encryption passphrase (backup)",
        _password,
    ),
    Secret(
        REPOSITORY_KEY,
        "OpenPGP key signing the offline bundle's Debian repository, armored (offline)",
        _repository_key,
    ),
)


@dataclass
class Result:
    vault: Path
    added: list[str]
    kept: list[str]
    ca_certificate: Path
    ca_written: bool


# --- the vault password ---------------------------------------------------------


def password_file(explicit: Path | None) -> Path:
    """The password file: the option, else $ANSIBLE_VAULT_PASSWORD_FILE, as Ansible does."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(PASSWORD_ENV, "")
    if not from_env:
        raise RegbankError(
            f"no vault password: pass --vault-password-file FILE or set {PASSWORD_ENV} "
            "(see docs/secrets.md)"
        )
    return Path(from_env)


def read_password(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise RegbankError(f"{path}: cannot read the vault password ({error.strerror})") from error
    if mode & stat.S_IXUSR:
        raise RegbankError(
            f"{path}: is executable; the kit reads a plain password file, not a script"
        )
    # Ansible strips surrounding whitespace too, so both read the same password.
    password = data.strip()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RegbankError(
            f"{path}: the vault password must be at least {MIN_PASSWORD_LENGTH} characters"
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RegbankError(f"{path}: readable by others; chmod 600 it")
    return password


def create_password_file(path: Path) -> None:
    """A new random vault password, 0600, unless the file already exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return
    _write_atomically(path, (random.token_urlsafe(48) + "\n").encode())


# --- the vault file ---------------------------------------------------------------


def _vault(password: bytes) -> VaultLib:
    return VaultLib([("default", VaultSecret(password))])


def read_vault(path: Path, password: bytes) -> dict[str, str]:
    """The decrypted mapping of a vault file; {} when the file does not exist."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    if not is_encrypted(data):
        raise RegbankError(
            f"{path}: is not vault-encrypted; secrets must never be kept in clear — "
            f"encrypt it with `ansible-vault encrypt {path}`"
        )
    try:
        plaintext = _vault(password).decrypt(data)
    except AnsibleError as error:
        raise RegbankError(
            f"{path}: cannot decrypt with the given vault password ({error.message})"
        ) from error
    try:
        values = yaml.safe_load(plaintext) or {}
    except yaml.YAMLError as error:
        raise RegbankError(f"{path}: decrypted content is not valid YAML ({error})") from error
    if not isinstance(values, dict):
        raise RegbankError(f"{path}: expected a mapping of vault_* variables")
    return values


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A PEM key as a literal block: readable after `ansible-vault view`.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = (
    "# regbank secrets (ansible-vault). Generated by `regbank secrets init`; a value\n"
    "# kept here is never replaced by the kit. See docs/secrets.md.\n"
)


def write_vault(path: Path, values: dict[str, str], password: bytes) -> None:
    plaintext = HEADER + yaml.dump(
        values, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000
    )
    ciphertext = _vault(password).encrypt(plaintext.encode())
    _write_atomically(path, ciphertext)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the CA certificate ----------------------------------------------------------


def ca_certificate(key_pem: str, organisation: str) -> bytes:
    """A self-signed CA certificate for the key: the trust anchor of every host."""
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise RegbankError(f"{CA_KEY}: not an unencrypted PEM private key ({error})") from error
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, "regbank region CA"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA384())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


CA_CERT_HEADER = (
    "# The region's CA certificate (public). Written by `regbank secrets init`; its key\n"
    "# is vault_pki_ca_key in vault.yml. Commit this file. See docs/secrets.md.\n"
)


def write_ca_certificate(path: Path, pem: bytes) -> None:
    body = yaml.dump({CA_CERT_VAR: pem.decode()}, Dumper=_Dumper, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CA_CERT_HEADER + body)
    path.chmod(0o644)


def read_ca_certificate(path: Path) -> str:
    try:
        values = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise RegbankError(f"{path}: not valid YAML ({error})") from error
    pem = values.get(CA_CERT_VAR) if isinstance(values, dict) else None
    if not isinstance(pem, str):
        raise RegbankError(f"{path}: expected {CA_CERT_VAR}: <the CA certificate, PEM>")
    return pem


def _certificate_matches_key(cert_path: Path, key_pem: str) -> bool:
    try:
        certificate = x509.load_pem_x509_certificate(read_ca_certificate(cert_path).encode())
    except ValueError as error:
        raise RegbankError(f"{cert_path}: not a PEM certificate ({error})") from error
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return certificate.public_key().public_bytes(
        serialization.Encoding.DER, spki
    ) == key.public_key().public_bytes(serialization.Encoding.DER, spki)


# --- the whole step ----------------------------------------------------------------


def ensure_secrets(
    inventory: Path, password: bytes, organisation: str = "regbank", log=print
) -> Result:
    """Add the missing secrets to the inventory's vault and write the CA certificate if
    missing. Existing values are kept; nothing is written when nothing is missing."""
    inventory = Path(inventory)
    if inventory.is_file():
        inventory = inventory.parent
    if not inventory.is_dir():
        raise RegbankError(f"{inventory}: not an inventory directory")
    vault_path = inventory / VAULT_FILE
    cert_path = inventory / CA_CERT_FILE
    values = read_vault(vault_path, password)
    if CA_KEY not in values and cert_path.exists():
        # A certificate without its key: generating a new key would silently split
        # the region's trust in two. The operator must find the vault that has it.
        raise RegbankError(
            f"{cert_path} exists but {vault_path} has no {CA_KEY}: restore the vault "
            f"that holds the CA key, or remove {cert_path} to start a new CA"
        )
    added = []
    for secret in SECRETS:
        if secret.name not in values:
            values[secret.name] = secret.generate()
            added.append(secret.name)
    kept = [name for name in values if name not in added]
    if added:
        write_vault(vault_path, values, password)
        log(f"{vault_path}: added {', '.join(added)}")
    else:
        log(f"{vault_path}: every secret present, nothing changed")
    if not isinstance(values[CA_KEY], str):
        raise RegbankError(f"{vault_path}: {CA_KEY} must be a PEM string")
    ca_written = False
    if cert_path.exists():
        if not _certificate_matches_key(cert_path, values[CA_KEY]):
            raise RegbankError(
                f"{cert_path}: does not belong to {CA_KEY} in {vault_path}; "
                "restore the matching pair (docs/secrets.md)"
            )
    else:
        write_ca_certificate(cert_path, ca_certificate(values[CA_KEY], organisation))
        ca_written = True
        log(f"{cert_path}: written (the region CA certificate, public; commit it)")
    return Result(vault_path, added, kept, cert_path, ca_written)


def _opens(vault: Path, password: bytes) -> bool:
    try:
        read_vault(vault, password)
    except RegbankError:
        return False
    return True


def _remove_stale_lab_vault(inventory: Path, reason: str, log) -> None:
    for stale in (inventory / VAULT_FILE, inventory / CA_CERT_FILE):
        if stale.exists():
            stale.unlink()
            log(f"{stale}: removed ({reason})")


def ensure_lab_secrets(inventory: Path, password_path: Path, log=print) -> Result:
    """For `regbank lab up`: a lab vault password under .lab/<network>/, then the vault.

    `lab down` removes .lab/<network>/ with the password, and another inventory on
    the same lab network (the bench's lab with more workstations) makes its own; a
    lab vault left behind can then be read by no one, so (lab only) it is replaced
    along with its CA."""
    inventory = Path(inventory)
    if inventory.is_file():
        inventory = inventory.parent
    if not password_path.exists():
        _remove_stale_lab_vault(inventory, "its lab vault password is gone", log)
        create_password_file(password_path)
    password = read_password(password_path)
    if not _opens(inventory / VAULT_FILE, password):
        _remove_stale_lab_vault(inventory, f"{password_path} does not open it", log)
    return ensure_secrets(inventory, password, "regbank lab", log=log)
