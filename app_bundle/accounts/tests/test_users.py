"""Account management: scope of municipal officers, regional mastering, audit."""

import pytest

from accounts.models import Role, User
from audit.models import Action, AuditEvent
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1", can_manage_users=True)
    client.force_login(officer)
    return officer


def _new_user_data(**overrides):
    data = {
        "username": "teacher1",
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "middle_name": "Ивановна",
        "position": "социальный педагог",
        "role": Role.AGENCY,
        "agency": str(factories.agency("MO-1", "education").pk),
        "mo": str(factories.mo("MO-1").pk),
        "is_active": "on",
        "password1": "Vremennyi-2025",
        "password2": "Vremennyi-2025",
    }
    data.update(overrides)
    return data


def test_municipal_officer_lists_only_his_mo(client, kdn1):
    factories.user(Role.AGENCY, "MO-1", username="spec1")
    factories.user(Role.MUNICIPAL, "MO-2", username="kdn2")
    page = client.get("/accounts/users/").content.decode()
    assert "spec1" in page and "kdn2" not in page


def test_other_mo_accounts_are_404_by_url(client, kdn1):
    other = factories.user(Role.MUNICIPAL, "MO-2", username="kdn2")
    for url in (
        f"/accounts/users/{other.pk}/",
        f"/accounts/users/{other.pk}/edit/",
        f"/accounts/users/{other.pk}/password/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"last_name": "x"}).status_code == 404, url


def test_municipal_officer_creates_a_specialist_of_his_mo(client, kdn1):
    response = client.post("/accounts/users/new/", _new_user_data())
    assert response.status_code == 302, response.content.decode()
    created = User.objects.get(username="teacher1")
    assert created.role == Role.AGENCY and created.mo.code == "MO-1"
    assert created.must_change_password
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=created.pk)
    assert event.changes["username"]["new"] == "teacher1"
    assert "password" not in event.changes


def test_municipal_officer_cannot_place_users_in_another_mo(client, kdn1):
    data = _new_user_data(
        agency=str(factories.agency("MO-2", "education").pk), mo=str(factories.mo("MO-2").pk)
    )
    page = client.post("/accounts/users/new/", data)
    assert page.status_code == 200
    assert not User.objects.filter(username="teacher1").exists()
    data = _new_user_data(role=Role.REGIONAL)
    assert client.post("/accounts/users/new/", data).status_code == 200
    assert not User.objects.filter(username="teacher1").exists()


def test_weak_temporary_password_is_refused(client, kdn1):
    page = client.post(
        "/accounts/users/new/", _new_user_data(password1="qwerty", password2="qwerty")
    )
    assert page.status_code == 200
    assert "слишком" in page.content.decode()


def test_edit_is_audited_with_old_and_new_values(client, kdn1):
    spec = factories.user(Role.AGENCY, "MO-1", username="spec1", position="педагог")
    data = {
        "username": "spec1",
        "last_name": spec.last_name,
        "first_name": spec.first_name,
        "middle_name": spec.middle_name,
        "position": "социальный педагог",
        "role": Role.AGENCY,
        "mo": str(spec.mo_id),
        "agency": str(spec.agency_id),
        "is_active": "on",
    }
    assert client.post(f"/accounts/users/{spec.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=spec.pk)
    assert event.changes == {
        "position": {"label": "должность", "old": "педагог", "new": "социальный педагог"}
    }


def test_reset_password_sets_a_temporary_one(client, kdn1):
    spec = factories.user(Role.AGENCY, "MO-1", username="spec1")
    response = client.post(
        f"/accounts/users/{spec.pk}/password/",
        {"password1": "Vremennyi-2025", "password2": "Vremennyi-2025"},
    )
    assert response.status_code == 302
    spec.refresh_from_db()
    assert spec.must_change_password and spec.check_password("Vremennyi-2025")


def test_officer_without_the_flag_cannot_manage(client):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    assert client.get("/accounts/users/").status_code == 200
    assert client.get("/accounts/users/new/").status_code == 403


def test_specialists_and_auditors_have_no_user_pages(client):
    for role in (Role.AGENCY, Role.AUDITOR):
        client.force_login(factories.user(role, "MO-1"))
        assert client.get("/accounts/users/").status_code == 403


def test_regional_officer_manages_all(client):
    regional = factories.user(Role.REGIONAL, None, can_manage_users=True)
    client.force_login(regional)
    other = factories.user(Role.MUNICIPAL, "MO-7", username="kdn7")
    assert client.get(f"/accounts/users/{other.pk}/edit/").status_code == 200
    data = _new_user_data(
        username="kdn9",
        role=Role.MUNICIPAL,
        agency="",
        mo=str(factories.mo("MO-9").pk),
    )
    assert client.post("/accounts/users/new/", data).status_code == 302
    created = User.objects.get(username="kdn9")
    assert created.agency.type == "kdn" and created.agency.mo.code == "MO-9"


def test_accounts_are_read_only_at_a_municipal_site(client, kdn1, settings):
    spec = factories.user(Role.AGENCY, "MO-1", username="spec1")
    settings.REGBANK_SITE_ROLE = "municipal"
    settings.REGBANK_SITE_MO = "MO-1"
    assert client.get("/accounts/users/new/").status_code == 403
    assert client.get(f"/accounts/users/{spec.pk}/edit/").status_code == 403
    page = client.get(f"/accounts/users/{spec.pk}/").content.decode()
    assert "ведутся на региональном сервере" in page


def test_createsuperuser_makes_the_first_regional_officer(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Pervyi-Parol-2025")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username=admin",
        "--last_name=Морозов",
        "--first_name=Алексей",
        verbosity=0,
    )
    admin = User.objects.get(username="admin")
    assert admin.role == Role.REGIONAL and admin.manages_users
    # made to change the deployed password at the first login (test_password_policy)
    assert admin.check_password("Pervyi-Parol-2025") and admin.must_change_password
