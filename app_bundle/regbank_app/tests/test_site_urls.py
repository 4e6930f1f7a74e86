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
