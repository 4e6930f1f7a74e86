import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from raids.models import Raid, RaidVisit
from regbank_app.testing import factories
from regbank_app.testing.factories import at_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(officer)
    return officer


def test_raid_with_visited_addresses_and_follow_up(client, kdn1):
    minor = factories.minor("MO-1", last_name="Рейдов")
    response = client.post(
        "/raids/new/",
        {
            "date": "2024-06-01",
            "purpose": "Профилактический рейд «Подросток»",
            "area": "микрорайон Северный",
            "team": "Инспектор ПДН Орлов А. А., специалист КДН",
        },
    )
    raid = Raid.objects.get()
    assert response["Location"] == f"/raids/{raid.pk}/"
    response = client.post(
        f"/raids/{raid.pk}/visits/new/",
        {
            "address": "ул. Северная, 4, кв. 1",
            "minor": str(minor.pk),
            "findings": "Несовершеннолетний дома один в 23:00",
            "measures_taken": "Составлен протокол",
            "follow_up": "Повторное посещение через неделю",
        },
    )
    assert response.status_code == 302
    visit = RaidVisit.objects.get()
    assert visit.mo_id == raid.mo_id and visit.minor == minor
    assert AuditEvent.objects.get(object_type="raids.raidvisit").card_id == minor.pk
    listing = client.get("/raids/?follow_up=open").content.decode()
    assert "Подросток" in listing
    data = {
        "address": visit.address,
        "minor": str(minor.pk),
        "findings": visit.findings,
        "follow_up": visit.follow_up,
        "follow_up_done": "on",
    }
    assert client.post(f"/raids/visits/{visit.pk}/edit/", data).status_code == 302
    assert "Подросток" not in client.get("/raids/?follow_up=open").content.decode()
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=visit.pk)
    assert event.changes["follow_up_done"] == {
        "label": "дальнейшие действия выполнены",
        "old": "нет",
        "new": "да",
    }


def test_raid_date_not_in_future_and_delete_blocked_by_visits(client, kdn1):
    page = client.post("/raids/new/", {"date": "2999-01-01", "purpose": "x", "team": "y"})
    assert "позже сегодняшнего дня" in page.content.decode()
    raid = Raid.objects.create(mo=factories.mo("MO-1"), date="2024-06-01", purpose="x", team="y")
    raid.visits.create(mo=raid.mo, address="a", findings="b")
    assert "Удалить нельзя" in client.post(f"/raids/{raid.pk}/delete/").content.decode()


def test_remote_mo_raids_are_read_only_at_the_regional_server(client):
    with at_site("MO-3"):
        raid = Raid.objects.create(
            mo=factories.mo("MO-3"), date="2024-06-01", purpose="x", team="y"
        )
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    page = client.get(f"/raids/{raid.pk}/").content.decode()
    assert "ведётся на муниципальном сервере МО-3" in page
    assert (
        client.post(f"/raids/{raid.pk}/visits/new/", {"address": "a", "findings": "b"}).status_code
        == 403
    )
