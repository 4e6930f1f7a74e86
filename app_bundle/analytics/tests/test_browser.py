"""Browser: each analytics view as a regional officer (every МО) and as a municipal
officer (own МО against the regional average), through gunicorn and Debian's Chromium.

Like the registry's browser test, the application runs in gunicorn with production
settings against its own committed database; the sample activity is loaded at 2 % of
Table 2 (the scope is what is checked here; the exact figures are checked in
test_sample_figures.py).
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from regbank_app.testing.browser import chromium, gunicorn_app, login, logout, skip_without_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "Vremennyi-Parol-1"  # noqa: S105 - test accounts only
VIEWS = ["yearly", "change", "entry-share", "entry-volume", "per-unit"]
PERIOD = "?date_from=2020-01-01&date_to=2020-12-31"
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


@pytest.fixture(scope="module")
def analytics_server(django_db_setup, django_db_blocker):
    skip_without_chromium()
    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)

    def prepare(manage):
        manage("load_sample_activity", "--scale", "0.02")
        manage("shell", "-c", USERS)

    with gunicorn_app(db, f"regbank_analytics_{os.getpid()}", prepare) as (base, _):
        yield base


def _row_labels(page) -> list[str]:
    return [
        text.strip()
        for text in page.locator("table.analytics tbody th[scope=row]").all_inner_texts()
    ]


def _chart_drawn(page) -> bool:
    """The chart is drawn: an SVG with bars, laid out with a real size."""
    chart = page.locator("figure.chart svg")
    box = chart.bounding_box()
    return chart.locator("rect title").count() > 0 and box is not None and box["width"] > 300


def test_each_view_shows_the_right_scope(analytics_server):
    with chromium() as browser:
        _scope(analytics_server, browser.new_page(locale="ru-RU"))


def _scope(base, page):
    page.set_default_timeout(20000)
    mos = [f"МО-{n}" for n in range(1, 11)]

    # the regional officer: every МО, the average, the region
    login(page, base, "region1", PASSWORD)
    page.get_by_role("link", name="Аналитика").click()
    page.get_by_role("heading", name="Аналитика активности пользователей").wait_for()
    for slug in VIEWS:
        page.goto(f"{base}/analytics/{slug}/{PERIOD}")
        labels = _row_labels(page)
        assert set(mos) <= set(labels), (slug, labels)
        assert any(label.startswith(("Среднее", "Регион")) for label in labels), slug
        assert _chart_drawn(page), slug
    # the names of an МО's users, from the МО's row
    page.goto(f"{base}/analytics/entry-share/{PERIOD}")
    page.get_by_role("link", name="МО-1", exact=True).click()
    page.get_by_role("heading", name="Активность пользователей МО-1").wait_for()
    assert "mo1.kdn1" in page.locator("main").inner_text()
    # filters: a subset of МО, КДН и ЗП only
    page.goto(f"{base}/analytics/yearly/{PERIOD}")
    page.locator("details.mo-choice summary").click()
    page.get_by_label("МО-4", exact=True).check()
    page.get_by_label("МО-9", exact=True).check()
    page.get_by_label("Субъекты").select_option(label="КДН и ЗП")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**agency_kind=kdn**")
    labels = _row_labels(page)
    assert "МО-4" in labels and "МО-9" in labels and "МО-1" not in labels
    logout(page)

    # the municipal officer of МО-2: own МО against the regional average, nothing else
    login(page, base, "kdn2", PASSWORD)
    page.get_by_role("link", name="Аналитика").click()
    for slug in VIEWS:
        page.goto(f"{base}/analytics/{slug}/{PERIOD}")
        labels = _row_labels(page)
        assert "МО-2" in labels, slug
        assert not [label for label in labels if label in mos and label != "МО-2"], slug
        assert any(label.startswith(("Среднее", "Регион")) for label in labels), slug
        assert page.locator("details.mo-choice").count() == 0, slug
        assert _chart_drawn(page), slug
    page.goto(f"{base}/analytics/users/?mo_code=MO-1")
    text = page.locator("main").inner_text()
    assert "Активность пользователей МО-2" in text and "mo1." not in text
    # the printable report names the period and the filters
    page.goto(f"{base}/analytics/report/{PERIOD}")
    text = page.locator("body").inner_text()
    assert "Дата формирования" in text and "01.01.2020–31.12.2020" in text
    assert "МО-2 (и среднее по региону)" in text
    assert not [mo for mo in mos if mo != "МО-2" and mo in text]
    page.close()
