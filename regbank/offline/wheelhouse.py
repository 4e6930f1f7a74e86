"""The controller's wheelhouse: what `make venv` installs, for an offline controller.

Every entry of requirements.lock as a wheel for Python 3.11 on Debian 12 x86_64,
downloaded by pip with the lock's hashes checked, the lock itself beside them; the
kit's own build requirements (pyproject.toml's [build-system], not in the lock: the
signed manifest is what vouches for them) in build-system/; and each collection of
collections/requirements.yml as a tarball ansible-galaxy installs, in collections/.

The collections are packed from the pinned `ansible` package the lock installs (the
versions the kit is tested with; no Galaxy server needed). The ansible package leaves
out a collection's CI files, so FILES.json is narrowed to the files present (and
MANIFEST.json's sum of it updated): ansible-galaxy checks every listed file's sum on
install. docs/offline.md says how a controller installs from it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from regbank.app_bundle import download_dependencies
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

LOCK_FILE = KIT_ROOT / "requirements.lock"
COLLECTIONS_FILE = KIT_ROOT / "collections" / "requirements.yml"
PYPROJECT = KIT_ROOT / "pyproject.toml"


class WheelhouseError(RegbankError):
    """The wheelhouse cannot be made."""


def installed_collections() -> Path:
    import ansible_collections

    return Path(list(ansible_collections.__path__)[0])


def pack_collection(source: Path, out: Path, wanted: str) -> Path:
    """<namespace>-<name>-<version>.tar.gz of an installed collection, as Galaxy builds it."""
    try:
        manifest = json.loads((source / "MANIFEST.json").read_text())
        listing = json.loads((source / "FILES.json").read_text())
        info = manifest["collection_info"]
    except (OSError, ValueError, KeyError) as error:
        raise WheelhouseError(f"{source}: not an installed collection ({error})") from error
    try:
        specifier = SpecifierSet(wanted or "")
    except InvalidSpecifier as error:
        raise WheelhouseError(f"{COLLECTIONS_FILE}: bad version {wanted!r}") from error
    if info["version"] not in specifier:
        raise WheelhouseError(
            f"{info['namespace']}.{info['name']} {info['version']} (from the ansible package) "
            f"does not meet {wanted} in {COLLECTIONS_FILE}"
        )
    present = [entry for entry in listing["files"] if (source / entry["name"]).exists()]
    files_json = json.dumps({**listing, "files": present}, indent=4).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    tarball = out / f"{info['namespace']}-{info['name']}-{info['version']}.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in (("MANIFEST.json", json.dumps(manifest, indent=4).encode()),
                           ("FILES.json", files_json)):  # fmt: skip
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o644
            archive.addfile(member, io.BytesIO(data))
        for entry in present:
            if entry["name"] != ".":
                archive.add(source / entry["name"], arcname=entry["name"], recursive=False)
    return tarball


def pack_collections(out: Path, requirements: Path = COLLECTIONS_FILE) -> list[Path]:
    try:
        wanted = yaml.safe_load(requirements.read_text())["collections"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise WheelhouseError(f"{requirements}: no readable collections list ({error})") from error
    out.mkdir(parents=True)
    root = installed_collections()
    packed = []
    for item in wanted:
        namespace, name = item["name"].split(".", 1)
        source = root / namespace / name
        if not source.is_dir():
            raise WheelhouseError(f"{item['name']}: not in the installed ansible package")
        packed.append(pack_collection(source, out, item.get("version", "")))
    return packed


def download_build_system(out: Path, pyproject: Path = PYPROJECT) -> None:
    """The wheels `pip install -e .` of the kit needs to build it (setuptools, wheel, theirs)."""
    try:
        requires = tomllib.loads(pyproject.read_text())["build-system"]["requires"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise WheelhouseError(f"{pyproject}: no readable [build-system] requires") from error
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet",
         "--only-binary=:all:", "--python-version", "3.11", "-d", str(out), *requires],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise WheelhouseError(f"downloading the kit's build requirements failed:\n{tail}")


def build(out: Path, lock: Path = LOCK_FILE, collections: Path = COLLECTIONS_FILE) -> int:
    """Wheels and collections under out/; returns the number of wheels."""
    out.mkdir(parents=True)
    shutil.copy2(lock, out / "requirements.lock")
    # The same target and hash check as the application's own wheels.
    download_dependencies(out / "requirements.lock", out)
    download_build_system(out / "build-system")
    if collections.is_file():
        pack_collections(out / "collections", collections)
    return len(list(out.glob("*.whl")))
