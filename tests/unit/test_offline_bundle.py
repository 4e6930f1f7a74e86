"""The offline bundle with real apt, a real reprepro repository and real signatures,
on the firewall role's packages (nftables and its dependencies, about 2 MB)."""

import base64
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from regbank import secrets
from regbank.debian_mirror import host_debian_mirror
from regbank.offline import apt, bundle, packages, repository
from regbank.offline.packages import Need
from regbank_foundation import signing

KIT = Path(__file__).resolve().parents[2]
REGBANK = Path(sys.executable).parent / "regbank"
PARTS = bundle.Parts(roles=["firewall"], app=False, wheelhouse=False)


def apt_proxy() -> str | None:
    """make host's apt-cacher-ng when it runs (as in `make unit`), else the mirror itself."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return "http://127.0.0.1:3142" if probe.connect_ex(("127.0.0.1", 3142)) == 0 else None


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> tuple[Path, Path]:
    """An inventory with its vault (repository key included) and its password file."""
    root = tmp_path_factory.mktemp("region")
    inventory = root / "inventory"
    shutil.copytree(KIT / "inventory" / "example", inventory)
    password = root / "vault-password"
    secrets.create_password_file(password)
    secrets.ensure_secrets(inventory, secrets.read_password(password), log=lambda _: None)
    return inventory, password


@pytest.fixture(scope="module")
def built(region, tmp_path_factory) -> bundle.Built:
    inventory, password = region
    root = tmp_path_factory.mktemp("built")
    return bundle.build(
        root / "bundle",
        inventory,
        secrets.read_password(password),
        key_path=root / "kit.key",
        proxy=apt_proxy(),
        parts=PARTS,
        log=lambda _: None,
    )


@pytest.fixture
def copy(built, tmp_path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(built.path, target)
    return target


def public_key(built) -> Path:
    return built.path.parent / "kit.key.pub"


def verify_cli(target: Path, built, *more: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(REGBANK),
            "offline",
            "verify",
            str(target),
            "--public-key",
            str(public_key(built)),
            *more,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def a_deb(folder: Path) -> Path:
    return next((folder / "repository" / "pool").rglob("nftables_*.deb"))


def test_a_fresh_bundle_verifies_as_folder_and_tarball(built):
    assert not built.path.with_name("bundle.partial").exists()
    assert a_deb(built.path).is_file()
    for target in (built.path, built.tarball):
        done = verify_cli(target, built)
        assert done.returncode == 0, done.stderr
        assert "подписи верны" in done.stdout


def test_a_changed_byte_is_refused(built, copy):
    deb = a_deb(copy)
    data = bytearray(deb.read_bytes())
    data[len(data) // 2] ^= 1
    deb.write_bytes(bytes(data))
    done = verify_cli(copy, built)
    assert done.returncode == 1
    assert f"изменён: {deb.relative_to(copy).as_posix()}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_and_an_extra_file_are_refused(built, copy):
    deb = a_deb(copy)
    deb.unlink()
    (copy / "repository" / "pool" / "main" / "extra.deb").write_bytes(b"x")
    done = verify_cli(copy, built)
    assert done.returncode == 1
    assert f"отсутствует: {deb.relative_to(copy).as_posix()}" in done.stderr
    assert "лишний файл: repository/pool/main/extra.deb" in done.stderr


def test_a_release_resigned_with_the_kit_key_alone_is_refused(built, copy):
    """Whoever has the kit's key but not the region's cannot change the repository."""
    release = copy / "repository" / "dists" / "bookworm" / "Release"
    release.write_text(release.read_text() + "Comment: tampered\n")
    inrelease = copy / "repository" / "dists" / "bookworm" / "InRelease"
    inrelease.write_text(inrelease.read_text().replace("Label: regbank", "Label: evil"))
    signing.sign_folder(copy, signing.load_private_key(built.path.parent / "kit.key"))
    done = verify_cli(copy, built)
    assert done.returncode == 1
    assert "подпись dists/bookworm/InRelease не проверяется ключом региона" in done.stderr
    assert "подпись dists/bookworm/Release.gpg не проверяется ключом региона" in done.stderr
    assert "изменён" not in done.stderr


def test_a_manifest_signed_by_another_key_is_refused(built, copy, tmp_path):
    other = signing.create_key(tmp_path / "other.key")
    manifest = (copy / signing.MANIFEST).read_bytes()
    (copy / signing.SIGNATURE).write_bytes(base64.b64encode(other.sign(manifest)) + b"\n")
    done = verify_cli(copy, built)
    assert done.returncode == 1
    assert "подпись SHA256SUMS.sig не совпадает с SHA256SUMS" in done.stderr


def test_a_bundle_for_another_release_is_refused(built, copy):
    info = copy / bundle.BUNDLE_INFO
    info.write_text(info.read_text().replace('"bookworm"', '"trixie"'))
    signing.sign_folder(copy, signing.load_private_key(built.path.parent / "kit.key"))
    done = verify_cli(copy, built)
    assert done.returncode == 1
    assert "для Debian trixie amd64, а набор ставит формат 1 на Debian bookworm" in done.stderr


def test_a_truncated_tarball_is_refused_without_a_traceback(built, tmp_path):
    cut = tmp_path / "bundle.tar"
    data = built.tarball.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    done = verify_cli(cut, built)
    assert done.returncode == 1
    assert "архив повреждён или обрезан" in done.stderr
    assert "Traceback" not in done.stderr


def apt_root_on(folder: Path, keyring: Path, root: Path) -> apt.AptRoot:
    """A throwaway apt that knows only the bundle's repository and trusts only `keyring`."""
    apt_root = apt.AptRoot(root)
    apt_root.write_sources(
        f"Types: deb\nURIs: file://{folder / 'repository'}\nSuites: bookworm\n"
        f"Components: main\nSigned-By: {keyring}\n"
    )
    return apt_root


