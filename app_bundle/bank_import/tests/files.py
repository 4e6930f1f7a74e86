"""Import files for the tests: the sample region's cards of one МО as rows, written as
XLSX or as Excel's Windows-1251 CSV, and the bad files an officer may upload."""

from __future__ import annotations

import csv
import datetime
import io
import random
import zipfile

from openpyxl import Workbook

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Фёдоров"]
MEN = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Артём", "Илья", "Кирилл"]
WOMEN = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Ирина", "Дарья", "Софья"]
STREETS = ["Ленина", "Мира", "Советская", "Садовая", "Школьная", "Лесная"]


def _female(surname):
    return surname[:-1] + "ова" if surname.endswith("ов") and surname[-2] == "о" else surname + "а"


def family_rows(count: int, seed: int = 1) -> list[dict]:
    """Rows of the families template: `count` families of 2–4 members each."""
    rnd = random.Random(seed)  # noqa: S311 - test data, repeatable
    rows = []
    for n in range(1, count + 1):
        surname = rnd.choice(SURNAMES)
        address = f"г. Образцов, ул. {rnd.choice(STREETS)}, д. {n}, кв. {rnd.randint(1, 90)}"
        family = {
            "№ семьи": str(n),
            "Фамилия семьи": surname + "ы",
            "Адрес регистрации": address,
            "Адрес фактического проживания": address,
            "Телефон семьи": f"+7 900 {n:03d}-00-00",
            "Многодетная": rnd.choice(["да", "нет"]),
            "Неполная": "нет",
            "Малоимущая": rnd.choice(["да", "нет", ""]),
            "Обстоятельства СОП": "Родители не исполняют обязанности по воспитанию",
            "Дата постановки на учёт": datetime.date(2023, 1 + n % 12, 1 + n % 27),
            "Основание постановки": rnd.choice(["R01", "R02"]),
            "Постановление о постановке": f"№ {n}/1 от 01.02.2023",
        }
        members = [
            ("мать", _female(surname), rnd.choice(WOMEN), datetime.date(1985 + n % 10, 3, 4)),
            ("сын", surname, rnd.choice(MEN), datetime.date(2010 + n % 8, 5, 6)),
        ]
        members += [("дочь", _female(surname), WOMEN[k], None) for k in range(n % 3)]
        for k, (relation, last, first, born) in enumerate(members):
            row = dict(family) if k == 0 else {"№ семьи": str(n)}
            row |= {
                "Родство": relation,
                "Фамилия": last,
                "Имя": first,
                "Отчество": "Петровна" if relation != "сын" else "Петрович",
                "Дата рождения": born,
                "Законный представитель": "да" if relation == "мать" else "нет",
                "Место работы (учёбы)": "МБОУ СОШ № 2" if relation != "мать" else "",
            }
            rows.append(row)
    return rows


def minor_rows(count: int, seed: int = 2) -> list[dict]:
    rnd = random.Random(seed)  # noqa: S311 - test data, repeatable
    rows = []
    for n in range(1, count + 1):
        male = n % 2 == 0
        surname = rnd.choice(SURNAMES)
        rows.append(
            {
                "Фамилия": surname if male else _female(surname),
                "Имя": rnd.choice(MEN if male else WOMEN)
                + ("" if n < 400 else f"-{n}"),  # unique past 420 rows
                "Отчество": "Игоревич" if male else "Игоревна",
                "Дата рождения": datetime.date(2008 + n % 10, 1 + n % 12, 1 + n % 28),
                "Пол": "м" if male else "ж",
                "Адрес регистрации": f"г. Образцов, ул. {rnd.choice(STREETS)}, д. {n}",
                "Адрес фактического проживания": "",
                "Образовательная организация": "МБОУ СОШ № 1",
                "Класс (группа)": f"{1 + n % 11} «А»",
                "Обстоятельства СОП": "Пропуски занятий без уважительной причины",
                "Дата постановки на учёт": datetime.date(2024, 1 + n % 12, 1 + n % 28),
                "Основание постановки": "R01",
                "Постановление о постановке": f"№ {n} от 10.01.2024",
            }
        )
    return rows


def headers(kind):
    return [c.header for c in kind.columns]


def xlsx(kind, rows, *, dates_as_cells=True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = kind.sheet
    sheet.append(headers(kind))
    for row in rows:
        values = []
        for header in headers(kind):
            value = row.get(header, "")
            if isinstance(value, datetime.date) and not dates_as_cells:
                value = value.strftime("%d.%m.%Y")
            values.append(value)
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def excel_csv(kind, rows, encoding="cp1251") -> bytes:
    """What Excel writes for «CSV (разделители — точка с запятой)» on a Russian Windows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers(kind))
    for row in rows:
        values = []
        for header in headers(kind):
            value = row.get(header, "")
            if isinstance(value, datetime.date):
                value = value.strftime("%d.%m.%Y")
            values.append(value)
        writer.writerow(values)
    return buffer.getvalue().encode(encoding, errors="replace")  # № is not in KOI8-R


def with_formula(kind, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers(kind))
    sheet.append([row_value for row_value in rows[0].values()][:1] + ["=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_merged_cells(kind, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers(kind))
    sheet.append(["Иванов", "Пётр"])
    sheet.merge_cells("A2:B2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A .xlsx whose sheet unpacks to 60 MB of spaces (about 60 KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    return buffer.getvalue()


def empty_rows(kind, count: int) -> bytes:
    """A real workbook whose sheet has `count` empty rows under the header."""
    book = xlsx(kind, [])
    source = zipfile.ZipFile(io.BytesIO(book))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                rows = "".join(f'<row r="{n}"/>' for n in range(2, count + 2)).encode()
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            target.writestr(info, data)
    return buffer.getvalue()
