"""The sample region's published figures appear exactly in the analytics views.

The sample activity (Table 1 cards, Table 2 events: about 600 000 audit events) is loaded
once for the module inside a transaction that is rolled back at the end; every test runs
in a savepoint inside it. It is loaded as in the lab's mixed region: at the regional
server (every МО but МО-3, which has its own server) and then at МО-3's municipal server,
whose rows replication brings to the regional one (here: the same database).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from openpyxl import load_workbook

from accounts.models import Role
from analytics import pdf, queries, rollup
from audit.models import Action, AuditEvent
from directory import sample_region as sample
from directory.models import Municipality
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db

PUBLISHED = {  # (МО, year compared with the previous one): change of all actions
    ("MO-1", 2020): "+87,4\u00a0%",
    ("MO-4", 2019): "+478,6\u00a0%",
    ("MO-3", 2020): "\u221242,2\u00a0%",
    ("MO-10", 2020): "\u221243,4\u00a0%",
    ("MO-5", 2020): "\u221247,6\u00a0%",
}
YEAR_2020 = "?date_from=2020-01-01&date_to=2020-12-31"


@pytest.fixture(scope="module")
def sample_activity(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_sample_activity", stdout=io.StringIO())
            with override_settings(REGBANK_SITE_ROLE="municipal", REGBANK_SITE_MO="MO-3"):
                call_command("load_sample_activity", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def regional(client, sample_activity):
    client.force_login(factories.user(Role.REGIONAL, None, username="analyst"))
    return client


def _rows(html: str) -> dict[str, list[str]]:
    """{row label: cell texts} of the page's analytics table."""
    table = html.split('<table class="analytics">')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def _mo_name(code):
    return code.replace("MO", "МО")


def test_event_counts_equal_table_2_per_mo_and_year(sample_activity):
    ids = dict(Municipality.objects.values_list("code", "id"))
    counts = queries.count_events(
        queries.EventFilter(),
        datetime.date(2018, 1, 1),
        datetime.date(2020, 12, 31),
        ("mo", "year", "entry", "kdn"),
    )
    for mo in sample.MUNICIPALITIES:
        for year in sample.YEARS:
            mine = {k[2:]: n for k, n in counts.items() if k[:2] == (ids[mo["code"]], year)}
            assert sum(mine.values()) == mo["actions"]["all"][year], (mo["code"], year)
            if year in mo["actions"]["entry"]:
                kdn = mine.get((True, True), 0)
                other = mine.get((True, False), 0)
                assert kdn + other == mo["actions"]["entry"][year]
                assert kdn == mo["actions"]["entry_kdn"][year], (mo["code"], year)
                assert other == mo["actions"]["entry_other"][year], (mo["code"], year)


def test_rollup_agrees_with_the_events_for_any_period(sample_activity):
    assert rollup.differences(connection) == []
    flt = queries.EventFilter(agency_kind="kdn", actions=("create", "update", "delete"))
    start, end = datetime.date(2019, 3, 17), datetime.date(2020, 7, 9)
    by = ("mo", "year")
    assert queries.count_events(flt, start, end, by) == queries.count_events(
        flt, start, end, by, use_rollup=False
    )


def test_units_on_record_at_the_end_of_2020_equal_table_1(sample_activity):
    ids = dict(Municipality.objects.values_list("id", "code"))
    units = {ids[k]: v for k, v in queries.units_on_record(datetime.date(2020, 12, 31)).items()}
    for mo in sample.MUNICIPALITIES:
        assert units[mo["code"]] == (mo["families"], mo["minors"])
    # deregistered cards exist, but not on record at the end of 2020
    assert sum(sum(v) for v in queries.units_on_record(datetime.date(2019, 6, 30)).values()) > 0


def test_events_fall_on_working_days_and_office_hours(sample_activity):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(isodow FROM t), extract(hour FROM t), count(*) FROM "
            "(SELECT time AT TIME ZONE 'Europe/Moscow' AS t FROM audit_auditevent "
            " WHERE mo_id IS NOT NULL) e GROUP BY 1, 2"
        )
        rows = cursor.fetchall()
    assert {int(r[0]) for r in rows} <= {1, 2, 3, 4, 5}
    hours = {int(r[1]): r[2] for r in rows}
    assert min(hours) >= 8 and max(hours) <= 17
    assert hours[13] < hours[11] / 2  # the lunch dip


