"""Every create, update and delete of a travelling or personal row leaves an audit event.

The rows that replicate (`regbank_app.replication`) are the ones that are personal data or
reference it. For each such model the test drives every write the application offers,
through its views (the path a user takes, and so the app's audited write path), and
looks for the event naming the row. A model without an entry below fails the test, so a
new model cannot go unaudited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from accounts.models import Role, User
from audit.models import Action, AuditEvent
from commission.models import AgendaItem, Meeting, Resolution
from directory.models import Agency, Category, Ground
from inspections.models import Inspection, Recommendation
from prevention.models import ExecutionReport, Measure, Plan
from quality.models import Thresholds
from raids.models import Raid, RaidVisit
from reconciliation.models import Reconciliation, ReconciliationCard
from regbank_app.replication import DOWN_APPS, UP_APPS, models_of
from regbank_app.testing import factories
from registry.models import Family, FamilyMember, Minor, Registration

pytestmark = pytest.mark.django_db


@dataclass
class World:
    client: object
    kdn: User
    regional: User

    def as_kdn(self):
        self.client.force_login(self.kdn)

    def as_regional(self):
        self.client.force_login(self.regional)


@pytest.fixture
def world(client):
    kdn = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1", can_manage_users=True)
    regional = factories.user(Role.REGIONAL, None, username="reg1", can_manage_users=True)
    return World(client, kdn, regional)


# --- form data ---------------------------------------------------------------------------
def _field_value(value):
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_field_value(v) for v in value]
    return "" if value is None else str(value)


def edit_data(client, url: str, **changes) -> dict:
    """The edit form's current values as POST data, with `changes` applied."""
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["form"]
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        data[bound.html_name] = _field_value(value)
    data.update(changes)
    return data


def post(client, url: str, data=None) -> None:
    response = client.post(url, data or {})
    assert response.status_code == 302, (url, response.content.decode()[:2000])


# --- the rows each write starts from --------------------------------------------------------
def a_family():
    return factories.family("MO-1", family_name="Проверочные")


def a_minor():
    return factories.minor("MO-1", last_name="Проверочный")


def a_member():
    card = a_family()
    return FamilyMember.objects.create(
        mo=card.mo, family=card, relation="mother", last_name="Проверочная", first_name="Мать"
    )


def a_plan():
    return factories.plan(a_minor(), agency_obj=factories.agency("MO-1", "education"))


def a_meeting():
    return Meeting.objects.create(mo=factories.mo("MO-1"), date="2024-05-14", number="9")


def an_item():
    meeting = a_meeting()
    return AgendaItem.objects.create(mo=meeting.mo, meeting=meeting, order=1, title="Вопрос")


def a_resolution():
    meeting = a_meeting()
    return Resolution.objects.create(
        mo=meeting.mo, meeting=meeting, number="9/1", date="2024-05-14", kind="other", text="Т"
    )


def a_raid():
    return Raid.objects.create(
        mo=factories.mo("MO-1"), date="2024-06-01", purpose="Рейд «Подросток»", team="ПДН"
    )


def a_visit():
    raid = a_raid()
    return RaidVisit.objects.create(mo=raid.mo, raid=raid, address="ул. Северная, 4", findings="Н")


def created(world, model, url, data):
    """POST a create form; the new row's pk."""
    before = set(model.objects.values_list("pk", flat=True))
    post(world.client, url, data)
    (pk,) = set(model.objects.values_list("pk", flat=True)) - before
    return pk


def updated(world, obj, url, **changes):
    post(world.client, url, edit_data(world.client, url, **changes))
    return obj.pk


def deleted(world, obj, url):
    post(world.client, url)
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    return obj.pk


REGISTRATION = {
    "reg-registered_on": "2024-02-15",
    "reg-registration_ground": lambda: str(factories.ground("R01").pk),
}


def _registration_data():
    return {k: v() if callable(v) else v for k, v in REGISTRATION.items()}


# --- the writes: one function each, returning the written row's pk ----------------------------
def family_create(w):
    data = {
        "family_name": "Новые",
        "address_registration": "г. Образцов, ул. Мира, д. 5",
        "address_actual": "г. Образцов, ул. Мира, д. 5",
        "categories": [str(Category.objects.get(code="F01").pk)],
    }
    return created(w, Family, "/families/new/", data | _registration_data())


def family_update(w):
    card = a_family()
    return updated(w, card, f"/families/{card.pk}/edit/", family_name="Изменённые")


def family_delete(w):
    card = a_family()
    return deleted(w, card, f"/families/{card.pk}/delete/")


