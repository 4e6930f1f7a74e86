"""The summary «МО, которым нужна помощь» (regional officer, regional server), and its
CSV and XLSX exports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from analytics import formats
from quality.export import table_response
from regbank_app import site
from regbank_app.audit_trail import Action, record

from . import summary
from .forms import PeriodForm

FORMATS = ("csv", "xlsx")
HEADER = [
    "Место",
    "МО",
    "Признаков",
    "Признаки",
    "Всего действий",
    "Изменение к прошлому году, %",
    "Доля ввода, %",
    "Учётные единицы к среднему, %",
    "Ввод к среднему, %",
    "Ввод на учётную единицу",
    "К среднему по региону, %",
    "Сегмент",
    "Последняя выездная проверка",
    "Рекомендаций просрочено",
    "Последняя сверка: совпало, %",
]


def _require_regional(request):
    if not request.user.is_regional:
        raise PermissionDenied("Сводка доступна региональному специалисту.")


def _number(value, places: int = 1):
    return None if value is None else round(value, places)


def _cells(row: summary.MoRow) -> list:
    visit = row.last_visit
    return [
        row.rank,
        row.mo.name,
        len(row.reasons),
        "; ".join(reason.text for reason in row.reasons),
        row.actions,
        _number(row.change),
        _number(row.entry_share),
        _number(row.units_pct),
        _number(row.entries_pct),
        _number(row.per_unit, 2),
        _number(row.index),
        row.segment_label,
        formats.date(visit.date) if visit else "—",
        row.overdue,
        _number(row.reconciliation_share),
    ]


def index(request):
    _require_regional(request)
    if not site.is_regional():
        return render(request, "support/regional_only.html")
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "support/index.html", {"form": form}, status=400)
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    data = summary.build(request.user, start, end)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        record(
            request,
            Action.EXPORT,
            details={"report": "support", "format": fmt, "period": data.period_label},
        )
        rows = [_cells(row) for row in data.rows]
        return table_response(fmt, f"mo-pomosch-{start:%Y-%m-%d}-{end:%Y-%m-%d}", HEADER, rows)
    return render(
        request,
        "support/index.html",
        {
            "form": form,
            "summary": data,
            "rules": summary.RULES,
            "query": f"date_from={start}&date_to={end}",
        },
    )
