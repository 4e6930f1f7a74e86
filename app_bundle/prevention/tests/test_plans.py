import datetime

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from prevention.models import ExecutionReport, Measure, MeasureStatus, Plan
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1")
    client.force_login(officer)
    return officer


def test_plan_with_a_measure_for_an_agency(client, kdn1):
    minor = factories.minor("MO-1")
    page = client.get(f"/minors/{minor.pk}/").content.decode()
    assert f"/plans/new/?minor={minor.pk}" in page
    response = client.post(
        f"/plans/new/?minor={minor.pk}",
        {"start_date": "2024-04-01", "end_date": "2024-12-31", "goal": "Вернуть к учёбе"},
    )
    plan = Plan.objects.get()
    assert response["Location"] == f"/plans/{plan.pk}/"
    assert plan.minor == minor and plan.mo_id == minor.mo_id and plan.created_by == kdn1
    school = factories.agency("MO-1", "education")
    form = client.get(f"/plans/{plan.pk}/measures/new/").content.decode()
    assert factories.agency("MO-2", "education").name not in form  # other МО's agencies
    assert "Министерство образования региона" in form  # regional ones are offered
    response = client.post(
        f"/plans/{plan.pk}/measures/new/",
        {
            "title": "Ежедневный контроль посещаемости",
            "agency": str(school.pk),
            "executor": "Классный руководитель",
            "due_date": "2024-05-31",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.mo_id == plan.mo_id and measure.status == MeasureStatus.PLANNED
    events = AuditEvent.objects.filter(card_id=minor.pk, action=Action.CREATE)
    assert {e.object_type for e in events} >= {"prevention.plan", "prevention.measure"}


def test_plan_dates_are_checked(client, kdn1):
    family = factories.family("MO-1")
    page = client.post(
        f"/plans/new/?family={family.pk}",
        {"start_date": "2024-04-01", "end_date": "2024-01-01", "goal": "x"},
    ).content.decode()
    assert "раньше его начала" in page


def test_specialist_reports_execution_of_his_agency_measure_only(client):
    school = factories.agency("MO-1", "education")
    police = factories.agency("MO-1", "police")
    minor = factories.minor("MO-1")
    plan = factories.plan(minor, agency_obj=school)
    other = Measure.objects.create(
        mo=plan.mo,
        plan=plan,
        title="Профилактическая беседа",
        agency=police,
        due_date=datetime.date(2030, 1, 1),
    )
    mine = plan.measures.get(agency=school)
    specialist = factories.user(Role.AGENCY, "MO-1", agency=school, username="teacher")
    client.force_login(specialist)
    work = client.get("/measures/").content.decode()
    assert "Контроль посещаемости" in work and "Профилактическая беседа" not in work
    assert client.get(f"/measures/{other.pk}/report/").status_code == 403
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/measures/{mine.pk}/report/" in page and f"/measures/{other.pk}/report/" not in page
    assert f"/measures/{mine.pk}/edit/" not in page
    response = client.post(
        f"/measures/{mine.pk}/report/",
        {"reported_on": "2024-05-20", "result": "Посещаемость восстановлена", "is_done": "on"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == MeasureStatus.DONE and mine.completed_on == datetime.date(2024, 5, 20)
    report = ExecutionReport.objects.get()
    assert report.agency == school and report.author == specialist and report.mo_id == plan.mo_id
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="prevention.executionreport")
    assert event.agency_id == school.pk and event.card_id == minor.pk
    assert client.get(f"/plans/{plan.pk}/edit/").status_code == 403


def test_overdue_lists_per_mo_and_agency(client):
    school1 = factories.agency("MO-1", "education")
    police2 = factories.agency("MO-2", "police")
    late = datetime.date.today() - datetime.timedelta(days=5)
    factories.plan(factories.minor("MO-1", last_name="Опоздалов"), agency_obj=school1, due=late)
    factories.plan(factories.minor("MO-1", last_name="Вовремин"), agency_obj=school1)
    factories.plan(factories.minor("MO-2", last_name="Второв"), agency_obj=police2, due=late)
    client.force_login(factories.user(Role.REGIONAL, None))
    page = client.get("/plans/overdue/").content.decode()
    assert "МО-1" in page and "МО-2" in page
    assert "Опоздалов" in page and "Второв" in page and "Вовремин" not in page
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    page = client.get("/plans/overdue/").content.decode()
    assert "Опоздалов" in page and "Второв" not in page
    client.force_login(factories.user(Role.AGENCY, "MO-2", agency=police2))
    page = client.get("/plans/overdue/").content.decode()
    assert "Второв" in page and "Опоздалов" not in page


def test_measure_with_reports_cannot_be_deleted(client, kdn1):
    school = factories.agency("MO-1", "education")
    plan = factories.plan(factories.minor("MO-1"), agency_obj=school)
    measure = plan.measures.get()
    ExecutionReport.objects.create(
        mo=plan.mo, measure=measure, result="Сделано", agency=school, author=kdn1
    )
    assert "Удалить нельзя" in client.post(f"/measures/{measure.pk}/delete/").content.decode()
    assert "Удалить нельзя" in client.post(f"/plans/{plan.pk}/delete/").content.decode()
    assert Measure.objects.filter(pk=measure.pk).exists()


def test_kdn_officer_edits_and_deletes_a_measure(client, kdn1):
    school = factories.agency("MO-1", "education")
    plan = factories.plan(factories.family("MO-1"), agency_obj=school)
    measure = plan.measures.get()
    data = {"title": "Новая формулировка", "agency": str(school.pk), "due_date": "2030-02-01"}
    assert client.post(f"/measures/{measure.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=measure.pk)
    assert event.changes["title"]["new"] == "Новая формулировка"
    assert client.post(f"/measures/{measure.pk}/delete/").status_code == 302
    assert not Measure.objects.exists()
    assert client.post(f"/plans/{plan.pk}/delete/").status_code == 302
    assert not Plan.objects.exists()