def family_categories_update(w):
    card = a_family()
    category = str(Category.objects.get(code="F02").pk)
    return updated(w, card, f"/families/{card.pk}/edit/", categories=[category])


def minor_create(w):
    data = {
        "last_name": "Новый",
        "first_name": "Максим",
        "birth_date": "2012-09-01",
        "sex": "m",
        "categories": [str(Category.objects.get(code="M08").pk)],
    }
    return created(w, Minor, "/minors/new/", data | _registration_data())


def minor_update(w):
    card = a_minor()
    return updated(w, card, f"/minors/{card.pk}/edit/", last_name="Изменённый")


def minor_delete(w):
    card = a_minor()
    return deleted(w, card, f"/minors/{card.pk}/delete/")


def minor_categories_update(w):
    card = a_minor()
    category = str(Category.objects.get(code="M01").pk)
    return updated(w, card, f"/minors/{card.pk}/edit/", categories=[category])


def member_create(w):
    card = a_family()
    data = {"relation": "father", "last_name": "Проверочный", "first_name": "Отец"}
    return created(w, FamilyMember, f"/families/{card.pk}/members/new/", data)


def member_update(w):
    member = a_member()
    return updated(w, member, f"/members/{member.pk}/edit/", first_name="Мама")


def member_delete(w):
    member = a_member()
    return deleted(w, member, f"/members/{member.pk}/delete/")


def registration_create(w):
    card = factories.family("MO-1", registered=False)
    data = {"registered_on": "2024-02-15", "registration_ground": str(factories.ground("R01").pk)}
    return created(w, Registration, f"/families/{card.pk}/register/", data)


def registration_update(w):
    registration = a_family().registrations.get()
    url = f"/registrations/{registration.pk}/edit/"
    return updated(w, registration, url, registration_resolution="№ 1/1")


def registration_deregister(w):
    registration = a_family().registrations.get()
    data = {
        "deregistered_on": "2024-12-20",
        "deregistration_ground": str(factories.ground("D01").pk),
    }
    post(w.client, f"/registrations/{registration.pk}/deregister/", data)
    return registration.pk


def registration_delete(w):
    registration = a_family().registrations.get()
    return deleted(w, registration, f"/registrations/{registration.pk}/delete/")


def plan_create(w):
    card = a_minor()
    data = {"start_date": "2024-04-01", "end_date": "2024-12-31", "goal": "Вернуть к учёбе"}
    return created(w, Plan, f"/plans/new/?minor={card.pk}", data)


def plan_update(w):
    plan = a_plan()
    return updated(w, plan, f"/plans/{plan.pk}/edit/", goal="Новая цель")


def plan_delete(w):
    plan = a_plan()
    plan.measures.all().delete()
    return deleted(w, plan, f"/plans/{plan.pk}/delete/")


def measure_create(w):
    plan = a_plan()
    data = {
        "title": "Контроль посещаемости",
        "agency": str(factories.agency("MO-1", "education").pk),
        "due_date": "2024-05-31",
    }
    return created(w, Measure, f"/plans/{plan.pk}/measures/new/", data)


def measure_update(w):
    measure = a_plan().measures.get()
    return updated(w, measure, f"/measures/{measure.pk}/edit/", title="Новая формулировка")


def measure_report_update(w):
    measure = a_plan().measures.get()
    data = {"reported_on": "2024-05-20", "result": "Исполнено", "is_done": "on"}
    post(w.client, f"/measures/{measure.pk}/report/", data)
    return measure.pk


def measure_delete(w):
    measure = a_plan().measures.get()
    return deleted(w, measure, f"/measures/{measure.pk}/delete/")


def report_create(w):
    measure = a_plan().measures.get()
    data = {"reported_on": "2024-05-20", "result": "Исполнено", "is_done": "on"}
    return created(w, ExecutionReport, f"/measures/{measure.pk}/report/", data)


def meeting_create(w):
    data = {"date": "2024-05-14", "number": "9", "chair": "Петров П. П.", "status": "held"}
    return created(w, Meeting, "/meetings/new/", data)


def meeting_update(w):
    meeting = a_meeting()
    return updated(w, meeting, f"/meetings/{meeting.pk}/edit/", place="каб. 21")


def meeting_delete(w):
    meeting = a_meeting()
    return deleted(w, meeting, f"/meetings/{meeting.pk}/delete/")


