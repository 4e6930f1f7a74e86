"""Completeness control: the figures per МО and agency, the list behind each figure,
exports, and the thresholds (regional officer)."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from regbank_app import audit_trail, site
from regbank_app.audit_trail import Action

from . import report
from .checks import BY_SLUG
from .export import table_response
from .forms import ThresholdsForm
from .models import Thresholds

PAGE_SIZE = 50
FORMATS = ("csv", "xlsx")


def _require_reader(request):
    if not request.user.sees_cards:
        raise PermissionDenied("Контроль полноты недоступен для вашей роли.")


def _share(figure) -> str:
    return "" if figure.share is None else f"{figure.share:.1f}"


def index(request):
    _require_reader(request)
    data = report.build(request.user)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header = ["МО"]
        for check in data.checks:
            header += [check.title, f"{check.title}, %"]
        rows = [
            [row.label, *[v for f in row.figures for v in (round(f.found, 1), _share(f))]]
            for row in data.by_mo + ([data.region] if data.region else [])
        ]
        audit_trail.record(request, Action.EXPORT, details={"report": "quality", "format": fmt})
        return table_response(fmt, f"polnota-{data.today:%Y-%m-%d}", header, rows)
    return render(
        request,
        "quality/index.html",
        {"report": data, "can_set": _can_set_thresholds(request.user)},
    )


def _link(obj) -> str:
    """The page a record is read on: its own, or its plan's or family's."""
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    return (obj.plan if hasattr(obj, "plan") else obj.family).get_absolute_url()


def _columns(check, obj) -> list:
    if check.by_agency:  # measures: who is late, and since when
        return [str(obj), obj.mo.name, str(obj.agency), obj.due_date.strftime("%d.%m.%Y")]
    return [str(obj), obj.mo.name]


def _header(check) -> list[str]:
    extra = ["Ответственный субъект профилактики", "Срок исполнения"] if check.by_agency else []
    return [check.title, "МО", *extra]


def records(request, slug):
    _require_reader(request)
    check = BY_SLUG.get(slug)
    if check is None:
        raise Http404("Нет такого показателя.")
    base = check.model.objects.visible_to(request.user).select_related("mo")
    found = check.records(base, datetime.date.today(), Thresholds.current())
    mo, agency = request.GET.get("mo", ""), request.GET.get("agency", "")
    if mo:
        found = found.filter(mo__code=mo)
    if agency and check.by_agency:
        try:
            found = found.filter(agency_id=uuid.UUID(agency)).select_related("agency")
        except ValueError as exc:
            raise Http404("Нет такого субъекта профилактики.") from exc
    elif check.by_agency:
        found = found.select_related("agency")
    fmt = request.GET.get("format")
    details = {"quality_check": slug, "mo": mo, "agency": agency}
    if fmt in FORMATS:
        audit_trail.record(request, Action.EXPORT, details=details | {"format": fmt})
        rows = [_columns(check, obj) for obj in found.iterator(chunk_size=2000)]
        return table_response(fmt, slug, _header(check), rows)
    page = Paginator(found.order_by("mo__sort_order", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_trail.record(request, Action.SEARCH, details=details | {"found": page.paginator.count})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "quality/records.html",
        {
            "check": check,
            "page": page,
            "header": _header(check),
            "items": [(_link(obj), _columns(check, obj)) for obj in page],
            "query": query.urlencode(),
            "mo": mo,
        },
    )


def _can_set_thresholds(user) -> bool:
    return user.is_regional and site.masters_reference_data()


def thresholds(request):
    if not _can_set_thresholds(request.user):
        raise PermissionDenied(
            "Пороги устанавливает региональный специалист на региональном сервере."
        )
    current = Thresholds.current()
    before = audit_trail.snapshot(current)
    form = ThresholdsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        if current._state.adding:
            audit_trail.create(request, form.instance)
        else:
            audit_trail.update(request, form.instance, before)
        messages.success(request, "Пороги сохранены.")
        return redirect("quality:index")
    return render(request, "quality/thresholds.html", {"form": form})
