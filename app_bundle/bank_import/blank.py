"""The downloadable XLSX templates: a data sheet with Russian headers and one example
row, and an instruction sheet (what each column takes)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from directory.models import Ground, GroundKind
from regbank_app.spreadsheet import cells

from .kinds import FAMILIES, Kind
from .reading import INSTRUCTION_SHEET


def template_book(kind: Kind) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = kind.sheet
    sheet.append([c.header for c in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 2)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(INSTRUCTION_SHEET)
    notes.column_dimensions["A"].width = 34
    notes.column_dimensions["B"].width = 14
    notes.column_dimensions["C"].width = 30
    notes.column_dimensions["D"].width = 80
    notes.append([f"Шаблон загрузки: {kind.title}"])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([])
    for rule in kind.instructions:
        notes.append(["", "", "", rule])
    notes.append([])
    notes.append(["Столбец", "Обязательный", "Пример", "Что указывать"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        what = column.note or {"date": "дата ДД.ММ.ГГГГ", "bool": "да или нет"}.get(
            column.parse, f"текст до {column.max_length} знаков"
        )
        required = "да" if column.required else ""
        notes.append([column.header, required, column.example, what])
    if any(column.parse == "ground" for column in kind.columns):
        notes.append([])
        notes.append(["Основания постановки на учёт (код — наименование)"])
        notes[notes.max_row][0].font = Font(bold=True)
        card_kind = "family" if kind is FAMILIES else "minor"
        for ground in Ground.objects.for_card(card_kind).filter(kind=GroundKind.REGISTRATION):
            notes.append(cells([ground.code, "", "", ground.name]))
    for row in notes.iter_rows(min_row=3):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
