from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from regbank_app.audit_trail import record

from . import export
from .forms import EventFilterForm
from .models import Action, AuditEvent

PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # beyond it the row offset overflows PostgreSQL's bigint


def _events(request):
    if not request.user.sees_audit:
        raise PermissionDenied("Журнал действий недоступен для вашей роли.")
    form = EventFilterForm(request.GET or None, viewer=request.user)
    events = AuditEvent.objects.visible_to(request.user)
    if form.is_bound:
        events = form.apply(events)
    return form, events.select_related("mo", "agency", "object_mo").order_by("-time", "-id")


def event_list(request):
    form, events = _events(request)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    if page > MAX_PAGE:
        raise Http404("Нет такой страницы журнала.")
    # no COUNT over millions of rows: fetch one extra to know if there is a next page
    start = (page - 1) * PAGE_SIZE
    rows = list(events[start : start + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "events": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )


def export_events(request, fmt):
    form, events = _events(request)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "events": []}, status=400)
    # the export covers the events up to this moment, not its own record
    events = events.filter(time__lte=timezone.now())
    total = events.count()
    if fmt == "xlsx" and total > export.XLSX_MAX_ROWS:
        return render(
            request,
            "audit/too_many.html",
            {"total": total, "limit": export.XLSX_MAX_ROWS},
            status=400,
        )
    record(
        request,
        Action.EXPORT,
        details={
            "object_type": "audit.auditevent",
            "format": fmt,
            "rows": total,
            "filters": form.described() if form.is_bound else {},
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(
            export.csv_lines(events), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            export.xlsx_bytes(events),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


def event_detail(request, pk):
    if not request.user.sees_audit:
        raise PermissionDenied

    event = get_object_or_404(
        AuditEvent.objects.visible_to(request.user).select_related("mo", "agency", "object_mo"),
        id=pk,
    )
    return render(
        request,
        "audit/event_detail.html",
        {"event": event, "object_type": export.object_type_label(event.object_type)},
    )