def item_create(w):
    meeting = a_meeting()
    data = {"order": "1", "title": "О семье", "family": str(a_family().pk)}
    return created(w, AgendaItem, f"/meetings/{meeting.pk}/items/new/", data)


def item_update(w):
    item = an_item()
    return updated(w, item, f"/meetings/items/{item.pk}/edit/", title="Другой вопрос")


def item_delete(w):
    item = an_item()
    return deleted(w, item, f"/meetings/items/{item.pk}/delete/")


def resolution_create(w):
    meeting = a_meeting()
    data = {"number": "9/1", "date": "2024-05-14", "kind": "other", "text": "Решено"}
    return created(w, Resolution, f"/meetings/{meeting.pk}/resolutions/new/", data)


def resolution_update(w):
    resolution = a_resolution()
    url = f"/meetings/resolutions/{resolution.pk}/edit/"
    return updated(w, resolution, url, text="Решено иначе")


def resolution_delete(w):
    resolution = a_resolution()
    return deleted(w, resolution, f"/meetings/resolutions/{resolution.pk}/delete/")


def raid_create(w):
    data = {"date": "2024-06-01", "purpose": "Рейд", "team": "Инспектор ПДН"}
    return created(w, Raid, "/raids/new/", data)


def raid_update(w):
    raid = a_raid()
    return updated(w, raid, f"/raids/{raid.pk}/edit/", area="микрорайон Северный")


def raid_delete(w):
    raid = a_raid()
    return deleted(w, raid, f"/raids/{raid.pk}/delete/")


def visit_create(w):
    raid = a_raid()
    data = {"address": "ул. Северная, 4", "findings": "Дома один"}
    return created(w, RaidVisit, f"/raids/{raid.pk}/visits/new/", data)


def visit_update(w):
    visit = a_visit()
    return updated(w, visit, f"/raids/visits/{visit.pk}/edit/", follow_up_done="on")


def visit_delete(w):
    visit = a_visit()
    return deleted(w, visit, f"/raids/visits/{visit.pk}/delete/")


def user_create(w):
    data = {
        "username": "teacher1",
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "role": Role.AGENCY,
        "agency": str(factories.agency("MO-1", "education").pk),
        "mo": str(factories.mo("MO-1").pk),
        "is_active": "on",
        "password1": "Vremennyi-2025",
        "password2": "Vremennyi-2025",
    }
    return created(w, User, "/accounts/users/new/", data)


def user_update(w):
    other = factories.user(Role.AGENCY, "MO-1", username="spec1")
    return updated(w, other, f"/accounts/users/{other.pk}/edit/", position="педагог")


def user_password_reset(w):
    other = factories.user(Role.AGENCY, "MO-1", username="spec1")
    data = {"password1": "Vremennyi-2025", "password2": "Vremennyi-2025"}
    post(w.client, f"/accounts/users/{other.pk}/password/", data)
    return other.pk


def _directory_writes(kind, model, create_data, change):
    def create(w):
        return created(w, model, f"/directory/{kind}/new/", create_data())

    def update(w):
        obj = model.objects.order_by("pk").first()
        return updated(w, obj, f"/directory/{kind}/{obj.pk}/edit/", **change)

    return [(Action.CREATE, create), (Action.UPDATE, update)]


def _agency_data():
    return {"mo": str(factories.mo("MO-5").pk), "type": "health", "name": "Поликлиника № 2"}


IMPORT_FILES = {  # first filling (bank_import): one file of each kind, Windows-1251 CSV
    "families": "№ семьи;Фамилия семьи;Адрес фактического проживания;Дата постановки на учёт;"
    "Основание постановки;Родство;Фамилия;Имя\r\n"
    "1;Загруженные;ул. Новая, 1;01.02.2024;R01;мать;Загруженная;Вера\r\n",
    "minors": "Фамилия;Имя;Дата рождения;Пол;Дата постановки на учёт;Основание постановки\r\n"
    "Загруженный;Лев;01.02.2012;м;01.02.2024;R01\r\n",
}


def _plan_file() -> str:
    agency = factories.agency("MO-1", "education").name.replace('"', '""')
    return (
        "№ плана;Номер карточки;Начало;Окончание;Цели и задачи;Мероприятие;"
        "Ответственный субъект профилактики;Срок исполнения\r\n"
        f'1;{a_family().number};01.03.2024;28.02.2025;Цели;Контроль;"{agency}";31.05.2024\r\n'
    )


