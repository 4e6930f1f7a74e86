"""The summary «МО, которым нужна помощь» against a hand-built region: its ranks, its
reasons in words, its exports, and who may open it."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from analytics import reports
from audit.models import Action, AuditEvent
from directory.models import AgencyType
from inspections.models import Inspection
from reconciliation.models import Outcome, Reconciliation
from regbank_app.testing import factories
from support import summary

pytestmark = pytest.mark.django_db

START, END = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
TODAY = datetime.date.today()
NBSP = "\u00a0"
MINUS = "\u2212"


def events(code, year, entry, other):
    """`entry` creations and `other` views by the МО's КДН officers in May of `year`."""
    mo = factories.mo(code)
    when = datetime.datetime(year, 5, 14, 11, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    rows = [(Action.CREATE, entry), (Action.VIEW, other)]
    AuditEvent.objects.bulk_create(
        AuditEvent(site="regional", action=action, mo=mo, agency_type="kdn", time=when)
        for action, n in rows
        for _ in range(n)
    )


def cards(code, *, family_plans: bool, addresses=("ул. Мира, 1", "ул. Мира, 2")):
    """Two families and two minors on record (four accounting units); every minor's plan
    has a measure; the families' plans only if asked."""
    agency = factories.agency(code, AgencyType.EDUCATION)
    for i in range(2):
        family = factories.family(code, family_name=f"Семья-{code}-{i}")
        if family_plans:
            factories.plan(family, agency_obj=agency)
        minor = factories.minor(code, last_name=f"Ребёнок-{i}", address_actual=addresses[i])
        factories.plan(minor, agency_obj=agency)


def reconciliation(code, day, outcomes):
    sample = Reconciliation.objects.create(mo=factories.mo(code), drawn_on=day, requested=4)
    for i, outcome in enumerate(outcomes, 1):
        sample.cards.create(mo=sample.mo, position=i, card_number=f"№{i}", outcome=outcome)


@pytest.fixture
def region():
    """МО-1 and МО-2 enter 10 actions per unit; МО-3 enters 2 and fell by half against 2023;
    МО-3's families have no ИПР plan; an МО-2 minor has no address and МО-2 has a
    recommendation past due; МО-1's latest reconciliation matched two cards of three."""
    cards("MO-1", family_plans=True)
    cards("MO-2", family_plans=True, addresses=("ул. Мира, 1", ""))
    with factories.at_site("MO-3"):  # МО-3 keeps its cards on its own server
        cards("MO-3", family_plans=False)
    events("MO-1", 2024, 40, 10)
    events("MO-2", 2024, 40, 10)
    events("MO-3", 2024, 8, 42)
    events("MO-1", 2023, 40, 20)
    events("MO-3", 2023, 50, 50)
    visit = Inspection.objects.create(
        mo=factories.mo("MO-2"), date=TODAY, inspectors="Соколова", findings="Выводы"
    )
    visit.recommendations.create(
        mo=visit.mo, text="Заполнить адреса", due_date=TODAY - datetime.timedelta(days=1)
    )
    done = Inspection.objects.create(
        mo=factories.mo("MO-1"), date=TODAY, inspectors="Соколова", findings="Выводы"
    )
    done.recommendations.create(
        mo=done.mo, text="Сверка", due_date=datetime.date(2024, 1, 1), done_on=TODAY,
        follow_up="Проведена",
    )  # fmt: skip
    reconciliation("MO-1", datetime.date(2024, 6, 1), [Outcome.MATCHES])
    reconciliation("MO-1", TODAY, [Outcome.MATCHES, Outcome.DIFFERS, Outcome.MATCHES, "pending"])
    return factories.user(Role.REGIONAL, None)


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(MINUS, "-")


def reasons(row) -> list[str]:
    return [plain(reason.text) for reason in row.reasons]


def test_ranks_and_reasons_of_the_hand_built_region(region):
    data = summary.build(region, START, END)
    assert [row.rank for row in data.rows] == list(range(1, 11))
    by_code = {row.mo.code: row for row in data.rows}
    assert [row.mo.code for row in data.rows[:3]] == ["MO-3", "MO-2", "MO-1"]
    # region: 88 entries over 12 units, 7.33 each; МО-3 enters 2 per unit (27 %)
    assert reasons(by_code["MO-3"]) == [
        "ввод данных на учётную единицу: 2,0 (27 % среднего по региону) — отстающий сегмент",
        "действий на 50 % меньше, чем за тот же период годом раньше (регион в целом: -6 %)",
        "ввод данных — 16 % всех действий (по региону — 59 %)",
        "100 % семей на учёте без действующего плана ИПР (2 из 2; по региону — 33 %)",
    ]
    assert reasons(by_code["MO-2"]) == [
        "50 % несовершеннолетних на учёте без адреса (1 из 2; по региону — 17 %)",
        "рекомендации выездной проверки не исполнены в срок: 1",
    ]
    assert reasons(by_code["MO-1"]) == [
        f"сверка {TODAY:%d.%m.%Y}: совпало 67 % проверенных карточек (2 из 3)"
    ]
    # МО-1 fell by a sixth (50 against 60 actions): under the rule's fifth, no reason
    assert round(by_code["MO-1"].change, 1) == -16.7
    # the rest have no cards and no actions: no reason, after the others in their order
    assert [row.mo.code for row in data.rows[3:]] == [f"MO-{i}" for i in range(4, 11)]
    assert all(not row.reasons and row.segment == "" for row in data.rows[3:])


def test_the_segments_are_the_analytics_own(region):
    data = summary.build(region, START, END)
    region_mos = [row.mo for row in data.rows]
    sel = reports.Selection(
        start=START, end=END, mos=region_mos, region_mos=region_mos,
        flt=summary.EventFilter(),
    )  # fmt: skip
    per_unit = {row.mo.pk: row for row in reports.per_unit(sel).rows}
    for row in data.rows:
        assert row.segment == per_unit[row.mo.pk].segment
        assert row.per_unit == per_unit[row.mo.pk].values[2]
    assert {r.mo.code: r.segment for r in data.rows[:3]} == {
        "MO-1": "above", "MO-2": "above", "MO-3": "lagging"
    }  # fmt: skip


def test_the_page_and_its_exports(client, region):
    client.force_login(region)
    query = "date_from=2024-01-01&date_to=2024-12-31"
    page = plain(client.get(f"/support/?{query}").content.decode())
    assert page.index("МО-3") < page.index("МО-2") < page.index("МО-1") < page.index("МО-4")
    assert "отстающий сегмент" in page and "Как составлена таблица" in page
    assert 'href="/quality/families-without-plan/?mo=MO-3"' in page
    response = client.get(f"/support/?{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Место", "МО", "Признаков", "Признаки")
    assert rows[1][:3] == (1, "МО-3", 4) and rows[1][11] == "отстающие"
    assert AuditEvent.objects.get(action=Action.EXPORT, user=region).details["format"] == "xlsx"
    csv = client.get(f"/support/?{query}&format=csv").content.decode("utf-8-sig")
    assert csv.splitlines()[2].startswith("2;МО-2;2;")
    assert client.get("/support/?date_from=2024-12-31&date_to=2024-01-01").status_code == 400


def test_only_the_regional_officer_at_the_regional_server(client, region):
    for role in (Role.MUNICIPAL, Role.AGENCY, Role.AUDITOR):
        client.force_login(factories.user(role, "MO-1"))
        for url in ("/support/", "/support/?format=csv"):
            assert client.get(url).status_code == 403, (role, url)
    client.force_login(region)
    assert "/support/" in client.get("/").content.decode()
    with factories.at_site("MO-3"):
        page = client.get("/support/").content.decode()
        assert "собираются на региональном сервере" in page and "МО-1" not in page
