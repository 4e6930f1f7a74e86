"""Security: a user of МО-1 cannot read, change or delete any object of МО-2 by URL.

Every URL of the project that takes a UUID is tried, GET and POST. A URL without a
builder below fails the test, so new views cannot slip through.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from audit.models import Action, AuditEvent
from directory.models import Category
from inspections.models import Inspection
from reconciliation.models import Reconciliation
from regbank_app.testing import factories
from registry.models import FamilyMember

pytestmark = pytest.mark.django_db


def uuid_urls():
    """(name, kwarg names, extra default kwargs) of every URL with a UUID converter."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                converters = getattr(p.pattern, "converters", {})
                uuid_args = [
                    k for k, c in converters.items() if type(c).__name__ == "UUIDConverter"
                ]
                if uuid_args and p.name:
                    name = f"{namespace}:{p.name}" if namespace else p.name
                    found.append((name, uuid_args))

    walk(get_resolver().url_patterns, None)
    return found


def build_world():
    """One object of every kind in МО-2, and the ids their URLs take."""
    family = factories.family("MO-2", family_name="Вторые")
    member = FamilyMember.objects.create(
        mo=family.mo, family=family, relation="mother", last_name="Вторая", first_name="Мать"
    )
    minor = factories.minor("MO-2", family=family, last_name="Второй")
    plan = factories.plan(minor, agency_obj=factories.agency("MO-2", "education"))
    measure = plan.measures.get()
    other_user = factories.user(Role.AGENCY, "MO-2", username="spec2")
    event = AuditEvent.objects.create(
        site="regional", action=Action.VIEW, mo=family.mo, object_mo=family.mo, username="kdn2"
    )
    world = {
        "registry:family": family.pk,
        "registry:member-create": family.pk,
        "registry:member": member.pk,
        "registry:minor": minor.pk,
        "registry:registration": family.registrations.get().pk,
        "accounts:user": other_user.pk,
        "audit:event": event.id,
        "prevention:plan": plan.pk,
        "prevention:measure": measure.pk,
        "directory:agency": factories.agency("MO-2", "police").pk,
        "directory:category": Category.objects.first().pk,
        "directory:ground": factories.ground("R01").pk,
    }
    world.update(extra_world(family, minor, plan, measure))
    return world


def extra_world(family, minor, plan, measure):
    """Objects of the later apps (commission, raids) — filled in as they appear."""
    out = {}
    try:
        from commission.models import Meeting

        meeting = Meeting.objects.create(
            mo=family.mo, date=datetime.date(2024, 5, 1), number="7", place="каб. 12"
        )
        out["commission:meeting"] = meeting.pk
        item = meeting.items.create(mo=family.mo, order=1, title="О семье", family=family)
        out["commission:item"] = item.pk
        resolution = meeting.resolutions.create(
            mo=family.mo, number="7/1", date=meeting.date, text="Поставить на учёт", family=family
        )
        out["commission:resolution"] = resolution.pk
    except ImportError:
        pass
    try:
        from raids.models import Raid

        raid = Raid.objects.create(
            mo=family.mo, date=datetime.date(2024, 6, 1), team="ПДН, КДН", purpose="Вечерний рейд"
        )
        out["raids:raid"] = raid.pk
        visit = raid.visits.create(mo=family.mo, address="ул. Мира, 1", findings="Дети одни")
        out["raids:visit"] = visit.pk
    except ImportError:
        pass
    out.update(support_world(family, minor))
    return out


def support_world(family, minor):
    """A reconciliation of МО-2's cards and an inspection visit to МО-2."""
    sample = Reconciliation.objects.create(
        mo=family.mo, drawn_on=datetime.date(2024, 7, 1), requested=2
    )
    sample.cards.create(mo=family.mo, position=1, card_number=family.number, family=family)
    sample.cards.create(mo=family.mo, position=2, card_number=minor.number, minor=minor)
    visit = Inspection.objects.create(
        mo=family.mo, date=datetime.date(2024, 8, 1), inspectors="Проверяющий", findings="Выводы"
    )
    recommendation = visit.recommendations.create(
        mo=family.mo, text="Исправить", due_date=datetime.date(2024, 9, 1)
    )
    return {
        "reconciliation:": sample.pk,
        "inspections:": visit.pk,
        "inspections:recommendation": recommendation.pk,
    }


def pk_for(world, name):
    best = max((k for k in world if name.startswith(k)), key=len, default=None)
    return best, world.get(best)


def test_every_uuid_url_has_a_builder():
    world_keys = build_world().keys()
    missing = [n for n, _ in uuid_urls() if not any(n.startswith(k) for k in world_keys)]
    assert not missing, f"add these URLs to build_world(): {missing}"


@pytest.mark.parametrize("role", [Role.MUNICIPAL, Role.AGENCY])
def test_mo1_user_gets_404_for_every_mo2_object(client, role):
    world = build_world()
    client.force_login(factories.user(role, "MO-1", can_manage_users=role == Role.MUNICIPAL))
    before = snapshot_rows()
    checked = 0
    for name, args in uuid_urls():
        key, pk = pk_for(world, name)
        assert key is not None, name
        if pk is None:
            continue
        url = reverse(name, kwargs={a: pk for a in args})
        for method in (client.get, client.post):
            response = method(url)
            # a specialist has no user or audit pages at all (403); otherwise: not found
            # inspection visits are the regional officer's alone
            role_level = name.startswith(("directory:", "inspections:")) or (
                role == Role.AGENCY
                and name.startswith(
                    ("accounts:", "audit:", "commission:", "raids:", "reconciliation:")
                )
            )
            allowed = {403, 404} if role_level else {404}
            assert response.status_code in allowed, (method.__name__, url, response.status_code)
            checked += 1
    assert checked >= 30
    assert snapshot_rows() == before


def test_mo2_objects_do_not_leak_into_mo1_lists(client):
    build_world()
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    for url in ("/families/", "/minors/", "/accounts/users/", "/audit/", "/families/?name=Вторые"):
        page = client.get(url).content.decode().split("</form>")[-1]
        assert "Вторые" not in page and "Второй" not in page and "kdn2" not in page, url


def snapshot_rows():
    from django.apps import apps

    rows = {}
    for label in (
        "registry", "prevention", "commission", "raids", "reconciliation", "inspections",
        "accounts",
    ):  # fmt: skip
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            rows[model._meta.label] = sorted(map(repr, model.objects.values_list(*fields)))
    return rows
