"""Reading an uploaded XLSX or CSV file into a table of text cells, within limits.

A file an officer uploads is untrusted: it may be huge, a zip bomb named .xlsx, a sheet
formatted down to row 1 048 576, a CSV in an unknown encoding. Everything here reads
with fixed limits and raises `FileRefused` with a Russian message naming the problem
before anything is written.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_FILE_BYTES = 20 * 1024 * 1024  # a 10 000-row file is about 1 MB
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # the XML inside an XLSX, all parts together
MAX_RATIO = 200  # unpacked / packed size of one part of an XLSX
MAX_ROWS = 100_000  # rows read from a sheet or a CSV, empty ones included
MAX_COLUMNS = 100


class FileRefused(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class Table:
    """Header and data rows of one sheet; `rows` are (row number in the file, cells)."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    source: str = ""  # "XLSX" or "CSV (Windows-1251, «;»)", shown in the preview


def read_table(data: bytes, filename: str, sheet: str | None = None) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(
            f"Файл {len(data) / 1024 / 1024:.1f} МБ больше допустимых "
            f"{MAX_FILE_BYTES // 1024 // 1024} МБ. Разделите его на несколько файлов."
        )
    if not data.strip():
        raise FileRefused("Файл пуст.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, sheet)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data)
    raise FileRefused("Принимаются файлы XLSX (Excel) и CSV. Файлы XLS сохраните как XLSX.")


# --- XLSX ----------------------------------------------------------------------------------
def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileRefused(
            "Файл назван .xlsx, но не является книгой Excel (XLSX). "
            "Откройте его в Excel и сохраните как «Книга Excel (*.xlsx)»."
        ) from exc
    total = 0
    with archive:
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise FileRefused(
                    "Файл XLSX после распаковки слишком велик (сжатие не похоже на таблицу). "
                    "Такой файл не загружается."
                )
            if info.filename.startswith("xl/worksheets/") and _has_merged_cells(archive, info):
                raise FileRefused(
                    "В таблице есть объединённые ячейки. Отмените объединение "
                    "(«Объединить и поместить в центре») и загрузите файл снова."
                )


def _has_merged_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    # read_only worksheets do not expose merged ranges: look for the element in the XML
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(1024 * 1024):
            if b"<mergeCell " in tail + chunk or b"<x:mergeCell " in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileRefused("Книга Excel повреждена или сохранена не в формате XLSX.") from exc
    try:
        names = [n for n in book.sheetnames if n != INSTRUCTION_SHEET]
        if sheet and sheet in book.sheetnames:
            name = sheet
        elif names:
            name = names[0]
        else:
            raise FileRefused("В книге нет листа с данными.")
        table = Table(header=[], source=f"XLSX, лист «{name}»")
        worksheet = book[name]
        worksheet.reset_dimensions()  # the stored size may lie: read every row, to the limit
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            if number > MAX_ROWS + 1:
                raise FileRefused(
                    f"На листе «{name}» больше {MAX_ROWS:,} строк (с пустыми). ".replace(",", " ")
                    + "Удалите пустые строки ниже таблицы или разделите файл."
                )
            cells = []
            for column, cell in enumerate(row[:MAX_COLUMNS], start=1):
                if getattr(cell, "data_type", None) == "f":
                    raise FileRefused(
                        f"Лист «{name}», строка {number}, столбец {column}: в ячейке формула. "
                        "Замените формулы значениями (Копировать → Вставить значения)."
                    )
                cells.append(_cell_text(cell.value))
            _add_row(table, number, cells)
        return _finished(table)
    finally:
        book.close()


# --- CSV -----------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise FileRefused(
            "Файл CSV в неподдерживаемой кодировке (похоже на UTF-16). "
            "Сохраните его как «CSV UTF-8» или «CSV (разделители — точка с запятой)»."
        )
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "Кодировка файла CSV не распознана: ожидается UTF-8 или Windows-1251."
        ) from exc


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    shown = {";": "«;»", ",": "«,»", "\t": "табуляция"}[delimiter]
    table = Table(header=[], source=f"CSV ({encoding}, разделитель {shown})")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                raise FileRefused(f"В файле больше {MAX_ROWS} строк. Разделите его на части.")
            cells = [cell.strip() for cell in row[:MAX_COLUMNS]]
            for column, cell in enumerate(cells, start=1):
                if cell.startswith("="):
                    raise FileRefused(
                        f"Строка {number}, столбец {column}: значение начинается с «=» "
                        "(формула). Формулы не принимаются."
                    )
            _add_row(table, number, cells)
    except csv.Error as exc:
        raise FileRefused(f"Файл CSV не читается: {exc}.") from exc
    return _finished(table)


# --- both ----------------------------------------------------------------------------------
INSTRUCTION_SHEET = "Инструкция"


def _add_row(table: Table, number: int, cells: list[str]) -> None:
    while cells and not cells[-1]:
        cells.pop()
    if not table.header:
        if cells:
            table.header = [" ".join(c.split()) for c in cells]
        return
    if cells:
        table.rows.append((number, cells))


def _finished(table: Table) -> Table:
    if not table.header:
        raise FileRefused("В файле нет строки заголовков.")
    if not table.rows:
        raise FileRefused("В файле нет строк с данными под заголовками.")
    return table
