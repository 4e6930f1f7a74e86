"""The registry application's bundle: the wheel, its dependencies' wheels, signed.

A bundle is a folder a host can install from without any package index:

    app-bundle-<version>/
      wheels/               regbank_app-<version>-py3-none-any.whl and every run-time
                            dependency's wheel (Python 3.11, manylinux x86_64: Debian 12)
      requirements.txt      the run-time dependencies pinned with hashes (from requirements.lock)
      gunicorn.conf.py      gunicorn settings the systemd unit runs with
      BUNDLE.json           name, version, wheel file name, target, source commit
      SHA256SUMS(.sig)      regbank_foundation.signing: every file's sum, signed with Ed25519

The registry_app role verifies the folder on the host with the kit's public key before
anything from it is installed.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from regbank_foundation import signing
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

APP_SOURCE = KIT_ROOT / "app_bundle"
LOCK_FILE = KIT_ROOT / "requirements.lock"
DEFAULT_OUT = KIT_ROOT / "build"
DEFAULT_KEY = KIT_ROOT / ".lab" / "signing" / "app-signing.key"

# The target hosts: Debian 12 (glibc 2.36), its Python 3.11, x86_64. pip does not widen
# a given --platform to older glibc versions itself: every compatible tag is named.
TARGET_PYTHON = "3.11"
TARGET_GLIBC = (2, 36)
TARGET_ARCH = "x86_64"
TARGET_PLATFORMS = [
    f"manylinux_2_{minor}_{TARGET_ARCH}" for minor in range(TARGET_GLIBC[1], 16, -1)
] + [f"manylinux2014_{TARGET_ARCH}", f"manylinux2010_{TARGET_ARCH}", f"manylinux1_{TARGET_ARCH}"]

# Left out of the wheel: tests and what only the test session uses.
_SOURCE_IGNORE = shutil.ignore_patterns(
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "*.egg-info",
    "static_collected",
    "tests",
    "testing",
    "conftest.py",
    "settings_test.py",
    "pytest.ini",
    "ruff.toml",
)


class BundleError(RegbankError):
    """The bundle cannot be built or does not verify."""


@dataclass
class Bundle:
    path: Path
    version: str
    wheel: str
    requirements: int


def app_metadata(source: Path = APP_SOURCE) -> dict:
    """The [project] table of app_bundle/pyproject.toml."""
    path = source / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise BundleError(f"{path}: no readable [project] table ({error})") from error


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?", requirement)
    if not match:
        raise BundleError(f"app_bundle/pyproject.toml: cannot read requirement {requirement!r}")
    return _normalise(match.group(1))


def _root_names(requirements: list[str]) -> set[str]:
    """Names the app depends on, extras included (psycopg[binary] -> psycopg-binary)."""
    names = set()
    for requirement in requirements:
        name = _requirement_name(requirement)
        names.add(name)
        extras = re.search(r"\[([^\]]*)\]", requirement)
        for extra in extras.group(1).split(",") if extras else []:
            names.add(_normalise(f"{name}-{extra.strip()}"))
    return names


def _lock_entries(lock: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (the entry's requirement and hash lines, the names it is required 'via')."""
    entries: dict[str, tuple[list[str], set[str]]] = {}
    current: str | None = None
    in_via = False
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = _requirement_name(line)
            entries[current] = ([line], set())
            in_via = False
        elif current is None:
            continue
        elif line.strip().startswith("--hash="):
            entries[current][0].append(line)
        elif line.strip().startswith("# via"):
            in_via = True
            rest = line.strip()[len("# via") :].strip()
            if rest:
                entries[current][1].add(rest)
        elif in_via and line.strip().startswith("#"):
            entries[current][1].add(line.strip().lstrip("#").strip())
    result = {}
    for name, (lines, via) in entries.items():
        via_names = {_normalise(v.split()[0]) for v in via if "(" not in v}
        result[name] = ("\n".join(lines), via_names)
    return result


