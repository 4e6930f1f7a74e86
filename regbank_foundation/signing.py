"""Signed manifests: SHA-256 sums of every file in a folder, signed with Ed25519.

One format for everything the kit hands over and must later prove untouched: the
application bundle (registry_app installs only what verifies) and the attestation
evidence pack. A folder is signed by writing two files into it:

    SHA256SUMS      "<sha256>  <relative path>" per file, sorted (sha256sum -c reads it)
    SHA256SUMS.sig  the Ed25519 signature of SHA256SUMS, base64

Verification recomputes every sum and reports each changed, missing or extra file;
a folder verifies only when the signature is good and there is nothing to report.
This module needs only the standard library and cryptography, so the same code runs
on the controller and, copied as is, on a managed host:

    python3 signing.py FOLDER --public-key KEY.pub    # exit 0 only if it verifies
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

MANIFEST = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
_CHUNK = 1 << 20


class SigningError(Exception):
    """A key or manifest that cannot be used; the message names the file."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> list[str]:
    """Every regular file under root as a POSIX relative path, the manifest's own excluded."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in names:
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if relative not in (MANIFEST, SIGNATURE):
                found.append(relative)
    return sorted(found)


def manifest_text(root: Path) -> str:
    return "".join(f"{sha256_file(root / name)}  {name}\n" for name in _files(root))


def _parse_manifest(path: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise SigningError(f"{path}: line {number}: expected '<sha256>  <path>'")
        sums[name] = digest
    return sums


# --- keys --------------------------------------------------------------------------


def create_key(path: Path) -> Ed25519PrivateKey:
    """A new private key in PEM, readable only by its owner; refuses to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(pem)
    write_public_key(key.public_key(), public_key_path(path))
    return key


def public_key_path(private_key_path: Path) -> Path:
    return private_key_path.with_name(private_key_path.name + ".pub")


def write_public_key(key: Ed25519PublicKey, path: Path) -> None:
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.write_bytes(pem)


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    return load_private_key(path) if path.exists() else create_key(path)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningError(f"{path}: not a readable PEM private key ({error})") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: expected an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SigningError(f"{path}: not a readable PEM public key ({error})") from error
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: expected an Ed25519 public key")
    return key


# --- sign and verify ---------------------------------------------------------------


def sign_folder(root: Path, key: Ed25519PrivateKey) -> Path:
    """Write SHA256SUMS and its signature into root; returns the manifest's path."""
    text = manifest_text(root).encode()
    signature = base64.b64encode(key.sign(text)) + b"\n"
    _write_atomic(root / MANIFEST, text)
    _write_atomic(root / SIGNATURE, signature)
    return root / MANIFEST


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


@dataclass
class Verification:
    """What verify found; `ok` only with a good signature and nothing else to report."""

    signature_ok: bool = False
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.signature_ok
            and not (self.changed or self.missing or self.extra)
            and not self.problem
        )

    def report(self) -> list[str]:
        """One line per finding, in Russian for the people who file them."""
        lines = [self.problem] if self.problem else []
        if not self.signature_ok and not self.problem:
            lines.append(f"подпись {SIGNATURE} не совпадает с {MANIFEST}")
        lines += [f"изменён: {name}" for name in self.changed]
        lines += [f"отсутствует: {name}" for name in self.missing]
        lines += [f"лишний файл: {name}" for name in self.extra]
        return lines


def verify_folder(root: Path, public_key: Ed25519PublicKey) -> Verification:
    result = Verification()
    manifest, signature = root / MANIFEST, root / SIGNATURE
    if not root.is_dir():
        result.problem = f"{root}: папка не найдена"
        return result
    for needed in (manifest, signature):
        if not needed.is_file():
            result.problem = f"{needed}: файл не найден"
            return result
    text = manifest.read_bytes()
    try:
        public_key.verify(base64.b64decode(signature.read_bytes().strip()), text)
        result.signature_ok = True
    except (InvalidSignature, ValueError):
        result.signature_ok = False
    try:
        listed = _parse_manifest(manifest)
    except SigningError as error:
        result.problem = str(error)
        return result
    present = set(_files(root))
    for name, digest in sorted(listed.items()):
        if name not in present:
            result.missing.append(name)
        elif sha256_file(root / name) != digest:
            result.changed.append(name)
    result.extra = sorted(present - listed.keys())
    return result


def print_verification(folder: Path, result: Verification, refused: str) -> int:
    """The verdict for an operator: 0 and one line, or 1 and every finding on stderr."""
    if result.ok:
        print(f"{folder}: подпись верна, все файлы совпадают с {MANIFEST}")
        return 0
    print(f"{folder}: {refused}:", file=sys.stderr)
    for line in result.report():
        print(f"  {line}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Verify a folder where this file is all there is (the registry_app role's check)."""
    parser = argparse.ArgumentParser(description="Verify a signed folder (SHA256SUMS).")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--public-key", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        result = verify_folder(args.folder, load_public_key(args.public_key))
    except SigningError as error:
        print(f"{args.folder}: {error}", file=sys.stderr)
        return 1
    return print_verification(args.folder, result, "пакет НЕ прошёл проверку и не будет установлен")


if __name__ == "__main__":
    sys.exit(main())
