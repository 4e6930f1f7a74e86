"""The shell's own pages: home gathers counts of every app; health answers monitoring."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from directory.models import Municipality
from prevention.models import Measure, MeasureStatus
from regbank_app import site
from registry.models import CardStatus, Family, Minor

log = logging.getLogger("regbank.health")


@login_not_required
@transaction.non_atomic_requests
@never_cache
@require_GET
def health(request):
    """Liveness and database check for the load balancer and monitoring (no login)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as exc:
        log.error("health: database unreachable", extra={"error": str(exc)})
        checks["database"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "site": site.site_code(), "checks": checks},
        status=200 if healthy else 503,
    )


def home(request):
    user = request.user
    context = {}
    if user.sees_cards:
        families = Family.objects.visible_to(user)
        minors = Minor.objects.visible_to(user)
        measures = Measure.objects.visible_to(user)
        if user.is_agency:
            measures = measures.filter(agency_id=user.agency_id)
        context.update(
            families_on_record=families.filter(status=CardStatus.ON_RECORD).count(),
            minors_on_record=minors.filter(status=CardStatus.ON_RECORD).count(),
            open_measures=measures.filter(status=MeasureStatus.PLANNED).count(),
            overdue_measures=measures.overdue().count(),
        )
    if user.is_regional:
        on_record = Q(status=CardStatus.ON_RECORD)
        family_counts = dict(
            Family.objects.filter(on_record).values_list("mo").annotate(n=Count("id"))
        )
        minor_counts = dict(
            Minor.objects.filter(on_record).values_list("mo").annotate(n=Count("id"))
        )
        context["by_mo"] = [
            (mo, family_counts.get(mo.pk, 0), minor_counts.get(mo.pk, 0))
            for mo in Municipality.objects.all()
        ]
    return render(request, "home.html", context)
