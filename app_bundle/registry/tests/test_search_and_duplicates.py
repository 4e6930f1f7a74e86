import datetime

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from regbank_app.testing import factories
from registry.models import FamilyMember, Minor

from .test_cards import minor_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1")
    client.force_login(officer)
    return officer


def _rows(page):
    html = page.content.decode()
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_search_minors_by_name_birth_date_address_and_status(client, kdn1):
    factories.minor(
        "MO-1", last_name="Кузнецов", first_name="Артём", address_actual="ул. Садовая, 3"
    )
    factories.minor(
        "MO-1",
        last_name="Кузнецова",
        first_name="Дарья",
        birth_date=datetime.date(2010, 1, 2),
        address_actual="ул. Лесная, 9",
    )
    factories.minor("MO-1", last_name="Орлов", first_name="Иван", registered=False)
    factories.minor("MO-2", last_name="Кузнецов", first_name="Глеб")
    assert "Кузнецов Глеб" not in _rows(client.get("/minors/?name=Кузнецов"))
    rows = _rows(client.get("/minors/?name=кузнецов артём"))
    assert "Кузнецов Артём" in rows and "Дарья" not in rows
    rows = _rows(client.get("/minors/?birth_date=2010-01-02"))
    assert "Дарья" in rows and "Артём" not in rows
    rows = _rows(client.get("/minors/?address=садовая"))
    assert "Артём" in rows and "Дарья" not in rows
    rows = _rows(client.get("/minors/?status=new"))
    assert "Орлов" in rows and "Кузнецов" not in rows
    search = AuditEvent.objects.filter(action=Action.SEARCH).order_by("time").first()
    assert search.details["filters"] == {"name": "Кузнецов"}
    assert search.details["found"] == 2


def test_search_families_by_member_and_minor_names(client, kdn1):
    family = factories.family("MO-1", family_name="Смирновы")
    FamilyMember.objects.create(
        mo=family.mo,
        family=family,
        relation="father",
        last_name="Смирнов",
        first_name="Олег",
        birth_date=datetime.date(1980, 6, 1),
    )
    factories.minor("MO-1", family=family, last_name="Смирнова", first_name="Алиса")
    factories.family("MO-1", family_name="Волковы")
    assert "Смирновы" in _rows(client.get("/families/?name=Олег"))
    assert "Смирновы" in _rows(client.get("/families/?name=Алиса"))
    assert "Смирновы" in _rows(client.get("/families/?birth_date=1980-06-01"))
    rows = _rows(client.get("/families/?name=Волковы"))
    assert "Волковы" in rows and "Смирновы" not in rows


def test_regional_officer_filters_by_mo(client):
    client.force_login(factories.user(Role.REGIONAL, None))
    factories.minor("MO-4", last_name="Четвёртый")
    factories.minor("MO-6", last_name="Шестой")
    rows = _rows(client.get("/minors/?mo=MO-4"))
    assert "Четвёртый" in rows and "Шестой" not in rows


def test_list_is_paginated(client, kdn1):
    for n in range(55):
        factories.minor("MO-1", last_name=f"Фамилия{n:02d}", registered=False)
    page1 = client.get("/minors/").content.decode()
    assert "Страница 1 из 2" in page1
    assert "Страница 2 из 2" in client.get("/minors/?page=2").content.decode()


def test_duplicate_in_another_mo_needs_confirmation(client, kdn1):
    factories.minor(
        "MO-2", last_name="Сидоров", first_name="Максим", birth_date=datetime.date(2012, 9, 1)
    )
    page = client.post("/minors/new/", minor_data()).content.decode()
    assert "Возможное дублирование" in page and "состоит на учёте в МО-2" in page
    assert 'name="confirm_duplicate"' in page and 'type="checkbox"' in page
    assert not Minor.objects.filter(mo__code="MO-1").exists()
    response = client.post("/minors/new/", minor_data(confirm_duplicate="on"))
    assert response.status_code == 302
    minor = Minor.objects.get(mo__code="MO-1")
    detail = client.get(f"/minors/{minor.pk}/").content.decode()
    assert "состоит на учёте в МО-2" in detail
    # the warning names the МО only; the other card stays out of reach
    other = Minor.objects.get(mo__code="MO-2")
    assert str(other.pk) not in detail
    assert client.get(f"/minors/{other.pk}/").status_code == 404
    confirmed = AuditEvent.objects.filter(
        object_id=minor.pk, details__has_key="duplicate_confirmed"
    )
    assert confirmed.exists()


def test_deregistered_person_elsewhere_is_not_a_duplicate(client, kdn1):
    factories.minor(
        "MO-2",
        last_name="Сидоров",
        first_name="Максим",
        birth_date=datetime.date(2012, 9, 1),
        registered=False,
    )
    assert client.post("/minors/new/", minor_data()).status_code == 302


def test_family_duplicates_by_name_and_address_and_by_members(client, kdn1):
    other = factories.family("MO-2", family_name="Сидоровы", address_actual="ул. Мира, д. 5")
    from .test_cards import family_data

    page = client.post(
        "/families/new/", family_data(address_actual="ул.  Мира, д. 5")
    ).content.decode()
    assert "состоит на учёте в МО-2" in page
    family = factories.family("MO-1", family_name="Другие")
    FamilyMember.objects.create(
        mo=other.mo,
        family=other,
        relation="mother",
        last_name="Сидорова",
        first_name="Анна",
        birth_date=datetime.date(1985, 1, 1),
    )
    member = {
        "relation": "mother",
        "last_name": "сидорова",
        "first_name": "Анна",
        "birth_date": "1985-01-01",
    }
    response = client.post(f"/families/{family.pk}/members/new/", member, follow=True)
    assert "состоит на учёте в МО-2" in response.content.decode()
    assert "состоит на учёте в МО-2" in client.get(f"/families/{family.pk}/").content.decode()