def _imported(w, kind, model):
    before = set(model.objects.values_list("pk", flat=True))
    text = _plan_file() if kind == "plans" else IMPORT_FILES[kind]
    upload = SimpleUploadedFile(f"{kind}.csv", text.encode("cp1251"))
    w.client.post("/import/", {"kind": kind, "file": upload, "commit": "1"})
    (pk,) = set(model.objects.values_list("pk", flat=True)) - before
    return pk


def family_import(w):
    return _imported(w, "families", Family)


def member_import(w):
    return _imported(w, "families", FamilyMember)


def minor_import(w):
    return _imported(w, "minors", Minor)


def registration_import(w):
    return _imported(w, "minors", Registration)


def plan_import(w):
    return _imported(w, "plans", Plan)


def measure_import(w):
    return _imported(w, "plans", Measure)


def thresholds_create(w):
    data = {"stale_months": "9", "min_findings_chars": "20"}
    return created(w, Thresholds, "/quality/thresholds/", data)


def thresholds_update(w):
    thresholds = Thresholds.objects.create()
    return updated(w, thresholds, "/quality/thresholds/", stale_months=9)


def _drawn(w, model):
    factories.family("MO-1", family_name="Сверяемые")
    return created(w, model, "/reconciliation/new/", {"size": "1", "kinds": "families"})


def reconciliation_draw(w):
    return _drawn(w, Reconciliation)


def reconciliation_card_draw(w):
    return _drawn(w, ReconciliationCard)


def reconciliation_outcome(w):
    card = ReconciliationCard.objects.get(pk=_drawn(w, ReconciliationCard))
    data = {"c1-outcome": "differs", "c1-differences": "В деле другой адрес"}
    post(w.client, f"/reconciliation/{card.reconciliation_id}/", data)
    return card.pk


def an_inspection():
    return Inspection.objects.create(
        mo=factories.mo("MO-1"), date="2024-09-10", inspectors="Иванова И. И.", findings="Нет"
    )


def a_recommendation():
    visit = an_inspection()
    return Recommendation.objects.create(
        mo=visit.mo, inspection=visit, text="Завести планы ИПР", due_date="2024-12-01"
    )


def inspection_create(w):
    data = {
        "mo": str(factories.mo("MO-1").pk),
        "date": "2024-09-10",
        "inspectors": "Иванова И. И., консультант",
        "findings": "Планы ИПР заведены не на все семьи",
    }
    return created(w, Inspection, "/inspections/new/", data)


def inspection_update(w):
    visit = an_inspection()
    return updated(w, visit, f"/inspections/{visit.pk}/edit/", findings="Замечаний нет")


def inspection_delete(w):
    visit = an_inspection()
    return deleted(w, visit, f"/inspections/{visit.pk}/delete/")


def recommendation_create(w):
    visit = an_inspection()
    data = {"text": "Завести планы ИПР", "due_date": "2024-12-01"}
    url = f"/inspections/{visit.pk}/recommendations/new/"
    return created(w, Recommendation, url, data)


def recommendation_update(w):
    item = a_recommendation()
    url = f"/inspections/recommendations/{item.pk}/edit/"
    return updated(w, item, url, follow_up="Планы заведены", done_on="2024-11-20")


def recommendation_delete(w):
    item = a_recommendation()
    return deleted(w, item, f"/inspections/recommendations/{item.pk}/delete/")


