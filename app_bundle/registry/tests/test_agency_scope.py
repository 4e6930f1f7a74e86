"""An agency specialist sees only the cards where his agency has measures."""

import pytest

from accounts.models import Role
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


def test_specialist_sees_cards_with_his_agency_measures_only(client):
    school = factories.agency("MO-1", "education")
    police = factories.agency("MO-1", "police")
    specialist = factories.user(Role.AGENCY, "MO-1", agency=school)
    mine = factories.minor("MO-1", last_name="Мой")
    theirs = factories.minor("MO-1", last_name="Чужой")
    family = factories.family("MO-1", family_name="Семейные")
    factories.plan(mine, agency_obj=school)
    factories.plan(theirs, agency_obj=police)
    factories.plan(family, agency_obj=school)
    client.force_login(specialist)
    rows = client.get("/minors/").content.decode().split("<tbody>")[1]
    assert "Мой" in rows and "Чужой" not in rows
    assert client.get(f"/minors/{mine.pk}/").status_code == 200
    assert client.get(f"/minors/{theirs.pk}/").status_code == 404
    assert client.get(f"/families/{family.pk}/").status_code == 200
    # reading is not editing
    assert client.get(f"/minors/{mine.pk}/edit/").status_code == 403
    assert client.get("/minors/new/").status_code == 403
    assert "Изменить" not in client.get(f"/minors/{mine.pk}/").content.decode()


def test_specialist_without_measures_sees_nothing(client):
    factories.minor("MO-1")
    client.force_login(factories.user(Role.AGENCY, "MO-1"))
    assert "Ничего не найдено" in client.get("/minors/").content.decode()
