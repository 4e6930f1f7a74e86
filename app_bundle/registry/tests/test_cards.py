"""Card files through the views: create, register, edit, members, deregister, delete,
history — each audited in the same transaction."""

import datetime

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from directory.models import Category
from regbank_app.testing import factories
from registry.models import CardStatus, Family, FamilyMember, Minor, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1")
    client.force_login(officer)
    return officer


def family_data(**overrides):
    data = {
        "family_name": "Сидоровы",
        "address_registration": "г. Образцов, ул. Мира, д. 5, кв. 7",
        "address_actual": "г. Образцов, ул. Мира, д. 5, кв. 7",
        "phone": "+7 900 000-00-00",
        "is_large": "on",
        "categories": [str(Category.objects.get(code="F01").pk)],
        "circumstances": "Родители не обеспечивают посещение школы детьми",
        "reg-registered_on": "2024-02-15",
        "reg-registration_ground": str(factories.ground("R01").pk),
        "reg-registration_resolution": "№ 3/7 от 15.02.2024",
    }
    data.update(overrides)
    return data


def minor_data(**overrides):
    data = {
        "last_name": "Сидоров",
        "first_name": "Максим",
        "middle_name": "Олегович",
        "birth_date": "2012-09-01",
        "sex": "m",
        "institution": "МБОУ «СОШ № 1»",
        "class_group": "6 «Б»",
        "categories": [str(Category.objects.get(code="M08").pk)],
        "reg-registered_on": "2024-02-15",
        "reg-registration_ground": str(factories.ground("R01").pk),
    }
    data.update(overrides)
    return data


def test_create_family_puts_it_on_record_and_audits_both_rows(client, kdn1):
    response = client.post("/families/new/", family_data())
    family = Family.objects.get(family_name="Сидоровы")
    assert response.status_code == 302 and response["Location"] == f"/families/{family.pk}/"
    assert family.mo.code == "MO-1" and family.seq == 1 and family.number == "МО-1/С-00001"
    assert family.status == CardStatus.ON_RECORD
    assert family.created_by == kdn1
    assert [c.code for c in family.categories.all()] == ["F01"]
    registration = family.registrations.get()
    assert registration.mo_id == family.mo_id and registration.registration_ground.code == "R01"
    events = AuditEvent.objects.filter(action=Action.CREATE, card_id=family.pk)
    assert {e.object_type for e in events} == {"registry.family", "registry.registration"}
    card_event = events.get(object_type="registry.family")
    assert card_event.object_mo.code == "MO-1" and card_event.mo.code == "MO-1"
    assert card_event.changes["family_name"]["new"] == "Сидоровы"
    assert card_event.changes["categories"]["new"] == [Category.objects.get(code="F01").name]
    assert card_event.changes["is_large"]["new"] == "да"


def test_numbers_are_sequential_per_mo(client, kdn1):
    factories.family("MO-2")
    client.post("/families/new/", family_data())
    client.post(
        "/families/new/", family_data(family_name="Петровы", address_actual="ул. Луговая, 1")
    )
    assert sorted(Family.objects.filter(mo__code="MO-1").values_list("seq", flat=True)) == [1, 2]


def test_invalid_card_is_not_saved_and_errors_are_shown_in_russian(client, kdn1):
    page = client.post("/families/new/", family_data(family_name="", **{"reg-registered_on": ""}))
    assert page.status_code == 200
    assert "Обязательное поле" in page.content.decode()
    assert not Family.objects.exists() and not AuditEvent.objects.filter(action="create").exists()


def test_view_is_audited(client, kdn1):
    family = factories.family("MO-1")
    page = client.get(f"/families/{family.pk}/")
    assert page.status_code == 200 and "Ивановы" in page.content.decode()
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert event.object_id == family.pk and event.card_id == family.pk
    assert event.object_type == "registry.family"