# label: the writes the application offers, or why it offers none
REGIONAL = "regional"  # marks writes a regional officer makes (directories)
WRITES = {
    "directory.municipality": "loaded by manage.py load_sample_region; no view writes МО",
    "directory.agency": [
        (a, d, REGIONAL)
        for a, d in _directory_writes("agencies", Agency, _agency_data, {"is_active": ""})
    ],
    "directory.category": [
        (a, d, REGIONAL)
        for a, d in _directory_writes(
            "categories",
            Category,
            lambda: {
                "code": "F99",
                "applies_to": "family",
                "name": "Проверочная",
                "sort_order": 99,
            },
            {"name": "Переименованная"},
        )
    ],
    "directory.ground": [
        (a, d, REGIONAL)
        for a, d in _directory_writes(
            "grounds",
            Ground,
            lambda: {
                "code": "R99",
                "kind": "registration",
                "applies_to": "both",
                "name": "Проверочное",
                "sort_order": 99,
            },
            {"name": "Переименованное"},
        )
    ],
    "accounts.user": [
        (Action.CREATE, user_create),
        (Action.UPDATE, user_update),
        (Action.UPDATE, user_password_reset),
    ],
    "registry.family": [
        (Action.CREATE, family_create),
        (Action.UPDATE, family_update),
        (Action.DELETE, family_delete),
        (Action.IMPORT, family_import),
    ],
    "registry.familycategory": [(Action.UPDATE, family_categories_update)],
    "registry.minor": [
        (Action.CREATE, minor_create),
        (Action.UPDATE, minor_update),
        (Action.DELETE, minor_delete),
        (Action.IMPORT, minor_import),
    ],
    "registry.minorcategory": [(Action.UPDATE, minor_categories_update)],
    "registry.familymember": [
        (Action.CREATE, member_create),
        (Action.UPDATE, member_update),
        (Action.DELETE, member_delete),
        (Action.IMPORT, member_import),
    ],
    "registry.registration": [
        (Action.CREATE, registration_create),
        (Action.UPDATE, registration_update),
        (Action.UPDATE, registration_deregister),
        (Action.DELETE, registration_delete),
        (Action.IMPORT, registration_import),
    ],
    "prevention.plan": [
        (Action.CREATE, plan_create),
        (Action.UPDATE, plan_update),
        (Action.DELETE, plan_delete),
        (Action.IMPORT, plan_import),
    ],
    "prevention.measure": [
        (Action.CREATE, measure_create),
        (Action.UPDATE, measure_update),
        (Action.UPDATE, measure_report_update),
        (Action.DELETE, measure_delete),
        (Action.IMPORT, measure_import),
    ],
    "prevention.executionreport": [(Action.CREATE, report_create)],
    "commission.meeting": [
        (Action.CREATE, meeting_create),
        (Action.UPDATE, meeting_update),
        (Action.DELETE, meeting_delete),
    ],
    "commission.agendaitem": [
        (Action.CREATE, item_create),
        (Action.UPDATE, item_update),
        (Action.DELETE, item_delete),
    ],
    "commission.resolution": [
        (Action.CREATE, resolution_create),
        (Action.UPDATE, resolution_update),
        (Action.DELETE, resolution_delete),
    ],
    "raids.raid": [
        (Action.CREATE, raid_create),
        (Action.UPDATE, raid_update),
        (Action.DELETE, raid_delete),
    ],
    "raids.raidvisit": [
        (Action.CREATE, visit_create),
        (Action.UPDATE, visit_update),
        (Action.DELETE, visit_delete),
    ],
    "quality.thresholds": [
        (Action.CREATE, thresholds_create, REGIONAL),
        (Action.UPDATE, thresholds_update, REGIONAL),
    ],
    "reconciliation.reconciliation": [(Action.CREATE, reconciliation_draw)],
    "reconciliation.reconciliationcard": [
        (Action.CREATE, reconciliation_card_draw),
        (Action.UPDATE, reconciliation_outcome),
    ],
    "inspections.inspection": [
        (Action.CREATE, inspection_create, REGIONAL),
        (Action.UPDATE, inspection_update, REGIONAL),
        (Action.DELETE, inspection_delete, REGIONAL),
    ],
    "inspections.recommendation": [
        (Action.CREATE, recommendation_create, REGIONAL),
        (Action.UPDATE, recommendation_update, REGIONAL),
        (Action.DELETE, recommendation_delete, REGIONAL),
    ],
    "audit.auditevent": "the audit trail itself: append-only, never written by a view",
}

# rows recorded with the card they belong to: their change is a field of the card's event
RECORDED_ON_CARD = {
    "registry.familycategory": "categories",
    "registry.minorcategory": "categories",
}


def test_every_travelling_model_has_its_writes_listed():
    labels = {m._meta.label_lower for m in models_of(DOWN_APPS + UP_APPS)}
    assert labels == set(WRITES), "list every write of a new model in WRITES"


CASES = [
    pytest.param(label, write, id=f"{label}-{write[1].__name__}")
    for label, writes in WRITES.items()
    if not isinstance(writes, str)
    for write in writes
]


@pytest.mark.parametrize(("label", "write"), CASES)
def test_each_write_leaves_an_audit_event(world, label, write):
    action, drive, *who = write
    if who == [REGIONAL]:
        world.as_regional()
    else:
        world.as_kdn()
    pk = drive(world)
    if label in RECORDED_ON_CARD:
        events = AuditEvent.objects.filter(action=action, object_id=pk)
        assert any(RECORDED_ON_CARD[label] in e.changes for e in events), label
        return
    event = AuditEvent.objects.get(action=action, object_id=pk)
    assert event.object_type == label
    assert event.user_id == (world.regional if who else world.kdn).pk
    assert event.changes, f"{label} {action}: the event names no field"
