"""A new password is neither the temporary one nor a previous one; the first
administrator, too, changes the password typed into the deploy."""

import pytest

from accounts.models import Role, User
from regbank_app.testing import factories
from regbank_app.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/"


def _change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def _login(client, username, password):
    client.logout()
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_forced_change_refuses_the_temporary_password(client):
    user = factories.user(username="newbie", must_change_password=True)
    _login(client, "newbie", PASSWORD)
    page = _change(client, PASSWORD, PASSWORD)
    assert page.status_code == 200
    assert "совпадает с текущим (временным)" in page.content.decode()
    user.refresh_from_db()
    assert user.must_change_password
    assert client.get("/families/")["Location"] == CHANGE


def test_a_previous_password_is_refused_after_a_reset(client):
    user = factories.user(Role.AGENCY, "MO-1", username="spec1", must_change_password=True)
    manager = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1", can_manage_users=True)
    _login(client, "spec1", PASSWORD)
    assert _change(client, PASSWORD, "Pervyi-Svoi-2025").status_code == 302
    _login(client, "kdn1", PASSWORD)
    reset = {"password1": "Vremennyi-2025", "password2": "Vremennyi-2025"}
    assert client.post(f"/accounts/users/{user.pk}/password/", reset).status_code == 302
    assert manager.pk != user.pk
    _login(client, "spec1", "Vremennyi-2025")
    for previous in ("Pervyi-Svoi-2025", PASSWORD):
        page = _change(client, "Vremennyi-2025", previous)
        assert "уже использовался" in page.content.decode(), previous
    assert _change(client, "Vremennyi-2025", "Vtoroi-Svoi-2025").status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Vtoroi-Svoi-2025")
    assert "Pervyi-Svoi-2025" not in str(user.password_history)  # hashes only


def test_the_history_keeps_the_configured_number_of_hashes(settings):
    user = factories.user(username="many")
    for n in range(settings.PASSWORD_HISTORY + 3):
        user.set_password(f"Parol-Nomer-{n}")
    assert len(user.password_history) == settings.PASSWORD_HISTORY
    assert all(h.startswith(("md5$", "pbkdf2", "argon2")) for h in user.password_history)


def test_the_first_administrator_changes_the_deployed_password(client, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Pervyi-Parol-2025")
    call_command(
        "createsuperuser", "--noinput", "--username=admin", "--last_name=Морозов",
        "--first_name=Алексей", verbosity=0,
    )  # fmt: skip
    assert User.objects.get(username="admin").must_change_password
    _login(client, "admin", "Pervyi-Parol-2025")
    assert client.get("/")["Location"] == CHANGE