def test_apt_installs_from_the_bundle_trusting_the_region_key(built, tmp_path):
    apt_root = apt_root_on(built.path, built.path / "keys" / repository.KEYRING, tmp_path / "a")
    apt_root.update("the bundle")
    # Every dependency is in the bundle: on a machine with nothing installed, apt finds
    # nftables' whole closure there, down to libc6.
    done = apt_root.run("install", "--simulate", "--yes", "nftables")
    assert done.returncode == 0, done.stdout + done.stderr
    installed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("Inst ")}
    assert {"nftables", "libnftables1", "libc6"} <= installed


def test_apt_refuses_the_bundle_with_another_key(built, tmp_path):
    other = tmp_path / "other.gpg"
    other.write_bytes(secrets.repository_public_key(secrets._repository_key()))
    apt_root = apt_root_on(built.path, other, tmp_path / "b")
    with pytest.raises(apt.AptError, match="is not signed|NO_PUBKEY"):
        apt_root.update("the bundle")


def test_a_package_no_mirror_has_names_its_role(tmp_path):
    needs = [Need("nftables", "role firewall", True), Need("regbank-no-such", "role vpn", False)]
    with pytest.raises(apt.AptError, match=r"package regbank-no-such \(wanted by role vpn\)"):
        apt.download(needs, host_debian_mirror(), tmp_path, apt_proxy())


def test_an_existing_bundle_is_refused_and_a_failed_build_leaves_nothing(region, built, tmp_path):
    inventory, password = region
    with pytest.raises(bundle.OfflineError, match="exists and is not empty"):
        bundle.build(built.path, inventory, secrets.read_password(password), parts=PARTS)
    out = tmp_path / "out"
    with pytest.raises(apt.AptError, match="apt-get update of the Debian mirror"):
        bundle.build(
            out,
            inventory,
            secrets.read_password(password),
            key_path=tmp_path / "kit.key",
            proxy="http://127.0.0.1:9",  # nothing listens: apt cannot download
            parts=PARTS,
            log=lambda _: None,
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kit.key", "kit.key.pub"]


def test_the_command_refuses_an_existing_bundle_in_one_line(region, built):
    inventory, password = region
    done = subprocess.run(
        [str(REGBANK), "offline", "build", "--out", str(built.path), "-i", str(inventory)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, secrets.PASSWORD_ENV: str(password)},
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"regbank: {built.path}: exists and is not empty; choose another --out or --replace\n"
    )


def test_every_package_the_roles_install_resolves_on_the_mirror(tmp_path):
    """A role that names a package bookworm lacks fails here, with its name (about 140 MB,
    through make host's proxy: seconds once cached)."""
    needs = packages.collect()
    try:
        debs = apt.download(needs, host_debian_mirror(), tmp_path, apt_proxy())
        names = {deb.name.split("_")[0] for deb in debs}
        assert {need.package for need in needs} <= names
        assert {"python3.11", "libc6", "libpq5"} <= names  # dependencies, none listed
    finally:
        shutil.rmtree(tmp_path / "apt-root", ignore_errors=True)


def test_verify_with_the_regions_own_key_refuses_another_regions_bundle(region, built, tmp_path):
    inventory, password = region
    key = tmp_path / "region.asc"
    done = subprocess.run(
        [str(REGBANK), "offline", "key", "-i", str(inventory), "--out", str(key)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, secrets.PASSWORD_ENV: str(password)},
    )
    assert done.returncode == 0, done.stderr
    assert key.read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    done = verify_cli(built.tarball, built, "--region-key", str(key))
    assert done.returncode == 0, done.stderr

    other = tmp_path / "other.asc"
    other.write_bytes(secrets.repository_public_key(secrets._repository_key(), armor=True))
    done = verify_cli(built.path, built, "--region-key", str(other))
    assert done.returncode == 1
    assert f"keys/{repository.KEYRING}: ключ " in done.stderr
    assert "подпись dists/bookworm/InRelease не проверяется ключом региона" in done.stderr


def test_a_region_key_that_is_not_a_key_is_one_line(built, tmp_path):
    junk = tmp_path / "junk.asc"
    junk.write_text("not a key\n")
    done = verify_cli(built.path, built, "--region-key", str(junk))
    assert done.returncode == 1
    assert f"{junk}: не читается как ключ OpenPGP" in done.stderr
    assert "Traceback" not in done.stderr
