"""Browser: the whole path of a case, through gunicorn and Debian's Chromium.

A municipal officer (first login: forced password change) creates a family with two
minors, a plan of individual preventive work with a measure for a school; the school's
specialist reports execution; the officer finds all of it in the audit log.

The application runs in gunicorn with production settings against its own database in
the test session's PostgreSQL cluster, so the test's data are really committed.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from regbank_app.testing.browser import chromium, gunicorn_app, login, logout, skip_without_chromium

# django_db: the session's test database (and so the cluster) must exist for app_server
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "Vremennyi-Parol-1"  # noqa: S105 - test accounts only


@pytest.fixture(scope="module")
def app_server(django_db_setup, django_db_blocker):
    skip_without_chromium()
    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)

    def prepare(manage):
        manage("load_sample_region", "--own-server", "MO-3")
        manage("shell", "-c", USERS)

    with gunicorn_app(db, f"regbank_browser_{os.getpid()}", prepare) as (base, server):
        yield base
    # gunicorn's own messages are JSON lines too
    first_line = server.stderr.readline().decode()
    assert first_line.startswith("{") and '"logger": "gunicorn.error"' in first_line


USERS = (
    "from accounts.models import User, Role\n"
    "from directory.models import Agency\n"
    "school = Agency.objects.get(mo__code='MO-1', short_name='СОШ № 1 МО-1')\n"
    "kdn = Agency.objects.get(mo__code='MO-1', type='kdn')\n"
    f"User.objects.create_user('kdn1', '{PASSWORD}', last_name='Кузнецова', "
    "first_name='Елена', role=Role.MUNICIPAL, mo=kdn.mo, agency=kdn, "
    "must_change_password=True)\n"
    f"User.objects.create_user('school1', '{PASSWORD}', last_name='Смирнова', "
    "first_name='Ольга', role=Role.AGENCY, mo=school.mo, agency=school, "
    "must_change_password=False)\n"
)


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
