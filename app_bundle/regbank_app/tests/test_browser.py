"""Browser: the whole path of a case, through gunicorn and Debian's Chromium.

A municipal officer (first login: forced password change) creates a family with two
minors, a plan of individual preventive work with a measure for a school; the school's
specialist reports execution; the officer finds all of it in the audit log.

The application runs in gunicorn with production settings against its own database in
the test session's PostgreSQL cluster, so the test's data are really committed.
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
from pathlib import Path

import psycopg
import pytest
from django.db import connection

# django_db: the session's test database (and so the cluster) must exist for app_server
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

APP_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REGBANK_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Vremennyi-Parol-1"  # noqa: S105 - test accounts only


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_server(django_db_setup, django_db_blocker):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM}: run `make test` (installs chromium)")
    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)
    name = f"regbank_browser_{os.getpid()}"
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
    host = f"host={db['HOST']}" if db["HOST"].startswith("/") else ""
    url = f"postgresql://{db['USER']}@{'' if host else db['HOST']}/{name}"
    if host:
        url += f"?host={db['HOST']}&port={db['PORT']}"
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
    manage = [sys.executable, str(APP_DIR / "manage.py")]

    def run(*args):
        subprocess.run([*manage, *args], env=env, cwd=APP_DIR, check=True, capture_output=True)

    run("migrate", "-v0")
    run("load_sample_region", "--own-server", "MO-3")
    run(
        "shell",
        "-c",
        "from accounts.models import User, Role\n"
        "from directory.models import Agency\n"
        "school = Agency.objects.get(mo__code='MO-1', short_name='СОШ № 1 МО-1')\n"
        "kdn = Agency.objects.get(mo__code='MO-1', type='kdn')\n"
        f"User.objects.create_user('kdn1', '{PASSWORD}', last_name='Кузнецова', "
        "first_name='Елена', role=Role.MUNICIPAL, mo=kdn.mo, agency=kdn, "
        "must_change_password=True)\n"
        f"User.objects.create_user('school1', '{PASSWORD}', last_name='Смирнова', "
        "first_name='Ольга', role=Role.AGENCY, mo=school.mo, agency=school, "
        "must_change_password=False)\n",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "regbank_app.wsgi:application",
        ],
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
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        first_line = server.stderr.readline().decode()
        assert first_line.startswith("{") and '"logger": "gunicorn.error"' in first_line
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def chromium():
    """Playwright's event loop lives only inside this block: Django's database calls of the
    test's own teardown must not run while it does."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox", "--lang=ru-RU"],
        )
        try:
            yield browser
        finally:
            browser.close()


def login(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Имя входа").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def logout(page):
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/accounts/login/")


def test_case_from_card_to_audit_log(app_server):
    with chromium() as browser:
        _case(app_server, browser.new_page(locale="ru-RU"))


def _case(base, page):
    page.set_default_timeout(15000)

    # first login: a temporary password must be changed
    login(page, base, "kdn1", PASSWORD)
    page.wait_for_url("**/accounts/password/")
    page.get_by_label("Старый пароль").fill(PASSWORD)
    page.get_by_label("Новый пароль", exact=True).fill("Svoi-Parol-2025")
    page.get_by_label("Подтверждение нового пароля").fill("Svoi-Parol-2025")
    page.get_by_role("button", name="Сменить пароль").click()
    page.wait_for_url(base + "/")

    # a family with two minors
    page.get_by_role("link", name="Семьи", exact=True).click()
    page.get_by_role("link", name="Новая карточка семьи").click()
    page.get_by_label("Фамилия семьи").fill("Браузеровы")
    page.get_by_label("Адрес фактического проживания").fill("г. Образцов, ул. Тестовая, д. 1")
    page.get_by_label("Многодетная").check()
    page.get_by_label("Злоупотребление родителями алкоголем", exact=False).check()
    page.get_by_label("Дата постановки на учёт").fill("2024-02-15")
    page.get_by_label("Основание постановки").select_option(index=1)
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("heading", name="Семья Браузеровы").wait_for()
    family_url = page.url

    for first_name, birth in (("Кирилл", "2012-03-04"), ("Вера", "2015-07-08")):
        page.goto(family_url)
        page.get_by_role("link", name="Добавить несовершеннолетнего на учёт").click()
        page.get_by_label("Фамилия", exact=True).fill("Браузеров")
        page.get_by_label("Имя", exact=True).fill(first_name)
        page.get_by_label("Дата рождения", exact=True).fill(birth)
        page.get_by_label("Пол", exact=True).select_option("m" if first_name == "Кирилл" else "f")
        page.get_by_label("Дата постановки на учёт").fill("2024-02-15")
        page.get_by_label("Основание постановки").select_option(index=1)
        page.get_by_role("button", name="Сохранить").click()
        page.get_by_text("Состоит на учёте").first.wait_for()

    page.goto(family_url)
    assert page.get_by_role("link", name="Браузеров Кирилл").is_visible()
    assert page.get_by_role("link", name="Браузеров Вера").is_visible()

    # a plan with a measure for school No. 1
    page.get_by_role("link", name="Браузеров Кирилл").click()
    page.get_by_role("link", name="Новый план ИПР").click()
    page.get_by_label("Начало").fill("2024-03-01")
    page.get_by_label("Окончание").fill("2024-12-31")
    page.get_by_label("Цели и задачи").fill("Восстановить посещение школы")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("link", name="Добавить мероприятие").click()
    page.get_by_label("Содержание мероприятия").fill("Ежедневный контроль посещаемости")
    page.get_by_label("Ответственный субъект профилактики").select_option(
        label="МБОУ «Средняя общеобразовательная школа № 1» МО-1"
    )
    page.get_by_label("Срок исполнения").fill("2024-05-31")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("cell", name="Ежедневный контроль посещаемости").wait_for()
    logout(page)

    # the school's specialist reports execution
    login(page, base, "school1", PASSWORD)
    page.get_by_role("link", name="Мои мероприятия").click()
    page.get_by_role("link", name="Ежедневный контроль посещаемости").click()
    page.get_by_role("link", name="отчитаться об исполнении").click()
    page.get_by_label("Результат исполнения").fill("Пропусков нет с 15.04.2024")
    page.get_by_role("button", name="Сохранить отчёт").click()
    page.get_by_text("Пропусков нет с 15.04.2024").wait_for()
    assert page.get_by_role("cell", name="Исполнено", exact=False).first.is_visible()
    logout(page)

    # all of it is in the audit log
    login(page, base, "kdn1", "Svoi-Parol-2025")
    page.get_by_role("link", name="Журнал действий").click()
    log = page.locator("main").inner_text()
    for expected in (
        "Семья Браузеровы",
        "Браузеров Кирилл",
        "Браузеров Вера",
        "План ИПР с 01.03.2024",
        "Ежедневный контроль посещаемости",
        "Отчёт от",
        "Смена пароля",
        "Выход из системы",
    ):
        assert expected in log, expected
    page.get_by_label("Пользователь (имя входа или ФИО)").fill("school1")
    page.get_by_label("Действие").select_option(label="Создание")
    page.get_by_role("button", name="Показать").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "Смирнова Ольга" in rows.first.inner_text()
    assert "Отчёт от" in rows.first.inner_text()
    page.close()
