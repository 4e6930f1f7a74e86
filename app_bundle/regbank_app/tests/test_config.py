from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from regbank_app.config import Env, database_from_url, read_env_file


def test_database_url_with_socket_and_options():
    db = database_from_url(
        "postgresql://regbank_app:s%40cret@/regbank?host=/run/postgresql&sslmode=disable"
    )
    assert db["NAME"] == "regbank"
    assert db["USER"] == "regbank_app"
    assert db["PASSWORD"] == "s@cret"  # noqa: S105
    assert db["HOST"] == "/run/postgresql"
    assert db["OPTIONS"] == {"sslmode": "disable"}


def test_database_url_with_host_and_port():
    db = database_from_url("postgresql://u@db.region.local:5433/bank")
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db.region.local", "5433", "bank")


def test_database_url_errors_name_the_setting():
    with pytest.raises(ImproperlyConfigured, match="REGBANK_DATABASE_URL"):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured, match="name is missing"):
        database_from_url("postgresql://u@host/")


def test_env_file_is_read_and_environment_wins(tmp_path):
    path = tmp_path / "regbank.env"
    path.write_text(
        "# written by the deploy role\nREGBANK_SITE_ROLE=municipal\n"
        'REGBANK_SITE_MO="MO-3"\nREGBANK_DEBUG=no\n',
        encoding="utf-8",
    )
    env = Env({"REGBANK_ENV_FILE": str(path), "REGBANK_DEBUG": "yes"})
    assert env.str("REGBANK_SITE_ROLE") == "municipal"
    assert env.str("REGBANK_SITE_MO") == "MO-3"
    assert env.bool("REGBANK_DEBUG", False) is True
    assert read_env_file(path)["REGBANK_SITE_MO"] == "MO-3"


def test_env_errors_name_the_variable(tmp_path):
    env = Env({"REGBANK_SESSION_TIMEOUT_MINUTES": "half an hour", "REGBANK_DEBUG": "maybe"})
    with pytest.raises(ImproperlyConfigured, match="REGBANK_SESSION_TIMEOUT_MINUTES"):
        env.int("REGBANK_SESSION_TIMEOUT_MINUTES", 30)
    with pytest.raises(ImproperlyConfigured, match="REGBANK_DEBUG"):
        env.bool("REGBANK_DEBUG", False)
    with pytest.raises(ImproperlyConfigured, match="REGBANK_SECRET_KEY is required"):
        env.str("REGBANK_SECRET_KEY")
    bad = tmp_path / "bad.env"
    bad.write_text("JUST A LINE\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="bad.env:1"):
        read_env_file(bad)


def test_settings_refuse_a_municipal_site_without_mo(monkeypatch):
    import subprocess
    import sys

    code = "import regbank_app.settings"
    env = {
        "REGBANK_SECRET_KEY": "x",
        "REGBANK_SITE_ROLE": "municipal",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "REGBANK_SITE_MO is required" in proc.stderr


def test_production_settings_pass_the_deploy_checks():
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "REGBANK_SECRET_KEY": "k" * 60 + "-production-like-secret-with-enough-entropy",
        "REGBANK_ALLOWED_HOSTS": "bank.region.local",
        "REGBANK_HSTS_SECONDS": "31536000",
        "REGBANK_SSL_REDIRECT": "true",
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    # only "include subdomains in HSTS" is left to the site: it depends on its domain
    issues = [line for line in proc.stderr.splitlines() if line.startswith("?:")]
    assert [i.split()[1] for i in issues] in ([], ["(security.W005)"]), proc.stderr


def test_site_urls_map_each_mo_to_its_server():
    env = Env(
        {
            "REGBANK_SITE_URLS": " MO-3=https://mo-3.bank.lab.regbank.test/ ,"
            "MO-7=https://mo-7.bank.lab.regbank.test:8443"
        }
    )
    assert env.site_urls("REGBANK_SITE_URLS") == {
        "MO-3": "https://mo-3.bank.lab.regbank.test",
        "MO-7": "https://mo-7.bank.lab.regbank.test:8443",
    }
    assert Env({}).site_urls("REGBANK_SITE_URLS") == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("MO-3=http://mo-3.bank.example", "expected an МО code and an https URL"),
        ("MO-3=mo-3.bank.example", "expected an МО code and an https URL"),
        ("МО 3=https://mo-3.bank.example", "expected an МО code and an https URL"),
        ("MO-3=https://mo-3.bank.example/?next=/", "expected an МО code and an https URL"),
        ("MO-3=https://user@mo-3.bank.example", "expected an МО code and an https URL"),
        ("https://mo-3.bank.example", "expected NAME=VALUE items"),
        ("MO-3=", "expected NAME=VALUE items"),
        ("MO-3=https://a.example,MO-3=https://b.example", "'MO-3' is given twice"),
    ],
)
def test_site_urls_refuse_what_is_not_an_mo_and_an_https_url(value, message):
    with pytest.raises(ImproperlyConfigured, match="REGBANK_SITE_URLS") as raised:
        Env({"REGBANK_SITE_URLS": value}).site_urls("REGBANK_SITE_URLS")
    assert message in str(raised.value)


def test_settings_refuse_a_wrong_site_url():
    import subprocess
    import sys

    env = {
        "REGBANK_SECRET_KEY": "x",
        "REGBANK_SITE_URLS": "MO-3=http://mo-3.bank.example",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-c", "import regbank_app.settings"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "setting REGBANK_SITE_URLS: expected an МО code and an https URL" in proc.stderr
