"""Activity analytics: five views of the audit trail per МО, their exports and the report.

Regional officers see every МО; municipal officers see their own МО against the regional
average, and only their own МО's users. The analytics need every МО's events, which only
the regional server holds: a municipal server points to it.
Viewing is not audited (it is not personal data); every export is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from directory.models import Municipality
from regbank_app import site
from regbank_app.audit_trail import Action, record

from . import charts, export, formats, pdf, queries, reports, svgchart
from .forms import AnalyticsForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _require_analyst(request):
    user = request.user
    if not (user.is_regional or (user.is_municipal and user.mo_id)):
        raise PermissionDenied(
            "Аналитика доступна региональному специалисту и специалистам КДН и ЗП."
        )


def _regional_only(request):
    return render(request, "analytics/regional_only.html", status=200)


def _view_def(slug):
    try:
        return reports.BY_SLUG[slug]
    except KeyError as exc:
        raise Http404 from exc


def _form(request, slug):
    return AnalyticsForm(request.GET or None, viewer=request.user, view=slug)


def _report(request, slug):
    """(form, report or None)."""
    form = _form(request, slug)
    if not form.is_valid():
        return form, None
    return form, reports.build(slug, form.selection())


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("download", None)
    return query.urlencode()


def _audit_export(request, report, fmt, what=""):
    record(
        request,
        Action.EXPORT,
        details={
            "object_type": "analytics",
            "view": what or report.view.slug,
            "format": fmt,
            "filters": dict(report.selection.described),
        },
    )


def index(request):
    _require_analyst(request)
    if not site.is_regional():
        return _regional_only(request)
    return render(
        request,
        "analytics/index.html",
        {"views": reports.VIEWS, "query": _query(request), "pdf": pdf.available()},
    )


def view(request, slug):
    _require_analyst(request)
    if not site.is_regional():
        return _regional_only(request)
    view_def = _view_def(slug)
    form, report = _report(request, slug)
    years = queries.data_years()
    return render(
        request,
        "analytics/view.html",
        {
            "view": view_def,
            "views": reports.VIEWS,
            "form": form,
            "report": report,
            "rows": _table(report) if report else [],
            "chart": _inline_svg(report) if report else "",
            "query": _query(request),
            "years": years,
            "pdf": pdf.available(),
        },
        status=200 if report else 400,
    )


def _inline_svg(report):
    return svgchart.render(report.chart)  # safe markup: built by format_html


def _table(report):
    return [(row, report.formatted(row)[1:]) for row in [*report.rows, *report.summary]]


def chart(request, slug, fmt):
    _require_analyst(request)
    if not site.is_regional():
        raise Http404
    _view_def(slug)
    form, report = _report(request, slug)
    if report is None:
        return HttpResponse("Неверные параметры отбора.", status=400, content_type="text/plain")
    if fmt == "svg":
        body = svgchart.render(report.chart).encode("utf-8")
    else:
        body = charts.render(report.chart, fmt)  # PNG: matplotlib
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    if request.GET.get("download"):
        _audit_export(request, report, fmt)
        response["Content-Disposition"] = f'attachment; filename="{export.filename(report, fmt)}"'
    return response


def table_export(request, slug, fmt):
    _require_analyst(request)
    if not site.is_regional():
        raise Http404
    _view_def(slug)
    form, report = _report(request, slug)
    if report is None:
        return HttpResponse("Неверные параметры отбора.", status=400, content_type="text/plain")
    _audit_export(request, report, fmt)
    region = settings.REGBANK_REGION_NAME
    if fmt == "csv":
        body = export.csv_text(report, region, request.user).encode("utf-8")
    else:
        body = export.xlsx_bytes(report, region, request.user)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report, fmt)}"'
    return response


def _printable(request, slugs):
    """(context, first report) of the printable report, or (form with errors, None)."""
    built = []
    first_form = None
    for slug in slugs:
        form, report = _report(request, slug)
        first_form = first_form or form
        if report is None:
            return form, None
        built.append({"report": report, "rows": _table(report), "svg": _inline_svg(report)})
    context = {
        "sections": built,
        "made": timezone.localtime(),
        "viewer": request.user,
        "described": built[0]["report"].selection.described,
        "period": formats.period(
            built[0]["report"].selection.start, built[0]["report"].selection.end
        ),
        "title": reports.BY_SLUG[slugs[0]].title if len(slugs) == 1 else "Все представления",
        "region_name": settings.REGBANK_REGION_NAME,
        "query": _query(request),
        "single": slugs[0] if len(slugs) == 1 else "",
        "pdf": pdf.available(),
    }
    return context, built[0]["report"]


def report(request, slug=None):
    _require_analyst(request)
    if not site.is_regional():
        return _regional_only(request)
    slugs = [_view_def(slug).slug] if slug else [v.slug for v in reports.VIEWS]
    context, first = _printable(request, slugs)
    if first is None:
        return render(
            request,
            "analytics/view.html",
            {"form": context, "view": reports.BY_SLUG[slugs[0]], "views": reports.VIEWS},
            status=400,
        )
    response = render(request, "analytics/report.html", context)
    # The printable page's styles and charts are inline: its own policy, sent as a
    # header so that nginx's stricter site-wide policy steps aside (roles/nginx).
    response["Content-Security-Policy"] = REPORT_CSP
    return response


def report_pdf(request, slug=None):
    _require_analyst(request)
    if not site.is_regional():
        raise Http404
    slugs = [_view_def(slug).slug] if slug else [v.slug for v in reports.VIEWS]
    context, first = _printable(request, slugs)
    if first is None:
        return HttpResponse("Неверные параметры отбора.", status=400, content_type="text/plain")
    if not pdf.available():
        return render(request, "analytics/no_pdf.html", {"query": _query(request)}, status=503)
    context["for_pdf"] = True
    html = render_to_string("analytics/report.html", context, request=request)
    try:
        body = pdf.html_to_pdf(html)
    except pdf.PdfError as exc:
        return render(
            request,
            "analytics/no_pdf.html",
            {"query": _query(request), "error": str(exc)},
            status=503,
        )
    _audit_export(request, first, "pdf", what="" if slug else "report")
    response = HttpResponse(body, content_type=CONTENT_TYPES["pdf"])
    name = (
        export.filename(first, "pdf")
        if slug
        else export.filename(first, "pdf").replace(
            f"-{first.view.number}-{first.view.slug}", "-report"
        )
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def users(request):
    """Activity of one МО's users (regional: any МО; municipal: own МО only)."""
    _require_analyst(request)
    if not site.is_regional():
        return _regional_only(request)
    user = request.user
    if user.is_regional:
        code = request.GET.get("mo_code", "")
        mo = Municipality.objects.filter(code=code).first()
        if mo is None:
            raise Http404
    else:
        mo = user.mo
    form = AnalyticsForm(request.GET or None, viewer=user, view="users")
    rows = []
    if form.is_valid():
        sel = form.selection()
        flt = queries.EventFilter(
            mo_ids=(mo.pk,),
            agency_kind=sel.flt.agency_kind,
            agency_id=sel.flt.agency_id,
            user_ids=sel.flt.user_ids,
            actions=sel.flt.actions,
        )
        counts = queries.count_events(flt, sel.start, sel.end, ("user", "entry"))
        per_user: dict = {}
        for (user_id, entry), n in counts.items():
            v = per_user.setdefault(user_id, [0, 0])
            v[0] += n
            if entry:
                v[1] += n
        people = {
            u.pk: u for u in User.objects.filter(pk__in=per_user, mo=mo).select_related("agency")
        }
        for user_id, (total, entry) in per_user.items():
            person = people.get(user_id)
            if person is None:
                continue  # never a name from another МО
            rows.append(
                (
                    person,
                    formats.integer(total),
                    formats.integer(entry),
                    formats.percent(entry * 100 / total if total else None),
                    total,
                )
            )
        rows.sort(key=lambda r: -r[4])
    return render(
        request,
        "analytics/users.html",
        {
            "form": form,
            "mo": mo,
            "rows": rows,
            "query": _query(request),
            "views": reports.VIEWS,
            "mo_hidden": [("mo_code", mo.code)] if user.is_regional else [],
        },
        status=200 if form.is_valid() else 400,
    )
