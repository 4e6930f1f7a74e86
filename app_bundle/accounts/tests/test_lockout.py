"""The lockout policy (README, "Блокировка входа"): the account is locked, not the address;
its name counts case-insensitively; the cool-off is fixed from the lock; a good login
clears only its own account's failures. Each test is an attack that worked before."""

import datetime

import pytest
from axes.models import AccessAttempt

from accounts.models import Role
from audit.models import Action, AuditEvent
from regbank_app.testing import factories
from regbank_app.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OFFICE = "10.7.0.1"  # one МО office behind NAT: every workstation has this address


def _login(client, username, password=PASSWORD, address=OFFICE, **extra):
    client.logout()
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def victim():
    return factories.user(Role.AGENCY, "MO-2", username="spec2")


@pytest.fixture
def attacker():
    return factories.user(Role.AGENCY, "MO-2", username="spec3")


def test_a_good_login_of_another_account_keeps_the_victims_failures(
    client, settings, victim, attacker
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "spec2", "guess")
    _login(client, "spec3")  # the attacker's own account, from the same address
    assert _logged_in(client)
    _login(client, "spec2", "guess")
    assert _login(client, "spec2").status_code == 429
    assert not _logged_in(client)


def test_the_lock_ignores_the_spelling_of_the_name(client, settings, victim):
    spellings = ["SPEC2", "sPeC2", "spec2", "Spec2 ", "SpEc2"]
    for n, name in enumerate(spellings[: settings.AXES_FAILURE_LIMIT]):
        _login(client, name, "guess", address=f"10.7.1.{n}")  # from several addresses
    for name in ("spec2", "Spec2", "SPEC2"):
        assert _login(client, name, address="10.7.2.1").status_code == 429, name
        assert not _logged_in(client)


def test_the_address_is_never_locked_for_other_accounts(client, settings, victim, attacker):
    """A stranger's failures against many accounts from the office's NAT address leave
    every other account of the office free to log in (nginx limits the request rate)."""
    for n in range(settings.AXES_FAILURE_LIMIT * 3):
        _login(client, f"nobody{n}", "guess")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "spec2", "guess")
    assert _login(client, "spec2").status_code == 429
    assert _login(client, "spec3").status_code == 302 and _logged_in(client)


def _age_failures(username: str, minutes: int) -> None:
    """Move the account's recorded failures `minutes` into the past."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=AccessAttempt.objects.get(username=username).attempt_time
        - datetime.timedelta(minutes=minutes)
    )


def test_the_cool_off_runs_from_the_lock_and_attempts_do_not_extend_it(client, settings, victim):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "spec2", "guess")
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    _age_failures("spec2", cool_off - 1)
    assert _login(client, "spec2", "guess").status_code == 429  # during the lock
    assert _login(client, "spec2").status_code == 429
    _age_failures("spec2", 2)  # the cool-off since the lock has passed
    assert _login(client, "spec2").status_code == 302 and _logged_in(client)


def test_the_lock_counts_the_client_address_nginx_saw(client, settings, victim):
    settings.REGBANK_BEHIND_PROXY = True
    _login(client, "spec2", "guess", address="127.0.0.1", HTTP_X_REAL_IP="10.7.0.99")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.client_ip == "10.7.0.99"
    assert AccessAttempt.objects.get(username="spec2").ip_address == "10.7.0.99"
    settings.REGBANK_BEHIND_PROXY = False
    _login(client, "spec2", "guess", address="127.0.0.1", HTTP_X_REAL_IP="10.7.0.99")
    assert AuditEvent.objects.filter(client_ip="127.0.0.1").count() == 1
