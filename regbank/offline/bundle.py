"""Building the offline bundle as one signed folder (and a tarball of it), and checking one.

Built in <DIR>.partial and renamed to DIR at the very end, after the manifest is
signed and the tarball written: a failure leaves nothing behind, and an existing DIR
is only replaced when asked to.
"""

from __future__ import annotations

import datetime
import json
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from regbank import secrets
from regbank.app_bundle import DEFAULT_KEY, build_bundle
from regbank.debian_mirror import SUITE, host_debian_mirror
from regbank.offline import apt, packages, repository, wheelhouse
from regbank_foundation import signing
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

BUNDLE_INFO = "BUNDLE.json"
FORMAT = 1


class OfflineError(RegbankError):
    """The offline bundle cannot be built."""


@dataclass
class Parts:
    """What a build includes; tests leave out the slow parts, the command never does."""

    roles: list[str] | None = None  # None: every role and playbook
    app: bool = True
    wheelhouse: bool = True


@dataclass
class Built:
    path: Path
    tarball: Path
    info: dict = field(default_factory=dict)


def repository_key(inventory: Path, password: bytes) -> str:
    vault = inventory / secrets.VAULT_FILE
    key = secrets.read_vault(vault, password).get(secrets.REPOSITORY_KEY)
    if not key:
        raise OfflineError(
            f"{vault}: no {secrets.REPOSITORY_KEY}; run `regbank secrets init -i {inventory}`"
        )
    return key


def _tarball_path(out: Path) -> Path:
    return out.with_name(out.name + ".tar")


def _refuse_existing(out: Path, replace: bool) -> None:
    if replace:
        return
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OfflineError(f"{out}: exists and is not empty; choose another --out or --replace")
    if _tarball_path(out).exists():
        raise OfflineError(f"{_tarball_path(out)}: exists; choose another --out or --replace")


def _kit_commit() -> str | None:
    head = KIT_ROOT / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (KIT_ROOT / ".git" / ref[5:]).read_text().strip()
        return ref
    except OSError:
        return None


def _write_tarball(folder: Path, name: str, target: Path) -> None:
    with tarfile.open(target, "w") as archive:
        archive.add(folder, arcname=name)


