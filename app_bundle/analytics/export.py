"""A view's table as CSV (UTF-8 with BOM, `;`, decimal comma: opens in Russian Excel) or
XLSX (numbers as numbers), each headed by the view's name, period, filters and date."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from regbank_app.spreadsheet import cells, text_cell

from . import formats
from .reports import Report

NUMBER_FORMATS = {"int": "#,##0", "dec": "#,##0.0", "pct": "0.0", "signed_pct": "+0.0;-0.0;0.0"}
NUMBER_FORMATS["signed_int"] = "+#,##0;-#,##0;0"


def heading(report: Report, region_name: str, viewer) -> list[list[str]]:
    made = timezone.localtime().strftime("%d.%m.%Y %H:%M")
    lines = [
        [f"{report.view.number}. {report.view.title}"],
        [region_name],
        [f"Сформировано {made}, {viewer.full_name}"],
    ]
    lines += [[f"{label}: {value}"] for label, value in report.selection.described]
    return lines


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("int", "signed_int"):
        return str(round(value))
    if kind in ("dec", "pct", "signed_pct"):
        return f"{value:.1f}".replace(".", ",")
    return text_cell(str(value))


def csv_text(report: Report, region_name: str, viewer) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for line in heading(report, region_name, viewer):
        writer.writerow(cells(line))
    writer.writerow([])
    writer.writerow(cells(c.label for c in report.columns))
    for row in [*report.rows, *report.summary]:
        writer.writerow(
            [text_cell(row.label)]
            + [_csv_value(v, kind) for v, kind in zip(row.values, report.kinds(row), strict=True)]
        )
    for note in report.notes:
        writer.writerow([text_cell(note)])
    return "\ufeff" + buffer.getvalue()


def xlsx_bytes(report: Report, region_name: str, viewer) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Представление {report.view.number}"
    bold = Font(bold=True)
    for line in heading(report, region_name, viewer):
        sheet.append(cells(line))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(cells(c.label for c in report.columns))
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in [*report.rows, *report.summary]:
        values = [text_cell(row.label)]
        for value in row.values:
            values.append(text_cell(round(value, 1) if isinstance(value, float) else value))
        sheet.append(values)
        for cell, kind in zip(sheet[sheet.max_row][1:], report.kinds(row), strict=True):
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
        if row.kind != "mo":
            sheet.cell(sheet.max_row, 1).font = bold
    for note in report.notes:
        sheet.append([text_cell(note)])
    sheet.column_dimensions["A"].width = 34
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report: Report, ext: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    period = formats.period(report.selection.start, report.selection.end).replace("–", "-")
    period = period.replace(".", "")
    return f"analytics-{report.view.number}-{report.view.slug}-{period}-{stamp}.{ext}"
