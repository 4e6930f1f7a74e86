"""The lab's base image: Debian 12 with systemd as PID 1, built locally.

No image registry is reachable, so the image is made with debootstrap from the
machine's own Debian mirror and imported into Docker. The lab and every role's
molecule scenario run on it. The image carries a label with the hash of this
module, so a change to the recipe below rebuilds it on the next `lab up`.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docker

from regbank.debian_mirror import SUITE, DebianMirror, host_debian_mirror
from regbank_foundation.errors import RegbankError

IMAGE = "regbank/debian12-systemd:latest"
LABEL_RECIPE = "org.regbank.image-recipe"
LABEL_IMAGE = "org.regbank.image"

# What every lab host and role test needs before Ansible's first task: systemd
# and dbus to boot, SSH to connect, Python and python3-apt for the modules,
# sudo for the admin account, iproute2 for facts about addresses.
PACKAGES = [
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    "python3-apt",
    "sudo",
    "iproute2",
    "openssh-server",
    "ca-certificates",
]

SOURCES = """\
Types: deb
URIs: {archive}
Suites: {suite} {suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: {security}
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

# Every container needs its own SSH host keys, made at its first boot.
HOSTKEYS_UNIT = """\
[Unit]
Description=Generate SSH host keys missing on this host
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
"""


def recipe_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def current_image(client: docker.DockerClient):
    """The built image if it exists and was made by this recipe, else None."""
    try:
        image = client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        return None
    return image if image.labels.get(LABEL_RECIPE) == recipe_hash() else None


def _run(command: list[str], log: Path) -> None:
    with log.open("a") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise RegbankError(f"image build: {' '.join(command[:3])} … failed; see {log}")


def _configure_rootfs(rootfs: Path, mirror: DebianMirror, log: Path) -> None:
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
        SOURCES.format(archive=mirror.archive, security=mirror.security, suite=SUITE)
    )
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    unit = rootfs / "etc/systemd/system/regbank-ssh-hostkeys.service"
    unit.write_text(HOSTKEYS_UNIT)
    wants = rootfs / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / unit.name
    if not link.is_symlink():
        link.symlink_to(f"/etc/systemd/system/{unit.name}")
    # A fresh package index saves every container its first `apt update`.
    _run(["chroot", str(rootfs), "apt-get", "update", "-qq"], log)
    # Identity is made per container at boot.
    (rootfs / "etc/machine-id").write_text("")
    (rootfs / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    (rootfs / "etc/hostname").unlink(missing_ok=True)


def build_image(client: docker.DockerClient, log: Path, force: bool = False):
    """Build and import the base image unless the current recipe's image exists."""
    if not force and (image := current_image(client)) is not None:
        return image
    if os.geteuid() != 0:
        raise RegbankError("image build: debootstrap needs root; run as root or with sudo")
    if shutil.which("debootstrap") is None:
        raise RegbankError("image build: debootstrap is not installed; run `make lab`")
    mirror = host_debian_mirror()
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    with tempfile.TemporaryDirectory(prefix="regbank-image-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(rootfs),
                mirror.archive,
            ],
            log,
        )
        _configure_rootfs(rootfs, mirror, log)
        tarball = Path(work) / "rootfs.tar"
        _run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(tarball), "."], log)
        repository, tag = IMAGE.rsplit(":", 1)
        client.api.import_image_from_file(
            str(tarball),
            repository=repository,
            tag=tag,
            changes=[
                # STOPSIGNAL cannot be set on import: containers set SIGRTMIN+3.
                'CMD ["/lib/systemd/systemd"]',
                f"LABEL {LABEL_IMAGE}=base {LABEL_RECIPE}={recipe_hash()}",
            ],
        )
    return client.images.get(IMAGE)


def remove_images(client: docker.DockerClient) -> list[str]:
    """Remove every image the kit built (any recipe); return their ids."""
    removed = []
    for image in client.images.list(filters={"label": LABEL_IMAGE}):
        client.images.remove(image.id, force=True)
        removed.append(image.short_id)
    return removed
