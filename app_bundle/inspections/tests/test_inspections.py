"""Inspection visits: the regional officer records a visit, its recommendations with due
dates and their follow-up; nobody else reads them; a municipal site shows them read-only."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from inspections.models import Inspection, Recommendation
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


@pytest.fixture
def regional(client):
    user = factories.user(Role.REGIONAL, None)
    client.force_login(user)
    return user


def test_a_visit_its_recommendations_and_their_follow_up(client, regional):
    response = client.post(
        "/inspections/new/",
        {
            "mo": str(factories.mo("MO-4").pk),
            "date": "2025-10-02",
            "inspectors": "Соколова Е. В., консультант отдела",
            "findings": "Планы ИПР заведены не на все семьи",
        },
    )
    assert response.status_code == 302
    visit = Inspection.objects.get()
    assert response["Location"] == visit.get_absolute_url()
    for text, due in (("Завести планы ИПР", YESTERDAY), ("Провести сверку", "2099-01-31")):
        data = {"text": text, "due_date": str(due)}
        assert client.post(f"/inspections/{visit.pk}/recommendations/new/", data).status_code == 302
    late = Recommendation.objects.get(text="Завести планы ИПР")
    assert late.mo == visit.mo and late.is_overdue
    page = client.get(visit.get_absolute_url()).content.decode()
    assert f"{YESTERDAY:%d.%m.%Y} — просрочено" in page and "31.01.2099" in page
    listing = client.get("/inspections/?mo=MO-4&open_only=on").content.decode()
    assert "02.10.2025" in listing and '<span class="overdue">1</span>' in listing
    assert "02.10.2025" not in client.get("/inspections/?mo=MO-5").content.decode()
    # done without saying how is refused; with the follow-up it is closed
    url = f"/inspections/recommendations/{late.pk}/edit/"
    data = {"text": late.text, "due_date": str(YESTERDAY), "done_on": str(YESTERDAY)}
    assert client.post(url, data).status_code == 200
    data["follow_up"] = "Планы заведены, копии получены"
    assert client.post(url, data).status_code == 302
    late.refresh_from_db()
    assert not late.is_overdue and late.follow_up.startswith("Планы заведены")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=late.pk)
    assert set(event.changes) == {"follow_up", "done_on"}
    listing = client.get("/inspections/?mo=MO-4&open_only=on").content.decode()
    assert "02.10.2025" in listing and 'class="overdue"' not in listing  # one open, on time
    # a visit with recommendations is not deleted
    page = client.post(f"/inspections/{visit.pk}/delete/").content.decode()
    assert "у проверки есть рекомендации" in page and Inspection.objects.exists()


def test_only_the_regional_officer_reads_or_writes_visits(client):
    visit = Inspection.objects.create(
        mo=factories.mo("MO-1"), date=YESTERDAY, inspectors="Соколова", findings="Выводы"
    )
    item = visit.recommendations.create(mo=visit.mo, text="Рекомендация", due_date=YESTERDAY)
    urls = [
        "/inspections/",
        "/inspections/new/",
        f"/inspections/{visit.pk}/",
        f"/inspections/{visit.pk}/edit/",
        f"/inspections/{visit.pk}/delete/",
        f"/inspections/{visit.pk}/recommendations/new/",
        f"/inspections/recommendations/{item.pk}/edit/",
        f"/inspections/recommendations/{item.pk}/delete/",
    ]
    for role in (Role.MUNICIPAL, Role.AGENCY, Role.AUDITOR):
        client.force_login(factories.user(role, "MO-1"))
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url).status_code == 403, (role, url)
        assert "/inspections/" not in client.get("/").content.decode()
    assert Inspection.objects.count() == 1 and Recommendation.objects.count() == 1


def test_a_municipal_site_shows_visits_read_only(client):
    visit = Inspection.objects.create(
        mo=factories.mo("MO-3"), date=YESTERDAY, inspectors="Соколова", findings="Выводы"
    )
    client.force_login(factories.user(Role.REGIONAL, None))
    with factories.at_site("MO-3"):
        page = client.get(visit.get_absolute_url()).content.decode()
        assert "Выводы" in page and "Добавить рекомендацию" not in page
        assert "доступны только для чтения" in client.get("/inspections/").content.decode()
        for url in ("/inspections/new/", f"/inspections/{visit.pk}/edit/"):
            assert client.post(url).status_code == 403
