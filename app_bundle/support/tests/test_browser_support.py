"""Browser: a municipal officer draws a reconciliation sample, prints its check list and
records the outcomes; the regional officer opens the summary of the МО that need help
and records an inspection visit. gunicorn with production settings, Debian's Chromium,
the sample region's activity at 2 %."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from regbank_app.testing.browser import chromium, gunicorn_app, login, logout, skip_without_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# SCREENSHOTS_DIR=<folder>: the pages of docs/first-filling.md are saved there
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")
PASSWORD = "Vremennyi-Parol-1"  # noqa: S105 - test accounts only
USERS = (
    "from accounts.models import User, Role\n"
    "from directory.models import Agency\n"
    "kdn = Agency.objects.get(mo__code='MO-2', type='kdn')\n"
    f"User.objects.create_user('region1', '{PASSWORD}', last_name='Орлова', "
    "first_name='Анна', role=Role.REGIONAL, must_change_password=False)\n"
    f"User.objects.create_user('kdn2', '{PASSWORD}', last_name='Зайцева', "
    "first_name='Мария', role=Role.MUNICIPAL, mo=kdn.mo, agency=kdn, "
    "must_change_password=False)\n"
)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"first-filling-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def app_server(django_db_setup, django_db_blocker):
    skip_without_chromium()
    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)

    def prepare(manage):
        manage("load_sample_activity", "--scale", "0.02")
        manage("shell", "-c", USERS)

    with gunicorn_app(db, f"regbank_support_{os.getpid()}", prepare) as (base, _):
        yield base


def test_a_reconciliation_then_the_summary_and_a_visit(app_server):
    with chromium() as browser:
        page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15000)
        login(page, app_server, "kdn2", PASSWORD)
        page.get_by_role("link", name="Сверка", exact=True).click()
        page.get_by_role("link", name="Новая сверка").click()
        page.get_by_label("Сколько карточек отобрать").fill("5")
        page.get_by_role("button", name="Отобрать карточки").click()
        page.get_by_text("Отобрано карточек: 5.").wait_for()
        page.get_by_role("link", name="Лист сверки для печати").click()
        page.get_by_role("heading", name="Лист сверки картотеки с бумажными делами").wait_for()
        assert page.locator("table.checklist tbody tr").count() == 5
        _shot(page, "checklist")
        page.get_by_role("link", name="Вернуться к сверке").click()
        page.get_by_role("group", name="Результат: карточка 1").get_by_label("совпадает").check()
        page.get_by_role("group", name="Результат: карточка 2").get_by_label(
            "есть расхождения"
        ).check()
        page.get_by_role("row").nth(2).get_by_label("Что не совпадает").fill(
            "В деле другой адрес проживания"
        )
        page.get_by_role("button", name="Сохранить результаты").click()
        page.get_by_text("Сохранены результаты карточек: 2.").wait_for()
        _shot(page, "reconciliation")
        page.get_by_role("link", name="Сверка", exact=True).click()
        row = page.get_by_role("row").nth(1)
        assert row.get_by_role("cell").nth(6).inner_text().strip() == "50,0 %"
        assert page.get_by_role("link", name="Помощь МО").count() == 0

        logout(page)
        login(page, app_server, "region1", PASSWORD)
        page.get_by_role("link", name="Помощь МО").click()
        page.get_by_role("heading", name="МО, которым нужна помощь").wait_for()
        page.get_by_label("Период с").fill("2020-01-01")
        page.get_by_label("по", exact=True).fill("2020-12-31")
        page.get_by_role("button", name="Показать").click()
        page.get_by_text("Активность — за 2020").wait_for()
        names = page.locator("table.support tbody th[scope=row]").all_inner_texts()
        assert sorted(names) == sorted(f"МО-{i}" for i in range(1, 11))
        assert page.get_by_text("отстающий сегмент").count() >= 1
        _shot(page, "support")

        page.get_by_role("link", name="Выездные проверки").click()
        page.get_by_role("link", name="Новая проверка").click()
        page.get_by_label("МО").select_option(label="МО-2")
        page.get_by_label("Дата проверки").fill("2026-11-20")
        page.get_by_label("Проверяющие").fill("Орлова А. В., консультант")
        page.get_by_label("Выявлено (выводы проверки)").fill(
            "Планы ИПР заведены не на все семьи на учёте"
        )
        page.get_by_role("button", name="Сохранить").click()
        page.get_by_role("link", name="Добавить рекомендацию").click()
        page.get_by_label("Рекомендация").fill("Завести планы ИПР на все семьи на учёте")
        page.get_by_label("Срок исполнения").fill("2026-12-01")
        page.get_by_role("button", name="Сохранить").click()
        page.get_by_role("cell", name="Завести планы ИПР на все семьи на учёте").wait_for()
        _shot(page, "inspection")
