"""The import page: templates, upload, the preview of every problem, the load.

Each user sees the kinds he may load: a municipal officer his МО's card files (at the
МО's home site); at the regional server, the regional officer the agencies, and whoever
keeps accounts the users (a municipal officer only his МО's officers and specialists).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from regbank_app import site
from regbank_app.crud import require_card_keeper
from regbank_app.roles import Role

from .blank import template_book
from .checking import Scope
from .forms import UploadForm
from .kinds import AGENCIES, CARD_KINDS, KINDS, USERS
from .loading import load
from .reading import MAX_FILE_BYTES, FileRefused

PROBLEMS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def allowed(request) -> tuple[dict, object]:
    """({kind slug: the scope its rows may take}, the МО whose card files the user keeps
    here or None); 403 when there is nothing the user may load here."""
    user = request.user
    scopes, mo = {}, None
    try:
        mo = require_card_keeper(request)
    except PermissionDenied as exc:
        refused = exc
    else:
        scopes |= {kind.slug: Scope(mo) for kind in CARD_KINDS}
    if site.masters_reference_data():
        if user.is_regional:
            scopes[AGENCIES.slug] = Scope(None)
        if user.manages_users:
            scopes[USERS.slug] = (
                Scope(None)
                if user.is_regional
                else Scope(user.mo, roles=(Role.MUNICIPAL, Role.AGENCY))
            )
    if not scopes:
        raise refused
    return scopes, mo


def index(request):
    scopes, mo = allowed(request)
    kinds = [kind for kind in KINDS.values() if kind.slug in scopes]
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    context = {"form": form, "kinds": kinds, "mo": mo, "limit_mb": MAX_FILE_BYTES >> 20}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = KINDS[form.cleaned_data["kind"]]
        write = "commit" in request.POST
        context["filename"] = upload.name
        try:
            if upload.size > MAX_FILE_BYTES:
                raise FileRefused(
                    f"Файл {upload.size / 1024 / 1024:.1f} МБ больше допустимых "
                    f"{MAX_FILE_BYTES >> 20} МБ. Разделите его на несколько файлов."
                )
            checked, written = load(
                upload.read(),
                upload.name,
                kind,
                scopes[kind.slug],
                write=write,
                request=request,
                user=request.user,
            )
        except FileRefused as exc:
            context["refused"] = str(exc)
            return render(request, "bank_import/index.html", context)
        context |= {
            "checked": checked,
            "written": written,
            "problems": checked.problems[:PROBLEMS_SHOWN],
            "more_problems": max(0, len(checked.problems) - PROBLEMS_SHOWN),
        }
        if written:
            messages.success(
                request,
                f"Загружено: {written['summary']}; "
                f"пропущено (уже в банке): {len(checked.skipped)}.",
            )
    return render(request, "bank_import/index.html", context)


def template(request, kind):
    scopes, _ = allowed(request)
    if kind not in scopes:
        raise Http404("Нет такого шаблона.")
    response = HttpResponse(template_book(KINDS[kind]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="shablon-{kind}.xlsx"'
    return response