def test_view_2_shows_the_published_changes(regional):
    for (code, year), text in PUBLISHED.items():
        page = regional.get(f"/analytics/change/?date_from={year}-01-01&date_to={year}-12-31")
        assert page.status_code == 200
        rows = _rows(page.content.decode())
        assert rows[_mo_name(code)][-1] == text, (code, year)
    rows = _rows(regional.get("/analytics/change/" + YEAR_2020).content.decode())
    labels = list(rows)
    assert labels[0] == "МО-1"  # sorted from the largest growth
    assert labels.index("МО-5") == len(sample.MUNICIPALITIES) - 1  # the largest decline
    assert rows["МО-1"][:3] == ["20\u00a0415", "38\u00a0258", "+17\u00a0843"]


def test_view_1_shows_table_2_per_year(regional):
    page = regional.get("/analytics/yearly/?date_from=2018-01-01&date_to=2020-12-31")
    rows = _rows(page.content.decode())
    for mo in sample.MUNICIPALITIES:
        a = mo["actions"]["all"]
        expected = [f"{a[y]:,}".replace(",", "\u00a0") for y in sample.YEARS]
        assert rows[mo["name"]][:3] == expected
    assert "Среднее по региону (на одно МО)" in rows and "Всего по региону" in rows


def test_view_3_shows_entry_split(regional):
    rows = _rows(regional.get("/analytics/entry-share/" + YEAR_2020).content.decode())
    mo1 = rows["МО-1"]
    assert mo1[0] == "38\u00a0258" and mo1[1] == "17\u00a0514"
    assert mo1[3] == "5\u00a0256" and mo1[4] == "12\u00a0258"
    assert mo1[2] == "45,8\u00a0%"  # 17 514 / 38 258


def test_view_4_shows_units_and_regional_average(regional):
    rows = _rows(regional.get("/analytics/entry-volume/" + YEAR_2020).content.decode())
    assert rows["МО-3"][:4] == ["63", "95", "158", "11\u00a0295"]
    # 826 units and 127 440 entries in 10 МО
    assert rows["Среднее по региону (на одно МО)"][2:4] == ["82,6", "12\u00a0744,0"]


def test_view_5_segments(regional):
    rows = _rows(regional.get("/analytics/per-unit/" + YEAR_2020).content.decode())
    assert list(rows)[0] == "МО-9"  # 15 940 entries / 50 units
    assert rows["МО-9"][2] == "318,8"
    assert rows["МО-9"][-1] == "значительно выше среднего"
    assert rows["МО-3"][-1] == "отстающие"
    assert rows["Среднее по региону"][2] == "154,3"  # 127 440 / 826
    # thresholds are the officer's: with a lower bar МО-1 (140 %) becomes "well above"
    rows = _rows(
        regional.get(
            "/analytics/per-unit/" + YEAR_2020 + "&high=130&above=110&low=90"
        ).content.decode()
    )
    assert rows["МО-1"][-1] == "значительно выше среднего"
    # all actions per unit: МО-9 has over 700 (the publication's diagram 5)
    rows = _rows(regional.get("/analytics/per-unit/" + YEAR_2020 + "&measure=all").content.decode())
    assert rows["МО-9"][2] == "716,4"


def test_municipal_officer_sees_own_mo_against_the_regional_average(client, sample_activity):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    for slug in ("yearly", "change", "entry-share", "entry-volume", "per-unit"):
        html = client.get(f"/analytics/{slug}/" + YEAR_2020).content.decode()
        rows = _rows(html)
        assert "МО-3" in rows, slug
        assert not any(label.startswith("МО-") and label != "МО-3" for label in rows), slug
        assert any(label.startswith(("Среднее", "Регион")) for label in rows), slug
    rows = _rows(client.get("/analytics/change/" + YEAR_2020).content.decode())
    assert rows["МО-3"][-1] == PUBLISHED[("MO-3", 2020)]
    # МО in the query string change nothing
    other = Municipality.objects.get(code="MO-1").pk
    rows = _rows(client.get(f"/analytics/change/{YEAR_2020}&mo={other}").content.decode())
    assert "МО-1" not in rows


