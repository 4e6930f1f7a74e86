import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from commission.models import AgendaItem, Meeting, Resolution
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(officer)
    return officer


def test_meeting_agenda_and_resolution_linked_to_a_card(client, kdn1):
    family = factories.family("MO-1", family_name="Заседаловы")
    response = client.post(
        "/meetings/new/",
        {
            "date": "2024-05-14",
            "number": "9",
            "place": "Администрация, каб. 21",
            "chair": "Петров П. П.",
            "status": "held",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/" and meeting.mo.code == "MO-1"
    client.post(
        f"/meetings/{meeting.pk}/items/new/",
        {"order": "1", "title": "О семье Заседаловых", "family": str(family.pk)},
    )
    assert AgendaItem.objects.get().family == family
    response = client.post(
        f"/meetings/{meeting.pk}/resolutions/new/",
        {
            "number": "9/1",
            "date": "2024-05-14",
            "kind": "register",
            "text": "Признать семью находящейся в СОП",
            "family": str(family.pk),
        },
    )
    assert response.status_code == 302
    resolution = Resolution.objects.get()
    assert resolution.mo_id == family.mo_id
    page = client.get(f"/families/{family.pk}/").content.decode()
    assert "№ 9/1 от 14.05.2024" in page and "Признать семью" in page
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="commission.resolution")
    assert event.card_id == family.pk
    detail = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "О семье Заседаловых" in detail and "Признать семью" in detail


def test_links_are_limited_to_the_meeting_mo(client, kdn1):
    meeting = Meeting.objects.create(mo=factories.mo("MO-1"), date="2024-05-14", number="1")
    foreign = factories.family("MO-2", family_name="Чужие")
    form = client.get(f"/meetings/{meeting.pk}/resolutions/new/").content.decode()
    assert "Чужие" not in form
    page = client.post(
        f"/meetings/{meeting.pk}/resolutions/new/",
        {
            "number": "1/1",
            "date": "2024-05-14",
            "kind": "other",
            "text": "x",
            "family": str(foreign.pk),
        },
    ).content.decode()
    assert "Выберите корректный вариант" in page
    assert not Resolution.objects.exists()


def test_edit_delete_and_blockers(client, kdn1):
    meeting = Meeting.objects.create(mo=factories.mo("MO-1"), date="2024-05-14", number="1")
    data = {"date": "2024-05-15", "number": "1", "status": "planned"}
    assert client.post(f"/meetings/{meeting.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=meeting.pk)
    assert event.changes["date"] == {
        "label": "дата заседания",
        "old": "14.05.2024",
        "new": "15.05.2024",
    }
    resolution = meeting.resolutions.create(
        mo=meeting.mo, number="1/1", date="2024-05-15", text="x"
    )
    assert "Удалить нельзя" in client.post(f"/meetings/{meeting.pk}/delete/").content.decode()
    assert client.post(f"/meetings/resolutions/{resolution.pk}/delete/").status_code == 302
    assert client.post(f"/meetings/{meeting.pk}/delete/").status_code == 302
    assert not Meeting.objects.exists()
    assert AuditEvent.objects.filter(action=Action.DELETE).count() == 2


def test_regional_reads_specialist_has_no_access(client):
    meeting = Meeting.objects.create(mo=factories.mo("MO-4"), date="2024-05-14", number="4")
    client.force_login(factories.user(Role.REGIONAL, None))
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.get("/meetings/new/").status_code == 403
    client.force_login(factories.user(Role.AGENCY, "MO-4"))
    assert client.get("/meetings/").status_code == 403
