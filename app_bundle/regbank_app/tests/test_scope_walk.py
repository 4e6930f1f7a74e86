"""Scope, walked whole: no list, search or export shows an officer of МО-1 anything of
МО-2, and an agency specialist reaches none of the history, members, registrations and
plans of his own МО's cards his agency has no measures in."""

from __future__ import annotations

import io
import re

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from accounts.models import Role, User
from analytics import reports
from audit.models import Action, AuditEvent
from regbank_app import replication
from regbank_app.testing import factories
from registry.models import FamilyMember

from .test_access_by_url import build_world

pytestmark = pytest.mark.django_db

MARK = "ЧУЖОЕ-МО2"


def _mark_every_text_of_mo2():
    """Every text column of every МО-2 row that travels up carries MARK; so do МО-2's
    users and audit events."""
    mo2 = factories.mo("MO-2")
    for model in replication.models_of(replication.UP_APPS):
        if model is AuditEvent:
            continue
        texts = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        for i, pk in enumerate(model.objects.filter(mo=mo2).values_list("pk", flat=True)):
            values = {name: f"{MARK}{i}"[: model._meta.get_field(name).max_length or 100]
                      for name in texts}  # fmt: skip
            model.objects.filter(pk=pk).update(**values)
    User.objects.filter(mo=mo2).update(last_name=MARK, first_name=MARK)
    AuditEvent.objects.create(
        site="regional", action=Action.VIEW, mo=mo2, object_mo=mo2, object_repr=MARK,
        user_name=MARK, username="kdn2",
    )  # fmt: skip


def _plain_routes() -> list[str]:
    """Every route without a path parameter, and every analytics view by its slug."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                if "<slug:slug>" in route:
                    found.extend(route.replace("<slug:slug>", v.slug) for v in reports.VIEWS)
                elif "<" not in route:
                    found.append(route)

    walk(get_resolver().url_patterns, "/")
    return sorted(set(found))


def _text(response) -> str:
    body = response.getvalue() if not response.streaming else b"".join(response.streaming_content)
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(body))
        return " ".join(str(c.value) for s in workbook for row in s.iter_rows() for c in row)
    if response.get("Content-Type", "").startswith("application/pdf"):
        return ""  # the PDF is the printable report, walked as HTML
    return body.decode("utf-8", errors="replace")


# searches and filters that would reach further than a list's first page
SEARCHES = [
    "/families/?name=ЧУЖОЕ",
    "/minors/?name=ЧУЖОЕ",
    "/families/?mo=MO-2",
    "/plans/?status=completed",
    "/measures/?show=all",
    "/raids/?follow_up=open",
    "/accounts/users/?mo=MO-2",
    "/audit/?user=kdn2",
    "/audit/export/csv/?user=ЧУЖОЕ",
    "/analytics/users/?mo_code=MO-2",
    "/analytics/yearly/export.csv?date_from=2020-01-01",
]


def test_no_list_search_or_export_shows_another_mo(client):
    build_world()
    _mark_every_text_of_mo2()
    assert FamilyMember.objects.filter(last_name__startswith=MARK).exists()
    officer = factories.user(Role.MUNICIPAL, "MO-1", can_manage_users=True)
    client.force_login(officer)
    routes = [r for r in _plain_routes() if not r.startswith(("/accounts/log", "/health"))]
    assert {"/families/", "/audit/export/csv/", "/analytics/yearly/export.xlsx"} <= set(routes)
    shown = 0
    for url in routes + SEARCHES:
        response = client.get(url)
        if response.status_code != 200:
            continue
        shown += 1
        assert MARK not in _text(response), url
    assert shown > len(routes) // 2  # most routes answered
    # and the mark is there to be found: the regional officer sees it
    client.force_login(factories.user(Role.REGIONAL, None))
    assert MARK in client.get("/families/?name=ЧУЖОЕ").content.decode()


def test_agency_specialist_reaches_no_page_of_a_card_without_his_measures(client):
    school = factories.agency("MO-1", "education")
    police = factories.agency("MO-1", "police")
    specialist = factories.user(Role.AGENCY, "MO-1", agency=school)
    mine = factories.family("MO-1", family_name="Свои")
    factories.plan(mine, agency_obj=school)
    theirs = factories.family("MO-1", family_name="Полицейские")
    plan = factories.plan(theirs, agency_obj=police)
    measure = plan.measures.get()
    member = FamilyMember.objects.create(
        mo=theirs.mo, family=theirs, relation="mother", last_name="Мать", first_name="Анна"
    )
    registration = theirs.registrations.get()
    # a plan of his own card where only another agency works
    other_plan = factories.plan(mine, agency_obj=police)
    client.force_login(specialist)
    refused = [
        reverse("registry:family-detail", args=[theirs.pk]),
        reverse("registry:family-history", args=[theirs.pk]),
        reverse("registry:family-register", args=[theirs.pk]),
        reverse("registry:member-create", args=[theirs.pk]),
        reverse("registry:member-edit", args=[member.pk]),
        reverse("registry:member-delete", args=[member.pk]),
        reverse("registry:registration-edit", args=[registration.pk]),
        reverse("registry:registration-deregister", args=[registration.pk]),
        reverse("registry:registration-delete", args=[registration.pk]),
        reverse("prevention:plan-detail", args=[plan.pk]),
        reverse("prevention:plan-edit", args=[plan.pk]),
        reverse("prevention:plan-delete", args=[plan.pk]),
        reverse("prevention:plan-measure-create", args=[plan.pk]),
        reverse("prevention:measure-edit", args=[measure.pk]),
        reverse("prevention:measure-delete", args=[measure.pk]),
        reverse("prevention:measure-report", args=[measure.pk]),
        reverse("prevention:plan-detail", args=[other_plan.pk]),
        f"/plans/new/?family={theirs.pk}",
    ]
    for url in refused:
        for method in (client.get, client.post):
            assert method(url).status_code == 404, (method.__name__, url)
    # his own card reads, and writes nothing
    assert client.get(reverse("registry:family-history", args=[mine.pk])).status_code == 200
    own_registration = mine.registrations.get()
    for url in (
        reverse("registry:member-create", args=[mine.pk]),
        reverse("registry:registration-edit", args=[own_registration.pk]),
        reverse("registry:family-register", args=[mine.pk]),
    ):
        assert client.post(url).status_code == 403, url
    pages = [client.get(u).content.decode() for u in ("/families/", "/plans/", "/measures/")]
    assert not [p for p in pages if "Полицейские" in p]
    assert not re.search(r"Полицейские", client.get("/plans/overdue/").content.decode())
