"""Reconciliation: the random sample within scope and size, the check list, outcomes per
card, results per МО over time, and who may do what."""

from __future__ import annotations

import datetime
import re

import pytest

from accounts.models import Role
from audit.models import Action, AuditEvent
from reconciliation import sampling
from reconciliation.models import CardKinds, Outcome, Reconciliation, ReconciliationCard
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards():
    """МО-1: five families and three minors on record, a family not on record; МО-2: four
    families on record."""
    mo1 = [factories.family("MO-1", family_name=f"Первые-{i}") for i in range(5)]
    mo1 += [factories.minor("MO-1", last_name=f"Первый-{i}") for i in range(3)]
    factories.family("MO-1", family_name="Неучтённые", registered=False)
    mo2 = [factories.family("MO-2", family_name=f"Вторые-{i}") for i in range(4)]
    return {"mo1": mo1, "mo2": mo2}


@pytest.fixture
def officer(client):
    user = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(user)
    return user


def draw(client, size, kinds=CardKinds.BOTH) -> Reconciliation:
    before = set(Reconciliation.objects.values_list("pk", flat=True))
    response = client.post("/reconciliation/new/", {"size": str(size), "kinds": kinds})
    assert response.status_code == 302, response.content.decode()[:1500]
    (pk,) = set(Reconciliation.objects.values_list("pk", flat=True)) - before
    return Reconciliation.objects.get(pk=pk)


def test_the_sample_is_n_cards_on_record_of_the_officers_mo(client, cards, officer):
    sample = draw(client, 4)
    drawn = list(sample.cards.all())
    assert [c.position for c in drawn] == [1, 2, 3, 4]
    on_record = {c.pk for c in cards["mo1"]}
    assert {c.card.pk for c in drawn} <= on_record
    assert len({c.card.pk for c in drawn}) == 4
    assert {c.mo_id for c in drawn} == {officer.mo_id} and sample.mo_id == officer.mo_id
    # families before minors, each by card number (the order of the paper files)
    kinds = [c.card.kind for c in drawn]
    assert kinds == sorted(kinds)
    assert [c.card_number for c in drawn] == [c.card.number for c in drawn]
    # every drawn card is an event on its card's history; the sample is one more
    events = AuditEvent.objects.filter(action=Action.CREATE, object_type__startswith="reconc")
    assert events.count() == 5
    assert {e.card_id for e in events if e.card_id} == {c.card.pk for c in drawn}


def test_asking_for_more_than_there_are_takes_them_all_and_says_so(client, cards, officer):
    response = client.post("/reconciliation/new/", {"size": "50", "kinds": "families"}, follow=True)
    assert "На учёте только 5 карточек такого вида" in response.content.decode()
    (sample,) = Reconciliation.objects.all()
    assert sample.requested == 50
    assert {c.family.family_name for c in sample.cards.all()} == {f"Первые-{i}" for i in range(5)}
    minors = draw(client, 2, CardKinds.MINORS)
    assert [c.card.kind for c in minors.cards.all()] == ["minor", "minor"]


def test_a_bad_size_or_no_cards_draws_nothing(client, officer):
    for size in ("0", "201", "десять"):
        response = client.post("/reconciliation/new/", {"size": size, "kinds": "both"})
        assert response.status_code == 200
    response = client.post("/reconciliation/new/", {"size": "5", "kinds": "both"})
    assert "нет карточек такого вида" in response.content.decode()
    assert not Reconciliation.objects.exists()


def test_the_draw_is_random(cards):
    mo = factories.mo("MO-1")
    samples = {frozenset(c.pk for c in sampling.draw(mo, 4, CardKinds.BOTH)) for _ in range(20)}
    assert len(samples) > 1  # 70 possible samples: twenty identical draws would be no draw


def test_the_check_list_prints_what_the_bank_holds(client, cards, officer):
    sample = draw(client, 8, CardKinds.BOTH)
    html = client.get(f"/reconciliation/{sample.pk}/print/").content.decode()
    for card in cards["mo1"]:
        assert card.number in html
    assert "Семья Первые-0" in html and "Первый-0 Пётр Андреевич, 17.05.2011" in html
    assert "с 01.03.2024" in html and "нет действующего" in html
    assert "Совпадает (да / нет)" in html and "Сверку провёл(а)" in html
    event = AuditEvent.objects.get(action=Action.EXPORT, object_id=sample.pk)
    assert event.details == {"format": "print", "cards": 8}


