"""The officer's import page: templates, upload, the preview of every problem, the load."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render

from regbank_app.crud import require_card_keeper

from .blank import template_book
from .checking import Scope
from .forms import UploadForm
from .kinds import KINDS
from .loading import load
from .reading import MAX_FILE_BYTES, FileRefused

PROBLEMS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def index(request):
    mo = require_card_keeper(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "kinds": KINDS.values(), "mo": mo, "limit_mb": MAX_FILE_BYTES >> 20}
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
                Scope(mo),
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
    require_card_keeper(request)
    if kind not in KINDS:
        raise Http404("Нет такого шаблона.")
    response = HttpResponse(template_book(KINDS[kind]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="shablon-{kind}.xlsx"'
    return response
