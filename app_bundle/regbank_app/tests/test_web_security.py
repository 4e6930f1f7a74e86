"""CSRF is enforced; HTML/JS typed into any text field comes back escaped."""

import pytest
from django import forms as djforms
from django.test import Client

from accounts.models import Role
from regbank_app.testing import factories
from regbank_app.testing.factories import PASSWORD
from registry.forms import FamilyForm, FamilyMemberForm, MinorForm
from registry.models import Family, Minor

pytestmark = pytest.mark.django_db

PAYLOAD = '"><script>alert(1)</script>'


def test_csrf_is_enforced_on_login_and_on_changes():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and "Запрос отклонён" in response.content.decode()
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(officer)
    family = factories.family("MO-1")
    assert client.post(f"/families/{family.pk}/delete/").status_code == 403
    assert Family.objects.filter(pk=family.pk).exists()
    assert client.post("/accounts/logout/").status_code == 403


def test_login_form_carries_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    factories.user(username="csrfuser")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "csrfuser", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def _text_fields(form_class, **kwargs):
    form = form_class(**kwargs)
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, djforms.CharField)
        and not isinstance(field.widget, djforms.HiddenInput)
        and not getattr(field, "choices", None)
    ]


def _assert_escaped(html):
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_payloads_in_every_card_text_field_are_escaped(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(officer)
    mo = factories.mo("MO-1")
    ground = str(factories.ground("R01").pk)

    family_data = {f: PAYLOAD for f in _text_fields(FamilyForm, mo=mo)}
    family_data.update(
        {
            "reg-registered_on": "2024-01-10",
            "reg-registration_ground": ground,
            "reg-registration_resolution": PAYLOAD,
            "reg-notes": PAYLOAD,
        }
    )
    assert client.post("/families/new/", family_data).status_code == 302
    family = Family.objects.get()
    assert family.family_name == PAYLOAD and family.housing == PAYLOAD

    member = {f: PAYLOAD for f in _text_fields(FamilyMemberForm)}
    member["relation"] = "father"
    assert client.post(f"/families/{family.pk}/members/new/", member).status_code == 302

    minor_data = {f: PAYLOAD for f in _text_fields(MinorForm, mo=mo)}
    minor_data.update(
        {
            "birth_date": "2012-01-01",
            "sex": "f",
            "family": str(family.pk),
            "reg-registered_on": "2024-01-10",
            "reg-registration_ground": ground,
        }
    )
    assert client.post("/minors/new/", minor_data).status_code == 302
    minor = Minor.objects.get()

    for url in (
        f"/families/{family.pk}/",
        f"/families/{family.pk}/edit/",
        f"/families/{family.pk}/history/",
        f"/minors/{minor.pk}/",
        f"/minors/{minor.pk}/edit/",
        f"/minors/{minor.pk}/history/",
        "/families/",
        "/minors/",
        "/families/?name=" + PAYLOAD,
        "/audit/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
    _assert_escaped(client.get(f"/families/{family.pk}/").content.decode())
    _assert_escaped(client.get(f"/minors/{minor.pk}/").content.decode())


def test_payload_in_account_fields_is_escaped(client):
    client.force_login(factories.user(Role.REGIONAL, None, can_manage_users=True))
    other = factories.user(
        Role.MUNICIPAL, "MO-2", last_name=PAYLOAD, position=PAYLOAD, middle_name=PAYLOAD
    )
    for url in (
        f"/accounts/users/{other.pk}/",
        "/accounts/users/",
        f"/accounts/users/{other.pk}/edit/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
