"""Login, logout, failed login and lockout are audit events; temporary passwords must be
changed; a municipal site never writes an account row."""

import datetime
import re
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role, User
from audit.models import Action, AuditEvent
from regbank_app.testing import factories
from regbank_app.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_user_model_has_no_last_login_and_no_groups():
    field_names = {f.name for f in User._meta.get_fields()}
    assert "last_login" not in field_names
    assert "groups" not in field_names and "user_permissions" not in field_names
    assert {"role", "mo", "agency"} <= field_names
    assert User._meta.pk.get_internal_type() == "UUIDField"


def test_login_is_audited_with_user_scope_and_client_address(client):
    officer = factories.user(Role.MUNICIPAL, "MO-2", username="kdn2")
    response = _login(client, "KDN2", REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302 and response["Location"] == "/"
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert event.user_id == officer.pk
    assert event.username == "kdn2"
    assert event.mo.code == "MO-2"
    assert event.agency_id == officer.agency_id and event.agency_type == "kdn"
    assert event.role == "municipal"
    assert event.client_ip == "10.20.30.40"
    assert event.site == "regional"


def test_login_does_not_write_the_account_row(client):
    factories.user(Role.MUNICIPAL, "MO-1", username="kdn1")
    with CaptureQueriesContext(connection) as queries:
        _login(client, "kdn1")
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert not [sql for sql in writes if "accounts_user" in sql], writes


def test_logout_is_audited_and_needs_post(client):
    factories.user(username="u1")
    _login(client, "u1")
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGOUT, username="u1").count() == 1


def test_failed_login_is_audited_for_known_and_unknown_names(client):
    known = factories.user(username="known")
    page = _login(client, "known", "wrong-password")
    assert page.status_code == 200
    assert "введите правильные имя входа и пароль" in page.content.decode()
    _login(client, "nobody", "whatever")
    failed = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("time")
    assert [e.username for e in failed] == ["known", "nobody"]
    assert failed[0].user_id == known.pk and failed[1].user_id is None
    assert "wrong-password" not in str(failed[0].details)


def test_lockout_after_repeated_failures(client, settings):
    factories.user(username="victim")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "victim", "bad")
    response = _login(client, "victim")  # the right password no longer helps
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, username="victim").exists()


def test_inactive_user_cannot_log_in(client):
    factories.user(username="gone", is_active=False)
    _login(client, "gone")
    assert "_auth_user_id" not in client.session


def _every_route() -> list[str]:
    """Every route of the site as a path, with a sample value for each converter."""
    samples = {"uuid": str(uuid.uuid4()), "slug": "x", "int": "1", "str": "x", "path": "x"}

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            else:
                yield re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples[m[1] or "str"], route)

    return sorted(set(walk(get_resolver().url_patterns, "/")))


def test_only_login_and_health_are_open_before_login(client):
    """FSTEC УПД.11: an anonymous client is sent to the login page from every other route."""
    routes = _every_route()
    assert {"/families/", "/audit/", "/analytics/", "/accounts/users/"} <= set(routes)
    opened = []
    for path in routes:
        response = client.get(path)
        if not (response.status_code == 302 and response["Location"].startswith(LOGIN)):
            opened.append(path)
    assert opened == [LOGIN, "/health/"]


def test_login_page_warns_about_personal_data_and_masks_the_password(client):
    """FSTEC УПД.7 (the warning before access) and ИАФ.5 (the password is not shown)."""
    page = client.get(LOGIN).content.decode()
    notice = re.search(r'id="personal-data-notice"[^>]*>(.*?)</div>', page, re.S)
    assert notice and page.index("personal-data-notice") < page.index("<form")
    text = " ".join(re.sub(r"<[^>]+>", " ", notice[1]).split())
    for words in ("персональные данные несовершеннолетних", "уполномоченным лицам",
                  "регистрируются", "152-ФЗ"):  # fmt: skip
        assert words in text
    [password] = re.findall(r'<input[^>]*name="password"[^>]*>', page)
    assert 'type="password"' in password


def test_temporary_password_must_be_changed_first(client):
    user = factories.user(username="newbie", must_change_password=True)
    _login(client, "newbie")
    assert client.get("/families/")["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/").content.decode()
    assert "временным паролем" in page
    # too weak: refused by the validators, in Russian
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    ).content.decode()
    assert "слишком короткий" in weak or "Введённый пароль слишком" in weak
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Novyi-Parol-2025",
            "new_password2": "Novyi-Parol-2025",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at
    assert user.check_password("Novyi-Parol-2025")
    assert client.get("/families/").status_code == 200  # session kept
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, user_id=user.pk).exists()


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Abcdefghij1", True), ("abcdefghij1!", True), ("abcdefghijk", False), ("ABCDEFGH12", False)],
)
def test_password_complexity(password, ok):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, User(username="someone", last_name="Фамилия"))
        assert ok
    except ValidationError:
        assert not ok


def test_session_times_out_after_inactivity(client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    factories.user(username="idle")
    _login(client, "idle")
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/")["Location"].startswith(LOGIN)


def test_municipal_site_logs_in_without_touching_accounts(client, settings):
    user = factories.user(Role.MUNICIPAL, "MO-3", username="kdn3")  # created at the regional
    # a hash made with another hasher would normally be upgraded (a write) at login
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    settings.REGBANK_SITE_ROLE = "municipal"
    settings.REGBANK_SITE_MO = "MO-3"
    with CaptureQueriesContext(connection) as queries:
        response = _login(client, "kdn3")
    assert response.status_code == 302
    assert not [q for q in queries if "accounts_user" in q["sql"] and "UPDATE" in q["sql"]]
    assert AuditEvent.objects.get(action=Action.LOGIN).site == "MO-3"
    # password changes happen at the regional server
    page = client.get("/accounts/password/").content.decode()
    assert "ведутся на региональном сервере" in page
    user.refresh_from_db()
    assert user.password.startswith("md5$")
    user.first_name = "Другое"
    from regbank_app.site import ReadOnlyHere

    with pytest.raises(ReadOnlyHere):
        user.save()
