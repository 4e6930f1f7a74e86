"""The application served for browser tests: gunicorn with production settings on a
database of its own in the test session's PostgreSQL cluster, and Debian's Chromium.

The test's data are really committed (gunicorn is another process), so each server
gets a fresh database, dropped again when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

APP_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REGBANK_CHROMIUM", "/usr/bin/chromium")


@contextlib.contextmanager
def chromium():
    """Playwright's event loop lives only inside this block: Django's database calls of the
    test's own teardown must not run while it does."""
    from playwright.sync_api import sync_playwright  # a development package, not in the wheel

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox", "--lang=ru-RU"],
        )
        try:
            yield browser
        finally:
            browser.close()


def skip_without_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM}: run `make test` (installs chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drop(admin: dict, name: str) -> None:
    """Drop the database; an autovacuum worker on it (the superuser's) may hold it a moment."""
    for attempt in range(20):
        try:
            with psycopg.connect(**admin) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 19:
                raise
            time.sleep(0.5)


@contextlib.contextmanager
def gunicorn_app(
    db: dict, name: str, prepare: Callable[[Callable[..., None]], None]
) -> Iterator[tuple[str, subprocess.Popen]]:
    """(base URL, gunicorn process) of the app on a new database `name` of the cluster
    that `db` (Django's settings_dict) points at. `prepare(manage)` fills the database
    after migrate: manage("load_sample_region", ...) runs a management command."""
    admin = {
        "host": db["HOST"],
        "port": db["PORT"] or None,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    if db["HOST"].startswith("/"):  # a socket folder
        url = f"postgresql://{db['USER']}@/{name}?host={db['HOST']}&port={db['PORT']}"
    else:
        url = f"postgresql://{db['USER']}@{db['HOST']}/{name}"
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "REGBANK_SECRET_KEY": "browser-test-secret",
        "REGBANK_DATABASE_URL": url,
        "REGBANK_ALLOWED_HOSTS": "127.0.0.1",
        "REGBANK_SECURE_COOKIES": "false",
        "REGBANK_LOG_LEVEL": "WARNING",
        "REGBANK_REGION_NAME": "Образцовый регион",
        "REGBANK_BIND": f"127.0.0.1:{port}",
        "REGBANK_WORKERS": "2",
    }

    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, str(APP_DIR / "manage.py"), *args],
            env=env,
            cwd=APP_DIR,
            check=True,
            capture_output=True,
        )

    manage("migrate", "-v0")
    prepare(manage)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "regbank_app.wsgi"],
        env=env,
        cwd=APP_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(base + "/health/", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /health/: " + server.stderr.read1().decode())
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=10)
        _drop(admin, name)


def login(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Имя входа").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def logout(page):
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/accounts/login/")
