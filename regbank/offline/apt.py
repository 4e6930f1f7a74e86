"""Resolving and downloading packages with apt itself, in a throwaway apt root.

The root has the controller's Debian mirror (regbank.debian_mirror) as its only
sources, trusted with Debian's archive keyring, and an empty dpkg status: apt sees a
machine with nothing installed and downloads every dependency, down to libc6, at the
newest version bookworm, bookworm-updates and bookworm-security offer today.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from regbank.debian_mirror import SUITE, DebianMirror
from regbank.offline.packages import Need, wanted_by
from regbank_foundation.errors import RegbankError

ARCHITECTURE = "amd64"
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

# apt's ways of saying it cannot give a package; each names the package.
_NOT_FOUND = (
    re.compile(r"^E: Unable to locate package (\S+)", re.M),
    re.compile(r"^E: Package '([^']+)' has no installation candidate", re.M),
    re.compile(r"^E: Version '[^']*' for '([^']+)' was not found", re.M),
)
_UNMET = re.compile(r"^ ?(\S+) : (?:Pre)?Depends: (.+)$", re.M)


class AptError(RegbankError):
    """apt cannot resolve or download what a role installs."""


class AptRoot:
    """A throwaway apt configuration under `root` (created if missing)."""

    def __init__(self, root: Path, proxy: str | None = None) -> None:
        self.root = root
        self.proxy = proxy
        for folder in (
            "etc/apt/sources.list.d",
            "etc/apt/apt.conf.d",
            "etc/apt/preferences.d",
            "etc/apt/trusted.gpg.d",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/lib/dpkg",
        ):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "var/lib/dpkg/status").touch()

    @property
    def archives(self) -> Path:
        return self.root / "var/cache/apt/archives"

    def write_sources(self, text: str) -> None:
        (self.root / "etc/apt/sources.list.d/bundle.sources").write_text(text, encoding="utf-8")

    def options(self) -> list[str]:
        settings = {
            "Dir": str(self.root),
            "Dir::State::status": str(self.root / "var/lib/dpkg/status"),
            # Nothing of the controller's own sources or keys.
            "Dir::Etc::sourcelist": str(self.root / "etc/apt/sources.list"),
            "Dir::Etc::sourceparts": str(self.root / "etc/apt/sources.list.d"),
            "Dir::Etc::trusted": str(self.root / "etc/apt/trusted.gpg"),
            "Dir::Etc::trustedparts": str(self.root / "etc/apt/trusted.gpg.d"),
            "Dir::Etc::preferencesparts": str(self.root / "etc/apt/preferences.d"),
            "APT::Architecture": ARCHITECTURE,
            "APT::Architectures": ARCHITECTURE,
            "Acquire::Languages": "none",
            "Debug::NoLocking": "1",
            "APT::Sandbox::User": "root",
        }
        if self.proxy:
            settings["Acquire::http::Proxy"] = self.proxy
        return [option for key, value in settings.items() for option in ("-o", f"{key}={value}")]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["apt-get", "-q", *self.options(), *args],
            capture_output=True,
            text=True,
            check=False,
            env={"LC_ALL": "C.UTF-8", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )

    def update(self, what: str) -> None:
        done = self.run("update")
        # apt-get update exits 0 on a source it could not fetch; its W:/E: lines say so.
        problems = [
            line
            for line in (done.stdout + done.stderr).splitlines()
            if line.startswith(("E:", "W:"))
        ]
        if done.returncode != 0 or problems:
            raise AptError(f"apt-get update of {what} failed: " + " | ".join(problems[-3:]))


def mirror_sources(mirror: DebianMirror, keyring: Path = DEBIAN_KEYRING) -> str:
    return "".join(
        f"Types: deb\nURIs: {repository['uris'][0]}\nSuites: {' '.join(repository['suites'])}\n"
        f"Components: main\nSigned-By: {keyring}\n\n"
        for repository in mirror.repositories()
    )


def _explain(output: str, needs: list[Need]) -> str:
    """The packages apt refused, each with the roles that want it."""
    owners = wanted_by(needs)
    lines = []
    for pattern in _NOT_FOUND:
        for name in pattern.findall(output):
            lines.append(
                f"package {name} (wanted by {', '.join(owners.get(name, ['?']))}): "
                f"not in Debian {SUITE} {ARCHITECTURE} on the mirror"
            )
    for name, wants in _UNMET.findall(output):
        if name in owners:
            lines.append(
                f"package {name} (wanted by {', '.join(owners[name])}): "
                f"cannot be installed, it depends on {wants.strip()}"
            )
    return "\n".join(lines)


def download(needs: list[Need], mirror: DebianMirror, work: Path, proxy: str | None) -> list[Path]:
    """Every .deb the needed packages and their dependencies are made of."""
    apt = AptRoot(work / "apt-root", proxy)
    apt.write_sources(mirror_sources(mirror))
    apt.update(f"the Debian mirror {mirror.archive}")
    for recommends in (True, False):
        names = sorted({need.package for need in needs if need.recommends is recommends})
        if not names:
            continue
        flag = "--install-recommends" if recommends else "--no-install-recommends"
        done = apt.run("install", "--download-only", "--yes", flag, *names)
        if done.returncode != 0:
            output = done.stdout + done.stderr
            explained = _explain(output, needs)
            tail = "\n".join(line for line in output.splitlines() if line.startswith("E:"))
            raise AptError(
                "apt cannot resolve the packages the roles install:\n" + (explained or tail)
            )
    debs = sorted(apt.archives.glob("*.deb"))
    if not debs:
        raise AptError("apt downloaded no package")
    return debs
