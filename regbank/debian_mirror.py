"""The Debian mirror this machine is configured to use.

The lab builds its image and installs packages from the same mirror as the
controller, read from the controller's apt sources: no host is hard-coded.
"""

from dataclasses import dataclass
from pathlib import Path

from regbank_foundation.errors import RegbankError

SUITE = "bookworm"
APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class DebianMirror:
    archive: str  # serves bookworm and bookworm-updates
    security: str  # serves bookworm-security

    def repositories(self) -> list[dict]:
        """The lab's apt sources, in the shape of the baseline role's variable."""
        return [
            {
                "name": "debian",
                "uris": [self.archive],
                "suites": [SUITE, f"{SUITE}-updates"],
                "components": ["main"],
            },
            {
                "name": "debian-security",
                "uris": [self.security],
                "suites": [f"{SUITE}-security"],
                "components": ["main"],
            },
        ]


def _one_line_entries(text: str):
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 3 and words[0] == "deb":
            # Drop an options block such as "[signed-by=...]".
            words = [w for w in words[1:] if not (w.startswith("[") or w.endswith("]"))]
            if len(words) >= 2:
                yield words[0], [words[1]]


def _deb822_entries(text: str):
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            for uri in fields.get("uris", "").split():
                yield uri, fields.get("suites", "").split()


def _apt_entries(apt_dir: Path):
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sources":
            yield from _deb822_entries(text)
        elif path.suffix == ".list" or path.name == "sources.list":
            yield from _one_line_entries(text)


def host_debian_mirror(apt_dir: Path = APT_DIR) -> DebianMirror:
    """Find the bookworm archive and security URIs in the machine's apt sources."""
    archive = security = None
    for uri, suites in _apt_entries(apt_dir):
        uri = uri.rstrip("/")
        if SUITE in suites and archive is None:
            archive = uri
        if f"{SUITE}-security" in suites and security is None:
            security = uri
    if archive is None:
        raise RegbankError(
            f"{apt_dir}/sources.list*: no Debian '{SUITE}' repository found; "
            "the lab installs from the same mirror as this machine"
        )
    if security is None:
        # The usual layout: security sits beside the archive on the same mirror.
        security = archive.rsplit("/", 1)[0] + "/debian-security"
    return DebianMirror(archive=archive, security=security)
