"""The bundle's Debian repository: reprepro, signed with the region's OpenPGP key.

reprepro (a Debian package) writes dists/ and pool/ and signs Release as InRelease
and Release.gpg through gpgme; the key is imported into a throwaway gpg home and
leaves with it. Checking uses gpgv against the region's public key alone, as apt does
with `signed-by`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from regbank import secrets
from regbank.debian_mirror import SUITE
from regbank.offline.apt import ARCHITECTURE
from regbank_foundation.errors import RegbankError

COMPONENT = "main"
ORIGIN = "regbank"
KEYRING = "region-repository.gpg"
ARMORED = "region-repository.asc"


class RepositoryError(RegbankError):
    """The repository cannot be built."""


def _distributions(fingerprint: str) -> str:
    return (
        f"Origin: {ORIGIN}\nLabel: {ORIGIN}\nSuite: {SUITE}\nCodename: {SUITE}\n"
        f"Architectures: {ARCHITECTURE}\nComponents: {COMPONENT}\n"
        "Description: regbank offline bundle: every package the kit installs\n"
        f"SignWith: {fingerprint}\n"
    )


def build(debs: list[Path], out: Path, secret_key: str) -> None:
    """dists/ and pool/ of `debs` under out/, signed; reprepro's own state left out."""
    if shutil.which("reprepro") is None:
        raise RepositoryError("reprepro not found: install the reprepro package (make host)")
    with secrets.GnupgHome() as home:
        fingerprint = secrets.import_repository_key(home, secret_key)
        (out / "conf").mkdir(parents=True)
        (out / "conf" / "distributions").write_text(_distributions(fingerprint))
        done = subprocess.run(
            ["reprepro", "--silent", "-b", str(out), "includedeb", SUITE, *map(str, debs)],
            capture_output=True,
            text=True,
            check=False,
            env={"GNUPGHOME": str(home), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise RepositoryError(f"reprepro includedeb failed:\n{tail}")
    for state in ("conf", "db"):
        shutil.rmtree(out / state)


def write_public_key(secret_key: str, keys: Path) -> None:
    keys.mkdir(parents=True, exist_ok=True)
    (keys / KEYRING).write_bytes(secrets.repository_public_key(secret_key))
    (keys / ARMORED).write_bytes(secrets.repository_public_key(secret_key, armor=True))


def fingerprints(key: bytes) -> list[str]:
    """The primary key fingerprints in an OpenPGP key file (binary or armored)."""
    with secrets.GnupgHome() as home:
        listing = secrets.gnupg(
            home, "--with-colons", "--import-options", "show-only", "--import", data=key
        ).decode()
    rows = listing.splitlines()
    return [
        row.split(":")[9]
        for before, row in zip(rows, rows[1:], strict=False)
        if before.startswith(("pub:", "sec:")) and row.startswith("fpr:")
    ]


def binary_key(key: bytes) -> bytes:
    """gpgv reads binary keyrings: an armored key is dearmored."""
    if not key.lstrip().startswith(b"-----BEGIN PGP"):
        return key
    with secrets.GnupgHome() as home:
        return secrets.gnupg(home, "--dearmor", data=key)


def signature_problems(repository: Path, keyring: Path) -> list[str]:
    """One line per Release signature that gpgv does not accept with `keyring` alone."""
    dists = repository / "dists" / SUITE
    checks = {
        "InRelease": [str(dists / "InRelease")],
        "Release.gpg": [str(dists / "Release.gpg"), str(dists / "Release")],
    }
    problems = []
    for name, files in checks.items():
        if not all(Path(file).is_file() for file in files):
            problems.append(f"репозиторий: нет dists/{SUITE}/{name} или Release")
            continue
        done = subprocess.run(
            ["gpgv", "--keyring", str(keyring.resolve()), *files],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            problems.append(
                f"репозиторий: подпись dists/{SUITE}/{name} не проверяется ключом региона"
            )
    return problems