def runtime_requirements(lock: Path = LOCK_FILE, source: Path = APP_SOURCE) -> str:
    """The app's dependencies and everything they need, pinned with hashes from the lock."""
    roots = _root_names(app_metadata(source).get("dependencies", []))
    entries = _lock_entries(lock)
    missing = sorted(name for name in roots if name not in entries)
    if missing:
        raise BundleError(
            f"{lock}: no pinned version of {', '.join(missing)} "
            "(add it to pyproject.toml and run `make lock`)"
        )
    closure = set(roots)
    grown = True
    while grown:
        grown = False
        for name, (_, via) in entries.items():
            if name not in closure and via & closure:
                closure.add(name)
                grown = True
    header = (
        "# Run-time dependencies of the registry application, pinned with hashes.\n"
        "# Taken from the kit's requirements.lock by `regbank app build`.\n"
    )
    return header + "".join(entries[name][0] + "\n" for name in sorted(closure))


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BundleError(f"{what} failed (exit {done.returncode}):\n{tail}")


def _source_commit() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(KIT_ROOT), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "app_bundle"))
    return {"commit": commit or None, "app_bundle_uncommitted_changes": dirty}


def build_wheel(source: Path, wheels: Path) -> Path:
    """The app's wheel from a clean copy of the source (no stale build/ folder, no tests)."""
    with tempfile.TemporaryDirectory(prefix="regbank-app-src-") as staging:
        copy = Path(staging) / "app_bundle"
        shutil.copytree(source, copy, ignore=_SOURCE_IGNORE)
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "-w",
                str(wheels),
                str(copy),
            ],
            "building the application wheel (pip wheel app_bundle/)",
        )
    built = sorted(wheels.glob("regbank_app-*.whl"))
    if len(built) != 1:
        raise BundleError(f"{wheels}: expected one regbank_app wheel, found {len(built)}")
    return built[0]


def download_dependencies(requirements: Path, wheels: Path) -> None:
    """Every pinned dependency as a wheel for the target hosts; hashes checked by pip."""
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet",
            "--no-deps", "--require-hashes", "--only-binary=:all:",
            "--python-version", TARGET_PYTHON, "--implementation", "cp",
            "--abi", f"cp{TARGET_PYTHON.replace('.', '')}", "--abi", "abi3", "--abi", "none",
            *[option for tag in TARGET_PLATFORMS for option in ("--platform", tag)],
            "-r", str(requirements), "-d", str(wheels),
        ],
        "downloading the dependencies' wheels (pip download)",
    )  # fmt: skip


def build_bundle(
    key_path: Path = DEFAULT_KEY,
    out_dir: Path = DEFAULT_OUT,
    source: Path = APP_SOURCE,
    lock: Path = LOCK_FILE,
) -> Bundle:
    """Build, collect and sign app-bundle-<version>/ under out_dir (replacing an old one)."""
    metadata = app_metadata(source)
    version = metadata["version"]
    key = signing.load_or_create_key(key_path)
    bundle = out_dir / f"app-bundle-{version}"
    partial = out_dir / f".app-bundle-{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    wheels = partial / "wheels"
    wheels.mkdir(parents=True)
    requirements = runtime_requirements(lock, source)
    (partial / "requirements.txt").write_text(requirements, encoding="utf-8")
    wheel = build_wheel(source, wheels)
    download_dependencies(partial / "requirements.txt", wheels)
    shutil.copy2(source / "gunicorn.conf.py", partial / "gunicorn.conf.py")
    info = {
        "name": metadata["name"],
        "version": version,
        "wheel": wheel.name,
        "python": TARGET_PYTHON,
        "platform": f"glibc {TARGET_GLIBC[0]}.{TARGET_GLIBC[1]} {TARGET_ARCH}",
        "built": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        **_source_commit(),
    }
    (partial / "BUNDLE.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    signing.sign_folder(partial, key)
    shutil.rmtree(bundle, ignore_errors=True)
    partial.rename(bundle)
    count = sum(1 for line in requirements.splitlines() if line and line[0].isalnum())
    return Bundle(path=bundle, version=version, wheel=wheel.name, requirements=count)


def verify_bundle(bundle: Path, public_key_path: Path) -> signing.Verification:
    try:
        public_key = signing.load_public_key(public_key_path)
    except signing.SigningError as error:
        raise BundleError(str(error)) from error
    return signing.verify_folder(bundle, public_key)
