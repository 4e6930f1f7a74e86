"""Browser: a municipal officer imports a file with an error, sees it by row and column,
fixes the file, imports it and finds the cards; the regional officer opens the
completeness summary. gunicorn with production settings, Debian's Chromium."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from bank_import.kinds import MINORS
from regbank_app.testing.browser import chromium, gunicorn_app, login, logout, skip_without_chromium

from . import files

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# SCREENSHOTS_DIR=<folder>: the pages of docs/first-filling.md are saved there
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"first-filling-{name}.png"), full_page=True)


PASSWORD = "Vremennyi-Parol-1"  # noqa: S105 - test accounts only
USERS = (
    "from accounts.models import User, Role\n"
    "from directory.models import Agency\n"
    "kdn = Agency.objects.get(mo__code='MO-1', type='kdn')\n"
    f"User.objects.create_user('kdn1', '{PASSWORD}', last_name='Кузнецова', "
    "first_name='Елена', role=Role.MUNICIPAL, mo=kdn.mo, agency=kdn, "
    "must_change_password=False)\n"
    f"User.objects.create_user('reg1', '{PASSWORD}', last_name='Орлова', "
    "first_name='Анна', role=Role.REGIONAL, must_change_password=False)\n"
)


@pytest.fixture(scope="module")
def app_server(django_db_setup, django_db_blocker):
    skip_without_chromium()
    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)

    def prepare(manage):
        manage("load_sample_region", "--own-server", "MO-3")
        manage("shell", "-c", USERS)

    with gunicorn_app(db, f"regbank_import_{os.getpid()}", prepare) as (base, _):
        yield base


def test_an_officer_fixes_a_file_by_its_preview_and_imports_it(app_server):
    rows = files.minor_rows(5)
    wrong = [dict(row) for row in rows]
    wrong[1]["Дата рождения"] = "весной"  # row 3 of the file
    with chromium() as browser:
        page = browser.new_page(locale="ru-RU")
        page.set_default_timeout(15000)
        login(page, app_server, "kdn1", PASSWORD)
        page.get_by_role("link", name="Первичное заполнение").click()
        page.get_by_label("Что загружается").select_option("minors")
        page.get_by_label("Файл XLSX или CSV").set_input_files(
            {"name": "дети.csv", "mimeType": "text/csv", "buffer": files.excel_csv(MINORS, wrong)}
        )
        page.get_by_role("button", name="Загрузить").click()
        problem = page.get_by_role("row", name="3 Дата рождения «весной» — не дата")
        problem.wait_for()
        assert page.get_by_text("Файл не загружен, ничего не записано").is_visible()
        _shot(page, "preview")

        page.get_by_label("Что загружается").select_option("minors")
        page.get_by_label("Файл XLSX или CSV").set_input_files(
            {"name": "дети.csv", "mimeType": "text/csv", "buffer": files.excel_csv(MINORS, rows)}
        )
        page.get_by_role("button", name="Загрузить").click()
        page.get_by_text("Записано: карточек 5, постановок на учёт 5").wait_for()
        _shot(page, "loaded")

        page.get_by_role("link", name="Несовершеннолетние", exact=True).click()
        for row in rows:
            name = f"{row['Фамилия']} {row['Имя']}"
            assert page.get_by_role("link", name=name).first.is_visible(), name

        logout(page)
        login(page, app_server, "reg1", PASSWORD)
        page.get_by_role("link", name="Полнота").click()
        page.get_by_role("heading", name="Контроль полноты заполнения банка").wait_for()
        assert page.get_by_role("rowheader", name="МО-1").is_visible()
        _shot(page, "quality")