def test_edit_records_old_and_new_values_of_changed_fields_only(client, kdn1):
    family = factories.family("MO-1", family_name="Ивановы", address_actual="ул. Старая, 1")
    data = family_data(
        family_name="Ивановы",
        address_actual="ул. Новая, 2",
        address_registration="",
        phone="",
        circumstances="",
        categories=[str(Category.objects.get(code="F04").pk)],
    )
    data.pop("is_large")
    assert client.post(f"/families/{family.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=family.pk)
    assert event.changes["address_actual"] == {
        "label": "адрес фактического проживания",
        "old": "ул. Старая, 1",
        "new": "ул. Новая, 2",
    }
    assert event.changes["categories"]["new"] == [Category.objects.get(code="F04").name]
    assert "family_name" not in event.changes
    family.refresh_from_db()
    assert family.updated_by == kdn1


def test_members_are_added_changed_and_removed_with_history(client, kdn1):
    family = factories.family("MO-1")
    member = {
        "relation": "mother",
        "last_name": "Иванова",
        "first_name": "Мария",
        "middle_name": "Петровна",
        "birth_date": "1988-04-03",
        "is_legal_representative": "on",
        "occupation": "не работает",
    }
    assert client.post(f"/families/{family.pk}/members/new/", member).status_code == 302
    created = FamilyMember.objects.get()
    assert created.mo_id == family.mo_id
    member["occupation"] = "ООО «Ромашка», продавец"
    assert client.post(f"/members/{created.pk}/edit/", member).status_code == 302
    assert client.post(f"/members/{created.pk}/delete/").status_code == 302
    assert not FamilyMember.objects.exists()
    history = client.get(f"/families/{family.pk}/history/").content.decode()
    assert "ООО «Ромашка», продавец" in history.replace("&laquo;", "«").replace("&raquo;", "»") or (
        "ООО &#171;Ромашка&#187;" in history
    )
    actions = list(
        AuditEvent.objects.filter(card_id=family.pk, object_type="registry.familymember")
        .order_by("time")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_minor_linked_to_a_family(client, kdn1):
    family = factories.family("MO-1")
    form = client.get(f"/minors/new/?family={family.pk}").content.decode()
    assert family.address_actual in form
    response = client.post("/minors/new/", minor_data(family=str(family.pk)))
    assert response.status_code == 302
    minor = Minor.objects.get()
    assert minor.family == family and minor.status == CardStatus.ON_RECORD
    assert minor.number == "МО-1/Н-00001"
    page = client.get(f"/families/{family.pk}/").content.decode()
    assert "Сидоров Максим Олегович" in page


def test_minor_must_be_under_18_and_born_in_the_past(client, kdn1):
    page = client.post("/minors/new/", minor_data(birth_date="2000-01-01")).content.decode()
    assert "не достигшие 18 лет" in page
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    page = client.post("/minors/new/", minor_data(birth_date=future)).content.decode()
    assert "позже сегодняшнего дня" in page
    assert not Minor.objects.exists()


def test_deregistration_and_registration_again(client, kdn1):
    minor = factories.minor("MO-1")
    registration = minor.registrations.get()
    url = f"/registrations/{registration.pk}/deregister/"
    page = client.post(url, {"deregistered_on": "2020-01-01"}).content.decode()
    assert "раньше даты постановки" in page and "Обязательное поле" in page
    response = client.post(
        url,
        {
            "deregistered_on": "2024-12-20",
            "deregistration_ground": str(factories.ground("D01").pk),
            "deregistration_resolution": "№ 22/4 от 20.12.2024",
        },
    )
    assert response.status_code == 302
    minor.refresh_from_db()
    assert minor.status == CardStatus.DEREGISTERED
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=registration.pk)
    assert event.card_id == minor.pk
    assert event.changes["deregistered_on"]["new"] == "20.12.2024"
    assert "Устранение причин" in event.changes["deregistration_ground"]["new"]
    # family-only grounds are not offered for a minor
    page = client.get(f"/minors/{minor.pk}/register/").content.decode()
    assert factories.ground("R06").name not in page
    response = client.post(
        f"/minors/{minor.pk}/register/",
        {"registered_on": "2025-01-10", "registration_ground": str(factories.ground("R03").pk)},
    )
    assert response.status_code == 302
    minor.refresh_from_db()
    assert minor.status == CardStatus.ON_RECORD and minor.registrations.count() == 2


def test_registration_fix_and_delete(client, kdn1):
    family = factories.family("MO-1")
    registration = family.registrations.get()
    response = client.post(
        f"/registrations/{registration.pk}/edit/",
        {
            "registered_on": "2024-03-02",
            "registration_ground": str(registration.registration_ground_id),
            "registration_resolution": "№ 5/13 от 02.03.2024",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=registration.pk)
    assert event.changes["registered_on"] == {
        "label": "дата постановки на учёт",
        "old": "01.03.2024",
        "new": "02.03.2024",
    }
    assert client.post(f"/registrations/{registration.pk}/delete/").status_code == 302
    family.refresh_from_db()
    assert family.status == CardStatus.NEW
    assert not Registration.objects.exists()


def test_delete_card_keeps_its_content_in_the_audit_trail(client, kdn1):
    family = factories.family("MO-1", family_name="Удаляевы")
    assert "будет удалена" in client.get(f"/families/{family.pk}/delete/").content.decode()
    assert client.post(f"/families/{family.pk}/delete/").status_code == 302
    assert not Family.objects.filter(pk=family.pk).exists()
    event = AuditEvent.objects.get(action=Action.DELETE, object_id=family.pk)
    assert event.changes["family_name"]["old"] == "Удаляевы"
    assert event.object_mo.code == "MO-1"


def test_card_with_a_plan_cannot_be_deleted(client, kdn1):
    family = factories.family("MO-1")
    factories.plan(family)
    page = client.post(f"/families/{family.pk}/delete/").content.decode()
    assert "Удалить нельзя" in page
    assert Family.objects.filter(pk=family.pk).exists()


def test_change_and_audit_commit_together(client, kdn1, monkeypatch):
    """If the audit event cannot be written, the change is rolled back with it."""
    from audit.models import AuditEvent as Model

    def refuse(self, *args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(Model, "save", refuse)
    client.raise_request_exception = False
    response = client.post("/families/new/", family_data())
    assert response.status_code == 500
    monkeypatch.undo()
    assert not Family.objects.exists() and not Registration.objects.exists()


def test_regional_officer_reads_every_mo_but_edits_nothing(client):
    client.force_login(factories.user(Role.REGIONAL, None))
    family = factories.family("MO-5")
    page = client.get(f"/families/{family.pk}/").content.decode()
    assert "Изменить" not in page
    assert client.get(f"/families/{family.pk}/edit/").status_code == 403
    assert client.get("/families/new/").status_code == 403
    assert "Ивановы" in client.get("/families/?mo=MO-5").content.decode()


def test_auditor_sees_no_cards(client):
    client.force_login(factories.user(Role.AUDITOR, None))
    family = factories.family("MO-1")
    assert client.get("/families/").status_code == 403
    assert client.get(f"/families/{family.pk}/").status_code == 403
