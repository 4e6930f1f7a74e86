"""`load_sample_activity --large`: the benchmarks' large region, as the lab gets it before
the capacity planner's calibration (here with few events, to stay quick)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from analytics import large_region, rollup
from audit.models import AuditEvent
from directory.models import Municipality
from registry.models import Family, Minor

pytestmark = pytest.mark.django_db


def test_large_region_loads_sixty_mo_over_three_years_with_its_rollup():
    out = io.StringIO()
    call_command(
        "load_sample_activity", "--large", "--events", "30000", "--cards", "900", stdout=out
    )
    assert "60 МО" in out.getvalue() and "30000 audit events" in out.getvalue()
    with_events = AuditEvent.objects.exclude(mo=None).values("mo").distinct().count()
    assert with_events == large_region.MO
    assert Municipality.objects.filter(code="MO-60").exists()
    years = {t.year for t in AuditEvent.objects.dates("time", "year")}
    assert years == set(large_region.YEARS)
    assert AuditEvent.objects.count() == 30_000
    assert Family.objects.count() + Minor.objects.count() == 900
    assert rollup.differences(connection) == []
    with pytest.raises(CommandError, match="already loaded"):
        call_command("load_sample_activity", "--large", "--events", "100", stdout=out)


def test_large_region_refuses_too_few_cards():
    with pytest.raises(CommandError, match="--cards: at least 60"):
        call_command("load_sample_activity", "--large", "--cards", "10", stdout=io.StringIO())