def build(
    out: Path,
    inventory: Path,
    password: bytes,
    key_path: Path = DEFAULT_KEY,
    proxy: str | None = None,
    replace: bool = False,
    parts: Parts | None = None,
    log=print,
) -> Built:
    parts = parts or Parts()
    out = out.resolve()
    _refuse_existing(out, replace)
    region_key = repository_key(inventory, password)
    kit_key = signing.load_or_create_key(key_path)
    partial = out.with_name(out.name + ".partial")
    tar_partial = out.with_name(out.name + ".tar.partial")
    shutil.rmtree(partial, ignore_errors=True)  # what a killed build left
    tar_partial.unlink(missing_ok=True)
    partial.mkdir(parents=True)
    started = time.monotonic()
    try:
        needs = packages.collect(roles=parts.roles)
        mirror = host_debian_mirror()
        with tempfile.TemporaryDirectory(prefix="regbank-offline-") as work:
            log(f"apt: {len({n.package for n in needs})} packages from {mirror.archive}")
            debs = apt.download(needs, mirror, Path(work), proxy)
            log(f"reprepro: {len(debs)} .deb files with their dependencies")
            repository.build(debs, partial / "repository", region_key)
        repository.write_public_key(region_key, partial / "keys")
        info: dict = {
            "format": FORMAT,
            "built": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "kit_commit": _kit_commit(),
            "debian": {"suite": SUITE, "architecture": apt.ARCHITECTURE},
            "mirror": [mirror.archive, mirror.security],
            "debs": len(debs),
            "packages": dict(sorted(packages.wanted_by(needs).items())),
            "parts": {
                "roles": parts.roles or "all",
                "app": parts.app,
                "wheelhouse": parts.wheelhouse,
            },
        }
        if parts.app:
            log("application bundle: regbank app build")
            app = build_bundle(key_path=key_path, out_dir=partial)
            info["app"] = {"version": app.version, "folder": app.path.name}
        if parts.wheelhouse:
            log("wheelhouse: requirements.lock and the collections")
            info["wheels"] = wheelhouse.build(partial / "wheelhouse")
        (partial / BUNDLE_INFO).write_text(
            json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        signing.sign_folder(partial, kit_key)
        log("tarball")
        _write_tarball(partial, out.name, tar_partial)
        if replace:
            shutil.rmtree(out, ignore_errors=True)
            _tarball_path(out).unlink(missing_ok=True)
        elif out.is_dir():
            out.rmdir()  # empty, checked above
        partial.rename(out)
        tar_partial.rename(_tarball_path(out))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        tar_partial.unlink(missing_ok=True)
        raise
    info["seconds"] = round(time.monotonic() - started)
    return Built(path=out, tarball=_tarball_path(out), info=info)


# --- verify ------------------------------------------------------------------------


def _target_problems(folder: Path) -> list[str]:
    """A bundle made for other hosts than the kit's (Debian release, architecture, format)."""
    try:
        info = json.loads((folder / BUNDLE_INFO).read_text(encoding="utf-8"))
        debian = info["debian"]
        found = (info["format"], debian["suite"], debian["architecture"])
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{BUNDLE_INFO}: не читается или не описывает комплект"]
    if found != (FORMAT, SUITE, apt.ARCHITECTURE):
        return [
            f"{BUNDLE_INFO}: комплект формата {found[0]} для Debian {found[1]} {found[2]}, "
            f"а набор ставит формат {FORMAT} на Debian {SUITE} {apt.ARCHITECTURE}"
        ]
    return []


def _verify_folder(
    folder: Path, public_key, region_key: Path | None, expected: list[str]
) -> list[str]:
    problems = signing.verify_folder(folder, public_key).report()
    problems += _target_problems(folder)
    bundled = folder / "keys" / repository.KEYRING
    if not bundled.is_file():
        return [*problems, f"нет открытого ключа региона keys/{repository.KEYRING}"]
    keyring = bundled
    if region_key is not None:
        # The region's own key, not the one the bundle brings, judges the repository.
        try:
            found = repository.fingerprints(bundled.read_bytes())
        except RegbankError:
            found = []
        if found != expected:
            problems.append(
                f"keys/{repository.KEYRING}: ключ {', '.join(found) or '(нет)'}, "
                f"а ключ региона {', '.join(expected)}"
            )
        keyring = region_key
    if (folder / "repository").is_dir():
        problems += repository.signature_problems(folder / "repository", keyring)
    else:
        problems.append("нет папки repository/")
    return problems


def verify(bundle: Path, public_key_path: Path, region_key_path: Path | None = None) -> list[str]:
    """Every problem of a bundle folder or tarball, one line each; [] when it verifies.

    With `region_key_path` (the region's public key, `regbank offline key`), the
    repository must be signed by that key, not just by the one inside the bundle."""
    try:
        public_key = signing.load_public_key(public_key_path)
    except signing.SigningError as error:
        return [str(error)]
    with tempfile.TemporaryDirectory(prefix="regbank-offline-verify-") as work:
        region_key, expected = None, []
        if region_key_path is not None:
            try:
                data = repository.binary_key(region_key_path.read_bytes())
                expected = repository.fingerprints(data)
            except (OSError, RegbankError) as error:
                return [f"{region_key_path}: не читается как ключ OpenPGP ({error})"]
            region_key = Path(work) / "region.gpg"
            region_key.write_bytes(data)
        if bundle.is_dir():
            return _verify_folder(bundle, public_key, region_key, expected)
        if not bundle.is_file():
            return [f"{bundle}: нет такой папки или файла"]
        unpacked = Path(work) / "bundle"
        try:
            with tarfile.open(bundle) as archive:
                archive.extractall(unpacked, filter="data")
        except (tarfile.TarError, EOFError, OSError) as error:
            return [f"{bundle}: архив повреждён или обрезан ({error})"]
        tops = list(unpacked.iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            return [f"{bundle}: в архиве должна быть одна папка комплекта"]
        return _verify_folder(tops[0], public_key, region_key, expected)
