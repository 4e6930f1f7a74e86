"""Who may open the analytics, what each role chooses, and where they are served."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db

URLS = [
    "/analytics/",
    "/analytics/yearly/",
    "/analytics/change/",
    "/analytics/entry-share/",
    "/analytics/entry-volume/",
    "/analytics/per-unit/",
    "/analytics/per-unit/chart.svg",
    "/analytics/change/export.csv",
    "/analytics/yearly/export.xlsx",
    "/analytics/report/",
    "/analytics/users/?mo_code=MO-1",
]


@pytest.fixture
def events():
    when = datetime.datetime(2024, 5, 14, 11, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    out = []
    for code, username, action in (
        ("MO-1", "kdn1", Action.CREATE),
        ("MO-1", "school1", Action.VIEW),
        ("MO-2", "kdn2", Action.UPDATE),
    ):
        user = factories.user(
            Role.MUNICIPAL, code, username=username, last_name=f"Фамилия-{username}"
        )
        out.append(
            AuditEvent.objects.create(
                site="regional",
                action=action,
                user=user,
                username=user.username,
                user_name=user.full_name,
                mo=user.mo,
                agency=user.agency,
                agency_type="kdn",
                time=when,
            )
        )
    return out


@pytest.mark.parametrize("role", [Role.AGENCY, Role.AUDITOR])
def test_specialists_and_auditors_have_no_analytics(client, role):
    client.force_login(factories.user(role, "MO-1"))
    for url in URLS:
        assert client.get(url).status_code == 403, url


def test_menu_shows_analytics_to_officers_only(client):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    assert "/analytics/" in client.get("/").content.decode()
    client.force_login(factories.user(Role.AGENCY, "MO-1"))
    assert "/analytics/" not in client.get("/").content.decode()


def test_regional_officer_opens_every_page(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    for url in URLS:
        response = client.get(url + ("&" if "?" in url else "?") + "date_from=2024-01-01")
        assert response.status_code == 200, url
    html = client.get("/analytics/users/?mo_code=MO-1&date_from=2024-01-01").content.decode()
    assert "Фамилия-kdn1" in html and "Фамилия-kdn2" not in html
    assert client.get("/analytics/users/?mo_code=MO-99").status_code == 404
    assert client.get("/analytics/nothing/").status_code == 404


def test_municipal_officer_chooses_only_within_own_mo(client, events):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    html = client.get("/analytics/entry-share/?date_from=2024-01-01").content.decode()
    assert 'name="mo"' not in html  # no choice of МО
    options = html.split('name="agency"')[1].split("</select>")[0]
    assert "МО-2:" in options and "МО-1:" not in options
    response = client.get("/analytics/entry-share/?date_from=2024-01-01&user=kdn1")
    assert response.status_code == 400 and "Пользователь не найден" in response.content.decode()
    other_agency = factories.agency("MO-1").pk
    response = client.get(f"/analytics/entry-share/?date_from=2024-01-01&agency={other_agency}")
    assert response.status_code == 400
    html = client.get("/analytics/users/?mo_code=MO-1&date_from=2024-01-01").content.decode()
    assert "Фамилия-kdn2" in html and "Фамилия-kdn1" not in html and "school1" not in html


def test_bad_filters_are_refused_not_guessed(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    bad = [
        "date_from=2024-05-01&date_to=2024-04-01",
        "date_from=2000-01-01&date_to=2024-12-31",
        "date_from=not-a-date",
        "high=100&above=120&low=90",
    ]
    for query in bad:
        assert client.get(f"/analytics/per-unit/?{query}").status_code == 400, query
        assert client.get(f"/analytics/per-unit/export.csv?{query}").status_code == 400, query


def test_municipal_server_points_to_the_regional_one(client, events):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    with factories.at_site("MO-3"):
        html = client.get("/analytics/change/").content.decode()
        assert "региональном сервере" in html and "https://bank.region.example/analytics/" in html
        assert client.get("/analytics/change/export.csv").status_code == 404
