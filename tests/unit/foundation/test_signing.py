"""Signed manifests: a folder verifies until any byte, file or signature changes."""

from pathlib import Path

import pytest

from regbank_foundation import signing


@pytest.fixture
def signed(tmp_path: Path):
    folder = tmp_path / "pack"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("первый\n", encoding="utf-8")
    (folder / "sub" / "b.bin").write_bytes(bytes(range(256)))
    key = signing.create_key(tmp_path / "keys" / "signing.key")
    signing.sign_folder(folder, key)
    public = signing.load_public_key(signing.public_key_path(tmp_path / "keys" / "signing.key"))
    return folder, public


def test_untouched_folder_verifies(signed):
    folder, public = signed
    result = signing.verify_folder(folder, public)
    assert result.ok, result.report()
    assert "sub/b.bin" in (folder / signing.MANIFEST).read_text()


def test_one_byte_change_is_reported(signed):
    folder, public = signed
    data = bytearray((folder / "sub" / "b.bin").read_bytes())
    data[10] ^= 1
    (folder / "sub" / "b.bin").write_bytes(bytes(data))
    result = signing.verify_folder(folder, public)
    assert not result.ok
    assert result.changed == ["sub/b.bin"]
    assert result.report() == ["изменён: sub/b.bin"]


def test_missing_and_extra_files_are_reported(signed):
    folder, public = signed
    (folder / "a.txt").unlink()
    (folder / "new.txt").write_text("x")
    result = signing.verify_folder(folder, public)
    assert (result.missing, result.extra) == (["a.txt"], ["new.txt"])
    assert not result.ok


def test_edited_manifest_fails_the_signature(signed):
    folder, public = signed
    manifest = folder / signing.MANIFEST
    manifest.write_text(manifest.read_text().replace("a.txt", "c.txt"))
    (folder / "a.txt").rename(folder / "c.txt")
    result = signing.verify_folder(folder, public)
    assert not result.signature_ok and not result.ok
    assert result.changed == result.missing == result.extra == []


def test_another_key_does_not_verify(signed, tmp_path):
    folder, _ = signed
    other = signing.create_key(tmp_path / "other.key").public_key()
    assert not signing.verify_folder(folder, other).ok


def test_existing_key_is_never_overwritten(tmp_path):
    path = tmp_path / "k.key"
    signing.create_key(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):
        signing.create_key(path)
    assert signing.load_or_create_key(path).public_key()


def test_wrong_key_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(signing.SigningError, match="bad.pem"):
        signing.load_private_key(bad)
