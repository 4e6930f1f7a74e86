"""Completeness figures against a hand-built data set, and every list within scope."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from directory.models import AgencyType
from prevention.models import ExecutionReport, Measure, MeasureStatus, PlanStatus
from quality import report
from quality.models import Thresholds
from raids.models import Raid, RaidVisit
from regbank_app.testing import factories
from registry.models import FamilyMember, Minor

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def measure(plan, agency, due, status=MeasureStatus.PLANNED, title="Контроль посещаемости"):
    return Measure.objects.create(
        mo=plan.mo, plan=plan, title=title, agency=agency, due_date=due, status=status
    )


def raid(mo_code, *findings):
    r = Raid.objects.create(
        mo=factories.mo(mo_code), date=YESTERDAY, purpose="Рейд «Семья»", team="Петрова А. С."
    )
    for text in findings:
        RaidVisit.objects.create(mo=r.mo, raid=r, address="ул. Мира, 1", findings=text)
    return r


@pytest.fixture
def region():
    """MO-1: three families and two minors on record, one family not on record, plans,
    measures and raids with one of each gap; MO-2: a family without a plan and a raid."""
    edu1 = factories.agency("MO-1", AgencyType.EDUCATION)
    police1 = factories.agency("MO-1", AgencyType.POLICE)
    f1 = factories.family("MO-1", family_name="Первые")
    p1 = factories.plan(f1)
    late = measure(p1, edu1, YESTERDAY, title="Просрочено без отчёта")
    reported = measure(p1, police1, YESTERDAY, title="Просрочено, отчёт есть")
    author = factories.user(Role.AGENCY, "MO-1")
    ExecutionReport.objects.create(
        mo=p1.mo, measure=reported, result="Исполнено", agency=police1, author=author
    )
    measure(p1, edu1, TODAY + datetime.timedelta(days=5), title="Срок не наступил")
    measure(p1, edu1, YESTERDAY, MeasureStatus.DONE, title="Исполнено")
    factories.family("MO-1", family_name="Вторые")  # no plan
    f3 = factories.family("MO-1", family_name="Третьи")
    p3 = factories.plan(f3)
    p3.status = PlanStatus.COMPLETED
    p3.save()
    FamilyMember.objects.create(
        mo=f3.mo, family=f3, relation="mother", last_name="Третья", first_name="Анна"
    )
    FamilyMember.objects.create(
        mo=f1.mo,
        family=f1,
        relation="father",
        last_name="Первый",
        first_name="Иван",
        birth_date=datetime.date(1980, 1, 1),
    )
    factories.family("MO-1", family_name="Четвёртые", registered=False)  # not on record
    m1 = factories.minor("MO-1", last_name="Безадресный")  # no address; plan without measures
    factories.plan(m1)
    m2 = factories.minor("MO-1", last_name="Давний", address_actual="ул. Мира, 2")
    Minor.objects.filter(pk=m2.pk).update(updated_at=timezone.now() - datetime.timedelta(days=300))
    raid("MO-1")  # no visits
    raid("MO-1", "мало")  # findings too short
    raid("MO-1", "Дети одни дома, в квартире нет еды; родители в состоянии опьянения.")
    factories.family("MO-2", family_name="Чужие")
    raid("MO-2")
    return {"late": late, "edu1": edu1, "police1": police1}


EXPECTED_MO1 = {  # (found, population)
    "families-without-plan": (2, 3),
    "minors-without-plan": (1, 2),
    "plans-without-measures": (1, 2),
    "measures-overdue-unreported": (1, 3),
    "raids-without-findings": (2, 3),
    "families-untouched": (0, 3),
    "minors-untouched": (1, 2),
    "minors-without-address": (1, 2),
    "members-without-birth-date": (1, 2),
}


def figures(row):
    return {check.slug: (figure.found, figure.total) for check, figure in row.pairs}


def test_regional_figures_per_mo_match_the_hand_built_data(region):
    data = report.build(factories.user(Role.REGIONAL, None))
    rows = {row.key: row for row in data.by_mo}
    assert figures(rows["MO-1"]) == EXPECTED_MO1
    mo2 = figures(rows["MO-2"])
    assert mo2["families-without-plan"] == (1, 1) and mo2["raids-without-findings"] == (1, 1)
    assert data.region is None
    agencies = {row.key: figures(row) for row in data.by_agency}
    assert agencies[str(region["edu1"].pk)] == {"measures-overdue-unreported": (1, 2)}
    assert agencies[str(region["police1"].pk)] == {"measures-overdue-unreported": (0, 1)}


def test_thresholds_change_the_figures(region, client):
    officer = factories.user(Role.REGIONAL, None)
    client.force_login(officer)
    response = client.post(
        "/quality/thresholds/", {"stale_months": "12", "min_findings_chars": "3"}
    )
    assert response.status_code == 302
    assert Thresholds.current().stale_months == 12
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="quality.thresholds")
    rows = {row.key: figures(row) for row in report.build(officer).by_mo}
    assert rows["MO-1"]["minors-untouched"] == (0, 2)  # 300 days < 12 months
    assert rows["MO-1"]["raids-without-findings"] == (1, 3)  # «мало» is 4 characters
    client.post("/quality/thresholds/", {"stale_months": "6", "min_findings_chars": "3"})
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="quality.thresholds")
    assert event.changes["stale_months"]["old"] == 12


def test_a_municipal_officer_sees_its_mo_against_the_regional_average(region, client):
    officer = factories.user(Role.MUNICIPAL, "MO-2")
    data = report.build(officer)
    assert [row.key for row in data.by_mo] == ["MO-2"]
    (own,) = report.build(factories.user(Role.MUNICIPAL, "MO-1")).by_mo
    assert figures(own) == EXPECTED_MO1
    region_avg = figures(data.region)
    # families without a plan: 3 of 4 on record in the region, over the 2 МО that have any
    found, total = region_avg["families-without-plan"]
    assert (found, total) == (1.5, 2.0)
    assert data.region.pairs[0][1].share == 75.0
    client.force_login(officer)
    page = client.get("/quality/").content.decode()
    assert "Среднее по региону" in page and "МО-1" not in page.split("Среднее")[0]


def test_every_list_keeps_to_the_users_scope(region, client):
    other = factories.user(Role.MUNICIPAL, "MO-2")
    client.force_login(other)
    page = client.get("/quality/families-without-plan/").content.decode()
    assert "Чужие" in page and "Вторые" not in page and "Третьи" not in page
    page = client.get("/quality/families-without-plan/?mo=MO-1").content.decode()
    assert "Найдено: 0" in page
    csv_text = client.get("/quality/raids-without-findings/?format=csv").content.decode("utf-8-sig")
    assert csv_text.count("\r\n") == 2  # header and MO-2's raid
    # an agency: only measures of plans it has measures in, no raids
    agency_user = factories.user(Role.AGENCY, "MO-1", agency=region["edu1"])
    client.force_login(agency_user)
    page = client.get("/quality/measures-overdue-unreported/").content.decode()
    assert "Просрочено без отчёта" in page and "Найдено: 1" in page
    assert "Найдено: 0" in client.get("/quality/raids-without-findings/").content.decode()
    page = client.get("/quality/families-without-plan/").content.decode()
    assert "Вторые" not in page and "Чужие" not in page
    assert client.get("/quality/thresholds/").status_code == 403
    client.force_login(factories.user(Role.AUDITOR, None))
    assert client.get("/quality/").status_code == 403


def test_exports_are_neutralised_and_recorded(region, client):
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    Minor.objects.filter(last_name="Безадресный").update(last_name="=HYPERLINK(1)")
    client.force_login(officer)
    response = client.get("/quality/minors-without-address/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value.startswith("'=HYPERLINK")
    csv_text = client.get("/quality/?format=csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("МО-1;2;66.7")
    assert "Среднее по региону" in csv_text
    assert AuditEvent.objects.filter(action=Action.EXPORT, user=officer).count() == 2
    assert client.get("/quality/no-such-check/").status_code == 404
    assert client.get("/quality/measures-overdue-unreported/?agency=abc").status_code == 404


MARK = "ЧУЖОЕ"


def _mo2_gap_of_every_kind():
    """One МО-2 record in every list, each named with MARK."""
    old = timezone.now() - datetime.timedelta(days=400)
    family = factories.family("MO-2", family_name=f"{MARK} семья")
    FamilyMember.objects.create(
        mo=family.mo, family=family, relation="mother", last_name=MARK, first_name="Анна"
    )
    minor = factories.minor("MO-2", last_name=MARK)
    planned = factories.family("MO-2", family_name=f"{MARK} с планом")
    factories.plan(planned)  # no measures
    late = factories.family("MO-2", family_name=f"{MARK} с просрочкой")
    measure(
        factories.plan(late), factories.agency("MO-2", AgencyType.EDUCATION), YESTERDAY, title=MARK
    )
    Raid.objects.create(mo=family.mo, date=YESTERDAY, purpose=MARK, team=MARK)
    for model, pk in ((type(family), family.pk), (Minor, minor.pk)):
        model.objects.filter(pk=pk).update(updated_at=old)


def _text(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return " ".join(str(c.value) for s in book for row in s.iter_rows() for c in row)
    return response.content.decode("utf-8-sig")


def test_no_figure_list_or_export_shows_another_mo(region, client):
    from quality.checks import CHECKS

    _mo2_gap_of_every_kind()
    regional = factories.user(Role.REGIONAL, None)
    client.force_login(regional)
    for check in CHECKS:  # the mark is there to be found
        assert MARK in client.get(f"/quality/{check.slug}/?mo=MO-2").content.decode(), check.slug
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    agency_user = factories.user(Role.AGENCY, "MO-1", agency=region["edu1"])
    for user in (officer, agency_user):
        client.force_login(user)
        for url in ["/quality/"] + [f"/quality/{c.slug}/" for c in CHECKS]:
            for query in ("", "?format=csv", "?format=xlsx", "?mo=MO-2", "?mo=MO-2&format=csv"):
                response = client.get(url + query)
                assert response.status_code == 200, (user.role, url + query)
                assert MARK not in _text(response), (user.role, url + query)