def test_users_page_names_only_the_own_mo_users(client, sample_activity):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    html = client.get("/analytics/users/?mo_code=MO-1&" + YEAR_2020[1:]).content.decode()
    assert "mo2." in html and "mo1." not in html
    assert "Активность пользователей МО-2" in html
    # nor through the user filter
    page = client.get("/analytics/change/" + YEAR_2020 + "&user=mo1.kdn1")
    assert "Пользователь не найден" in page.content.decode()
    client.force_login(factories.user(Role.REGIONAL, None))
    html = client.get("/analytics/users/?mo_code=MO-1&" + YEAR_2020[1:]).content.decode()
    assert "mo1.kdn1" in html and "mo2." not in html


def test_user_and_agency_filters(regional):
    base = "/analytics/entry-share/" + YEAR_2020
    rows = _rows(regional.get(base + "&agency_kind=kdn").content.decode())
    assert rows["МО-1"][1] == "5\u00a0256"  # entries by КДН и ЗП only
    rows = _rows(regional.get(base + "&agency_kind=other").content.decode())
    assert rows["МО-1"][1] == "12\u00a0258"
    rows = _rows(regional.get(base + "&user=mo1.kdn1").content.decode())
    assert 0 < int(rows["МО-1"][0].replace("\u00a0", "")) < 38258
    assert rows["МО-2"][0] == "0"


def test_exports_carry_the_figures_and_are_audited(regional):
    before = AuditEvent.objects.filter(action=Action.EXPORT).count()
    response = regional.get("/analytics/change/export.csv" + YEAR_2020)
    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment;")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ["2. Изменение к предыдущему году"]
    assert ["Период: 01.01.2020–31.12.2020"] in lines
    mo1 = next(line for line in lines if line and line[0] == "МО-1")
    assert mo1 == ["МО-1", "20415", "38258", "17843", "87,4"]
    response = regional.get("/analytics/change/export.xlsx" + YEAR_2020)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["МО-4"][2] == 59008 and values["МО-3"][4] == pytest.approx(-42.2, abs=0.05)
    svg = regional.get("/analytics/change/chart.svg" + YEAR_2020 + "&download=1")
    assert svg["Content-Type"] == "image/svg+xml" and b"+87,4" in svg.content
    png = regional.get("/analytics/per-unit/chart.png" + YEAR_2020 + "&download=1")
    assert png.content.startswith(b"\x89PNG")
    # the chart shown on the page is not an export
    regional.get("/analytics/yearly/chart.svg")
    exports = AuditEvent.objects.filter(action=Action.EXPORT).order_by("time")
    assert exports.count() == before + 4
    assert exports.last().details["view"] == "per-unit"
    assert exports.last().details["filters"]["Период"] == "01.01.2020–31.12.2020"


def test_printable_report_in_russian_with_date_period_and_filters(regional):
    response = regional.get("/analytics/report/" + YEAR_2020 + "&agency_kind=kdn")
    # Its inline styles and charts need their own policy, sent as a header (nginx then
    # leaves out the site-wide one that forbids inline styles).
    assert "style-src 'unsafe-inline'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "Дата формирования" in html and "01.01.2020–31.12.2020" in html
    assert "КДН и ЗП" in html
    for number in range(1, 6):
        assert f"<h2>{number}. " in html
    assert html.count("<svg") == 5
    if not pdf.available():
        pytest.skip("Chromium is not installed: PDF not checked")
    response = regional.get("/analytics/change/report.pdf" + YEAR_2020)
    assert response.status_code == 200, response.content[:500]
    assert response.content.startswith(b"%PDF") and response["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):  # poppler-utils: the text is real Cyrillic text
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Изменение к предыдущему году" in text and "+87,4" in text
