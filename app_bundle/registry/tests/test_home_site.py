"""A row is written only at its home site; elsewhere it reads with a note.

The rule: docs/architecture.md, "Replication rules the data model keeps".
"""

import pytest

from accounts.models import Role
from regbank_app.site import ReadOnlyHere
from regbank_app.testing import factories
from regbank_app.testing.factories import at_site
from registry.models import Family

from .test_cards import family_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def mo3_family():
    with at_site("MO-3"):  # written at MO-3's own server, replicated up
        return factories.family("MO-3", family_name="Третьяковы")


def test_at_the_regional_server_a_remote_mo_card_is_read_only(client, mo3_family):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    page = client.get(f"/families/{mo3_family.pk}/").content.decode()
    assert "ведётся на муниципальном сервере МО-3" in page
    assert "только для чтения" in page
    assert f"/families/{mo3_family.pk}/edit/" not in page
    response = client.post(f"/families/{mo3_family.pk}/edit/", family_data())
    assert response.status_code == 403
    assert "муниципальном сервере МО-3" in response.content.decode()
    create = client.get("/families/new/")
    assert (
        create.status_code == 403
        and "ведётся на муниципальном сервере МО-3" in create.content.decode()
    )
    mo3_family.family_name = "Изменённые"
    with pytest.raises(ReadOnlyHere):
        mo3_family.save()


def test_at_the_municipal_server_its_own_cards_are_writable(client, mo3_family):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    with at_site("MO-3"):
        page = client.get(f"/families/{mo3_family.pk}/").content.decode()
        assert "только для чтения" not in page
        response = client.post(
            f"/families/{mo3_family.pk}/edit/", family_data(family_name="Третьяковы-Иные")
        )
        assert response.status_code == 302
        assert client.post("/families/new/", family_data()).status_code == 302
    assert Family.objects.filter(mo__code="MO-3").count() == 2


def test_at_a_municipal_server_other_mo_rows_are_regional(client):
    family = factories.family("MO-1")
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    with at_site("MO-3"):
        page = client.get(f"/families/{family.pk}/").content.decode()
        assert "ведётся на региональном сервере" in page
        assert client.get(f"/families/{family.pk}/edit/").status_code == 403
