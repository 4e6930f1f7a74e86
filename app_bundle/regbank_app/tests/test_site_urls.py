"""Issue 13: the regional server knows where each МО with its own server keeps its bank
(REGBANK_SITE_URLS), links that МО's read-only rows there and sends its officers there."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.models import Role
from regbank_app import site
from regbank_app.testing import factories
from regbank_app.testing.factories import at_site

pytestmark = pytest.mark.django_db

MO3_URL = "https://mo-3.bank.lab.regbank.test"
URLS = override_settings(REGBANK_SITE_URLS={"MO-3": MO3_URL})


@pytest.fixture
def mo3_family():
    with at_site("MO-3"):  # written at MO-3's own server, replicated up
        return factories.family("MO-3", family_name="Третьяковы")


@URLS
def test_home_site_url_is_the_municipal_server_of_an_mo_with_its_own():
    assert site.home_site_url(factories.mo("MO-3")) == MO3_URL
    assert site.home_site_url(factories.mo("MO-1")) is None  # edited at the regional server
    with override_settings(REGBANK_SITE_URLS={}):
        assert site.home_site_url(factories.mo("MO-3")) is None  # address not configured


@URLS
def test_read_only_note_links_to_the_same_page_at_the_municipal_server(client, mo3_family):
    client.force_login(factories.user(Role.REGIONAL, None))
    page = client.get(f"/families/{mo3_family.pk}/").content.decode()
    assert (
        f'ведётся на муниципальном сервере МО-3 (<a href="{MO3_URL}/families/{mo3_family.pk}/">'
        f"{MO3_URL}</a>); здесь она доступна только для чтения" in page
    )
    refused = client.get(f"/families/{mo3_family.pk}/edit/")
    assert refused.status_code == 403
    assert f"на муниципальном сервере МО-3 ({MO3_URL})" in refused.content.decode()


def test_without_an_address_the_note_stays_in_words(client, mo3_family):
    client.force_login(factories.user(Role.REGIONAL, None))
    page = client.get(f"/families/{mo3_family.pk}/").content.decode()
    assert "ведётся на муниципальном сервере МО-3; здесь она доступна только для чтения" in page
    assert "mo-3.bank" not in page


def _login(client, username):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": factories.PASSWORD},
        follow=True,
    )


@URLS
def test_an_mo3_officer_at_the_regional_server_lands_on_his_municipal_server(client, mo3_family):
    officer = factories.user(Role.MUNICIPAL, "MO-3", username="kdn3")
    page = _login(client, "kdn3")
    assert page.redirect_chain[-1] == ("/accounts/municipal-server/", 302)
    text = page.content.decode()
    assert "Банк данных вашего МО ведётся на муниципальном сервере МО-3" in text
    assert f'<a href="{MO3_URL}/">{MO3_URL}</a>' in text
    # every page of his cards sends him there, a direct link included
    for url in ("/", "/families/", f"/families/{mo3_family.pk}/", "/audit/", "/meetings/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/accounts/municipal-server/"), url
    # what only the regional server does stays here
    assert client.get("/accounts/password/").status_code == 200
    assert client.get("/health/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/families/").url.startswith("/accounts/login/")
    assert officer.mo.own_server


@URLS
def test_an_mo3_officer_with_a_temporary_password_changes_it_first(client):
    factories.user(Role.MUNICIPAL, "MO-3", username="kdn3", must_change_password=True)
    page = _login(client, "kdn3")
    assert page.redirect_chain[-1] == ("/accounts/password/", 302)


@URLS
def test_the_regional_officer_and_officers_of_other_mo_stay(client, mo3_family):
    for role, mo_code in ((Role.REGIONAL, None), (Role.MUNICIPAL, "MO-1")):
        client.force_login(factories.user(role, mo_code))
        assert client.get("/").status_code == 200
        assert client.get("/families/").status_code == 200
        assert client.get("/accounts/municipal-server/").url == "/"


def test_without_an_address_the_mo3_officer_stays_and_reads(client, mo3_family):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-3"))
    assert client.get(f"/families/{mo3_family.pk}/").status_code == 200


@URLS
def test_at_the_municipal_server_its_officer_works_there(client, mo3_family):
    factories.user(Role.MUNICIPAL, "MO-3", username="kdn3")
    with at_site("MO-3"):
        page = _login(client, "kdn3")
        assert page.redirect_chain == [("/", 302)]
        assert page.status_code == 200
        assert "Третьяковы" in client.get("/families/").content.decode()
        assert client.get(f"/families/{mo3_family.pk}/edit/").status_code == 200