def outcome_data(sample, outcomes):
    """POST data of the sample's page: {position: (outcome, differences)}."""
    data = {}
    for card in sample.cards.all():
        outcome, text = outcomes.get(card.position, (card.outcome, card.differences))
        data[f"c{card.position}-outcome"] = outcome
        data[f"c{card.position}-differences"] = text
    return data


def test_outcomes_are_saved_per_card_and_shown_over_time(client, cards, officer):
    earlier = draw(client, 2, CardKinds.MINORS)
    Reconciliation.objects.filter(pk=earlier.pk).update(drawn_on=datetime.date(2025, 3, 10))
    client.post(f"/reconciliation/{earlier.pk}/", outcome_data(earlier, {1: ("matches", "")}))
    sample = draw(client, 4)
    # a difference without saying what differs is refused, nothing is saved
    response = client.post(
        f"/reconciliation/{sample.pk}/", outcome_data(sample, {1: ("differs", "")})
    )
    assert response.status_code == 400
    assert "Опишите, что не совпадает" in response.content.decode()
    assert not ReconciliationCard.objects.filter(reconciliation=sample).exclude(
        outcome=Outcome.PENDING
    )
    data = outcome_data(
        sample,
        {1: ("matches", ""), 2: ("matches", ""), 3: ("differs", "В деле другой адрес")},
    )
    assert client.post(f"/reconciliation/{sample.pk}/", data).status_code == 302
    saved = {c.position: c for c in sample.cards.all()}
    assert saved[3].outcome == Outcome.DIFFERS and saved[3].differences == "В деле другой адрес"
    assert saved[3].checked_by == officer and saved[4].outcome == Outcome.PENDING
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=saved[3].pk)
    assert event.changes["outcome"] == {
        "label": "результат", "old": "не проверена", "new": "есть расхождения"
    }  # fmt: skip
    assert event.card_id == saved[3].card.pk
    page = client.get(f"/reconciliation/{sample.pk}/").content.decode()
    assert "Проверено</dt><dd>3 из 4: совпадает 2, есть расхождения 1" in page
    # the results by date: the later sample first, each with its figures
    index = client.get("/reconciliation/").content.decode()
    today = datetime.date.today().strftime("%d.%m.%Y")
    assert index.index(today) < index.index("10.03.2025")
    rows = index.split("<tbody>")[1].split("</tr>")
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in rows[0].split("</td>")[:-1]]
    assert cells[2:7] == ["4", "3", "2", "1", "66,7 %"]
    assert "100,0 %" in rows[1]


def test_scope_of_every_page(client, cards):
    own = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(own)
    sample = draw(client, 3)
    urls = [f"/reconciliation/{sample.pk}/", f"/reconciliation/{sample.pk}/print/"]
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    for url in urls:
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert "Сверок ещё не было" in client.get("/reconciliation/?mo=MO-1").content.decode()
    client.force_login(factories.user(Role.AGENCY, "MO-1"))
    for url in [*urls, "/reconciliation/", "/reconciliation/new/"]:
        assert client.get(url).status_code == 403 and client.post(url).status_code == 403
    # the regional officer reads every МО and writes nothing
    client.force_login(factories.user(Role.REGIONAL, None))
    page = client.get(urls[0])
    assert page.status_code == 200 and "Сохранить результаты" not in page.content.decode()
    assert client.post(urls[0], outcome_data(sample, {1: ("matches", "")})).status_code == 403
    assert client.get("/reconciliation/new/").status_code == 403
    assert "МО-1" in client.get("/reconciliation/?mo=MO-1").content.decode()
    assert not sample.cards.exclude(outcome=Outcome.PENDING).exists()


def test_an_mo_with_its_own_server_reconciles_there(client):
    with factories.at_site("MO-3"):
        factories.family("MO-3", family_name="Третьи")
    officer = factories.user(Role.MUNICIPAL, "MO-3")
    client.force_login(officer)
    assert client.get("/reconciliation/new/").status_code == 403  # the regional server
    assert "Новая сверка" not in client.get("/reconciliation/").content.decode()
    with factories.at_site("MO-3"):
        sample = draw(client, 1)
        assert sample.cards.get().family.family_name == "Третьи"
    response = client.post(
        f"/reconciliation/{sample.pk}/", outcome_data(sample, {1: ("matches", "")})
    )
    assert response.status_code == 403
