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


def test_payload_in_every_text_field_of_every_model_is_escaped_on_every_page(client):
    """Every text column of every replicated model is filled with markup, then every page
    (lists and every UUID URL) is read as a regional and as a municipal officer."""
    from django.db import models
    from django.urls import reverse

    from audit.models import Action, AuditEvent
    from regbank_app import replication

    from .test_access_by_url import build_world, pk_for, uuid_urls

    world = build_world()
    mo2 = factories.mo("MO-2")
    viewers = [
        factories.user(Role.REGIONAL, None, can_manage_users=True),
        factories.user(Role.MUNICIPAL, "MO-2", can_manage_users=True),
    ]
    for model in replication.models_of(replication.UP_APPS + replication.DOWN_APPS):
        if model is AuditEvent:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f.name not in ("password", "username")
        ]
        for i, pk in enumerate(model.objects.values_list("pk", flat=True)):
            values = {}
            for f in fields:
                limit = f.max_length or 1000
                values[f.name] = PAYLOAD[: limit - 5] + f"{i:05d}"  # unique per row
            if values:
                model.objects.filter(pk=pk).update(**values)
    AuditEvent.objects.create(
        site="regional",
        action=Action.UPDATE,
        mo=mo2,
        object_repr=PAYLOAD,
        user_name=PAYLOAD,
        changes={"notes": {"label": PAYLOAD, "old": PAYLOAD, "new": PAYLOAD}},
        details={"filters": {"name": PAYLOAD}},
    )
    plain_urls = [
        "/",
        "/families/",
        "/minors/",
        "/plans/",
        "/plans/overdue/",
        "/measures/?show=all",
        "/meetings/",
        "/raids/",
        "/audit/",
        "/accounts/users/",
        "/directory/agencies/",
        "/directory/categories/",
        "/directory/grounds/",
        "/directory/mo/",
        "/reconciliation/",
        "/inspections/",
        "/support/",
    ]
    for viewer in viewers:
        client.force_login(viewer)
        urls = list(plain_urls)
        for name, args in uuid_urls():
            _, pk = pk_for(world, name)
            urls.append(reverse(name, kwargs={a: pk for a in args}))
        shown = 0
        for url in urls:
            response = client.get(url)
            html = response.content.decode()
            assert "<script" not in html, (viewer.role, url)
            shown += "&lt;script&gt;" in html
            assert response.status_code in (200, 302, 403), (viewer.role, url, response.status_code)
        assert shown > len(urls) // 2  # the markup really reached most pages, escaped
