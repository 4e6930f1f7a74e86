"""The application bundle: a real build, then verify refuses any change to it."""

import argparse
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from regbank import app_bundle
from regbank.commands import app as app_command
from regbank_foundation import signing


def main(argv: list[str]) -> int:
    """The `regbank app` command alone (the CLI loads every other command too)."""
    parser = argparse.ArgumentParser(prog="regbank")
    app_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One real bundle for the module (pip builds the wheel and fetches the dependencies)."""
    root = tmp_path_factory.mktemp("bundle")
    key = root / "keys" / "app-signing.key"
    bundle = app_bundle.build_bundle(key_path=key, out_dir=root / "build")
    return bundle, signing.public_key_path(key)


@pytest.fixture
def bundle_copy(built, tmp_path):
    bundle, public_key = built
    copy = tmp_path / bundle.path.name
    shutil.copytree(bundle.path, copy)
    return copy, public_key


def test_runtime_requirements_are_the_apps_closure_from_the_lock():
    text = app_bundle.runtime_requirements()
    names = {line.split("==")[0] for line in text.splitlines() if line[:1].isalnum()}
    assert {"django", "django-axes", "gunicorn", "psycopg", "psycopg-binary"} <= names
    assert {"openpyxl", "et-xmlfile", "matplotlib", "numpy", "asgiref", "sqlparse"} <= names
    # The controller's tools stay out of the host's venv.
    assert not names & {"ansible", "ansible-core", "molecule", "pytest", "docker", "pydantic"}
    assert "--hash=sha256:" in text


def test_bundle_holds_the_wheel_and_every_dependency(built):
    bundle, _ = built
    wheels = {path.name for path in (bundle.path / "wheels").glob("*.whl")}
    assert bundle.wheel in wheels
    pinned = [
        line for line in (bundle.path / "requirements.txt").read_text().splitlines()
        if line[:1].isalnum()
    ]  # fmt: skip
    assert len(wheels) == len(pinned) + 1  # one wheel per pinned dependency, and the app
    info = json.loads((bundle.path / "BUNDLE.json").read_text())
    assert info["version"] == bundle.version and info["wheel"] == bundle.wheel
    assert (bundle.path / "gunicorn.conf.py").is_file()


def test_wheel_has_project_templates_static_migrations_and_no_tests(built):
    bundle, _ = built
    names = zipfile.ZipFile(bundle.path / "wheels" / bundle.wheel).namelist()
    for needed in (
        "regbank_app/settings.py",
        "regbank_app/wsgi.py",
        "templates/base.html",
        "static/css/regbank.css",
        "accounts/templates/accounts/login.html",
        "audit/migrations/0001_initial.py",
        "audit/management/commands/grant_app_role.py",
        "directory/management/commands/load_sample_region.py",
    ):
        assert needed in names, needed
    # every Django app of the source tree is in the wheel: a new app left out of
    # pyproject's package list would install and then fail at the first import
    apps = sorted(p.parent.name for p in app_bundle.APP_SOURCE.glob("*/apps.py"))
    assert apps and [a for a in apps if f"{a}/apps.py" not in names] == []
    assert not [name for name in names if "/tests/" in name or "/testing/" in name]
    assert "regbank_app/settings_test.py" not in names


def test_untouched_bundle_verifies(bundle_copy, capsys):
    folder, public_key = bundle_copy
    assert main(["app", "verify", str(folder), "--public-key", str(public_key)]) == 0
    assert "подпись верна" in capsys.readouterr().out


def _refused(folder: Path, public_key: Path, capsys) -> str:
    assert main(["app", "verify", str(folder), "--public-key", str(public_key)]) == 1
    return capsys.readouterr().err


def test_one_byte_change_is_refused(bundle_copy, capsys):
    folder, public_key = bundle_copy
    wheel = next((folder / "wheels").glob("regbank_app-*.whl"))
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0x01
    wheel.write_bytes(bytes(data))
    assert f"изменён: wheels/{wheel.name}" in _refused(folder, public_key, capsys)


def test_missing_file_is_refused(bundle_copy, capsys):
    folder, public_key = bundle_copy
    (folder / "requirements.txt").unlink()
    assert "отсутствует: requirements.txt" in _refused(folder, public_key, capsys)


def test_extra_file_is_refused(bundle_copy, capsys):
    folder, public_key = bundle_copy
    (folder / "wheels" / "evil-1.0-py3-none-any.whl").write_bytes(b"PK")
    assert "лишний файл: wheels/evil-1.0-py3-none-any.whl" in _refused(folder, public_key, capsys)


def test_manifest_rewritten_without_the_key_is_refused(bundle_copy, capsys):
    folder, public_key = bundle_copy
    (folder / "gunicorn.conf.py").write_text("bind = '0.0.0.0:80'\n")
    (folder / signing.MANIFEST).write_text(signing.manifest_text(folder))
    assert "подпись SHA256SUMS.sig не совпадает" in _refused(folder, public_key, capsys)


def test_another_key_is_refused(bundle_copy, tmp_path, capsys):
    folder, _ = bundle_copy
    other = tmp_path / "other.key"
    signing.create_key(other)
    assert "подпись" in _refused(folder, signing.public_key_path(other), capsys)
