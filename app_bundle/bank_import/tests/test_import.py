"""Import through the officer's page and the command, on the test PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from bank_import.kinds import FAMILIES, MINORS, PLANS
from directory.models import AgencyType
from prevention.models import Measure, Plan
from regbank_app.testing import factories
from registry.models import CardStatus, Family, FamilyMember, Minor, Registration

from . import files

pytestmark = pytest.mark.django_db

URL = "/import/"
# the sample region's МО-1 (directory/sample_region.py): 32 families, 49 minors
FAMILY_ROWS = files.family_rows(32)
MINOR_ROWS = files.minor_rows(49)


@pytest.fixture
def kdn1(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1")
    client.force_login(officer)
    return officer


def upload(client, kind, data, name, *, commit=True):
    form = {"kind": kind.slug, "file": SimpleUploadedFile(name, data)}
    form["commit" if commit else "check"] = "1"
    response = client.post(URL, form)
    assert response.status_code == 200
    return response


def assert_problem(page: str, row: int, column: str, text: str) -> None:
    """The preview's table names the problem by row and column."""
    cell = f"<tr><td>{row}</td><td>{re.escape(column)}</td><td>[^<]*{re.escape(text)}"
    assert re.search(cell, page), (row, column, text)


def counts():
    return (
        Family.objects.count(),
        FamilyMember.objects.count(),
        Minor.objects.count(),
        Registration.objects.count(),
        AuditEvent.objects.filter(action=Action.IMPORT).count(),
    )


def bank():
    """The bank's cards as plain values (numbers and keys aside)."""
    families = {
        (
            f.mo.code,
            f.family_name,
            f.address_actual,
            f.phone,
            f.is_large,
            f.is_low_income,
            f.status,
            tuple(
                (r.registered_on, r.registration_ground.code, r.registration_resolution)
                for r in f.registrations.all()
            ),
            tuple(
                sorted(
                    (m.relation, m.last_name, m.first_name, m.middle_name, m.birth_date or 0)
                    for m in f.members.all()
                )
            ),
        )
        for f in Family.objects.select_related("mo")
    }
    minors = {
        (
            m.mo.code,
            m.last_name,
            m.first_name,
            m.birth_date,
            m.sex,
            m.class_group,
            m.status,
            tuple((r.registered_on, r.registration_ground.code) for r in m.registrations.all()),
        )
        for m in Minor.objects.select_related("mo")
    }
    return families, minors


def imported_bank(client, families: tuple[bytes, str], minors: tuple[bytes, str]):
    """Import both files, read the bank, and roll back."""
    with transaction.atomic():
        upload(client, FAMILIES, *families)
        upload(client, MINORS, *minors)
        seen = bank()
        transaction.set_rollback(True)
    return seen


def test_xlsx_and_windows_1251_csv_give_the_same_bank(client, kdn1):
    from_xlsx = imported_bank(
        client,
        (files.xlsx(FAMILIES, FAMILY_ROWS), "семьи.xlsx"),
        (files.xlsx(MINORS, MINOR_ROWS), "несовершеннолетние.xlsx"),
    )
    from_csv = imported_bank(
        client,
        (files.excel_csv(FAMILIES, FAMILY_ROWS), "семьи.csv"),
        (files.excel_csv(MINORS, MINOR_ROWS), "несовершеннолетние.csv"),
    )
    assert len(from_xlsx[0]) == 32 and len(from_xlsx[1]) == 49
    assert from_xlsx == from_csv
    family = next(iter(from_xlsx[0]))
    assert family[0] == "MO-1" and family[6] == CardStatus.ON_RECORD


def test_every_record_is_an_import_event_and_a_second_import_adds_nothing(client, kdn1):
    before = counts()
    response = upload(client, FAMILIES, files.xlsx(FAMILIES, FAMILY_ROWS), "семьи.xlsx")
    members = len(FAMILY_ROWS)
    assert counts()[:2] == (before[0] + 32, before[1] + members)
    events = AuditEvent.objects.filter(action=Action.IMPORT)
    assert events.count() == before[4] + 32 + 32 + members  # cards, registrations, members
    event = events.filter(object_type="registry.family").first()
    assert event.user_id == kdn1.pk and event.object_mo.code == "MO-1"
    assert event.details["file"] == "семьи.xlsx" and event.details["row"] >= 2
    assert event.changes["family_name"]["new"]
    assert not AuditEvent.objects.filter(action=Action.CREATE, object_type="registry.family")
    numbers = list(Family.objects.filter(mo__code="MO-1").values_list("seq", flat=True))
    assert sorted(numbers) == list(range(1, 33))
    assert "Загружено: карточек 32, постановок на учёт 32" in response.content.decode()
    family = Family.objects.get(mo__code="MO-1", seq=1)
    history = client.get(f"/families/{family.pk}/history/").content.decode()
    assert "Импорт (первичное заполнение)" in history

    after_first = counts()
    response = upload(client, FAMILIES, files.excel_csv(FAMILIES, FAMILY_ROWS), "семьи.csv")
    assert counts() == after_first
    assert "уже в банке (будут пропущены): 32" in response.content.decode()


def test_the_preview_names_every_problem_by_row_and_column_and_writes_nothing(client, kdn1):
    rows = [dict(r) for r in MINOR_ROWS[:5]]
    rows[0]["Дата рождения"] = "вчера"  # row 2
    rows[1]["Пол"] = "средний"  # row 3
    rows[2]["Основание постановки"] = "R99"  # row 4
    rows[3]["Фамилия"] = ""  # row 5
    rows.append(dict(rows[4]))  # row 7 repeats row 6
    rows.append(dict(MINOR_ROWS[6], МО="МО-2"))  # row 8: another МО
    before = counts()
    page = upload(client, MINORS, files.excel_csv(MINORS, rows), "с ошибками.csv").content
    page = page.decode()
    assert counts() == before
    assert "Файл не загружен, ничего не записано" in page
    for row, column, text in [
        (2, "Дата рождения", "«вчера» — не дата"),
        (3, "Пол", "ожидается «м» или «ж»"),
        (4, "Основание постановки", "нет такого основания"),
        (5, "Фамилия", "обязательное поле не заполнено"),
        (7, "Фамилия", "повторяет строку 6"),
        (8, "МО", "можно загружать только записи МО-1"),
    ]:
        assert_problem(page, row, column, text)
    # check only: a clean file is reported, not written
    upload(client, MINORS, files.excel_csv(MINORS, MINOR_ROWS), "m.csv", commit=False)
    assert counts() == before


def test_dates_typed_as_text_in_xlsx_are_read(client, kdn1):
    data = files.xlsx(MINORS, MINOR_ROWS[:3], dates_as_cells=False)
    upload(client, MINORS, data, "m.xlsx")
    assert Minor.objects.filter(mo__code="MO-1").count() == 3


BAD_FILES = {
    "utf-16": (
        lambda: files.excel_csv(MINORS, MINOR_ROWS, encoding="utf-16"),
        "m.csv",
        "UTF-16",
    ),
    "koi8-r": (
        lambda: files.excel_csv(MINORS, MINOR_ROWS, encoding="koi8-r"),
        "m.csv",
        "проверьте кодировку",
    ),
    "formula": (lambda: files.with_formula(MINORS, MINOR_ROWS), "m.xlsx", "формула"),
    "merged cells": (
        lambda: files.with_merged_cells(MINORS, MINOR_ROWS),
        "m.xlsx",
        "объединённые ячейки",
    ),
    "50 MB": (lambda: b"a;b\r\n" * (50 * 1024 * 1024 // 5), "m.csv", "больше допустимых 20 МБ"),
    "zip bomb": (files.zip_bomb, "m.xlsx", "после распаковки слишком велик"),
    "not a workbook": (lambda: b"MZ\x90\x00" * 100, "m.xlsx", "не является книгой Excel"),
    "1 000 000 empty rows": (
        lambda: files.empty_rows(MINORS, 1_000_000),
        "m.xlsx",
        "больше 100 000 строк",
    ),
    "text in a date column": (
        lambda: files.xlsx(MINORS, [dict(MINOR_ROWS[0], **{"Дата рождения": "весной"})]),
        "m.xlsx",
        "«весной» — не дата",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_its_message_and_nothing_written(client, kdn1, case):
    make, name, message = BAD_FILES[case]
    before = counts()
    page = upload(client, MINORS, make(), name).content.decode()
    assert message in page
    assert "ничего не записано" in page.lower()
    assert counts() == before


def test_only_a_municipal_officer_at_its_home_site_imports_cards(client):
    for user in (
        factories.user(Role.AGENCY, "MO-1"),
        factories.user(Role.MUNICIPAL, "MO-3"),  # MO-3 keeps its cards on its own server
    ):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(URL + "template/minors.xlsx").status_code == 403
    # the regional officer loads agencies (bank_import/tests/test_import_reference.py),
    # never cards
    client.force_login(factories.user(Role.REGIONAL, None))
    assert client.get(URL + "template/minors.xlsx").status_code == 404
    before = counts()
    data = files.excel_csv(MINORS, MINOR_ROWS[:2])
    form = {"kind": "minors", "file": SimpleUploadedFile("дети.csv", data), "commit": "1"}
    page = client.post(URL, form).content.decode()
    assert "Выберите корректный вариант" in page and counts() == before


def test_the_template_has_russian_headers_and_an_instruction_sheet(client, kdn1):
    response = client.get(URL + "template/families.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Семьи", "Инструкция"]
    assert [c.value for c in book["Семьи"][1]] == files.headers(FAMILIES)
    notes = "\n".join(str(c.value) for row in book["Инструкция"] for c in row if c.value)
    assert "Дата постановки на учёт" in notes and "R01" in notes
    # the template itself, filled in, is a valid import file
    sheet = book["Семьи"]
    for row in (r for r in FAMILY_ROWS if r["№ семьи"] in {"1", "2"}):
        sheet.append([row.get(h, "") for h in files.headers(FAMILIES)])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(client, FAMILIES, buffer.getvalue(), "шаблон.xlsx")
    assert Family.objects.filter(mo__code="MO-1").count() == 2
    book = load_workbook(io.BytesIO(client.get(URL + "template/plans.xlsx").content))
    assert book.sheetnames == ["Планы ИПР", "Инструкция"]
    assert [c.value for c in book["Планы ИПР"][1]] == files.headers(PLANS)


def test_the_command_loads_a_file_with_a_progress_bar(tmp_path, capsys):
    author = factories.user(Role.MUNICIPAL, "MO-2", username="kdn2")
    rows = [dict(r, МО="MO-2") for r in MINOR_ROWS]
    path = tmp_path / "несовершеннолетние.csv"
    path.write_bytes(files.excel_csv(MINORS, rows))
    call_command("import_cards", "minors", str(path), "--user", "kdn2")
    out, err = capsys.readouterr()
    assert "новых записей 49" in out
    assert "49/49" in err
    assert Minor.objects.filter(mo__code="MO-2", created_by=author).count() == 49
    call_command("import_cards", "minors", str(path), "--mo", "MO-2")
    assert "уже в банке 49" in capsys.readouterr().out

    bad = tmp_path / "bomb.xlsx"
    bad.write_bytes(files.zip_bomb())
    with pytest.raises(CommandError, match="Ничего не записано"):
        call_command("import_cards", "minors", str(bad), "--mo", "MO-2")
    wrong_mo = tmp_path / "mo1.csv"
    wrong_mo.write_bytes(files.excel_csv(MINORS, [dict(MINOR_ROWS[0], МО="MO-1")]))
    with pytest.raises(CommandError, match="ошибок 1"):
        call_command("import_cards", "minors", str(wrong_mo), "--mo", "MO-2")


def test_plans_with_measures_are_imported_by_card_number(client, kdn1):
    family = factories.family("MO-1", family_name="Плановые")
    minor = factories.minor("MO-1", last_name="Плановый")
    other = factories.family("MO-2", family_name="Чужие")
    school = factories.agency("MO-1", AgencyType.EDUCATION)
    police = factories.agency("MO-1", AgencyType.POLICE)
    plan = {"Начало": "01.03.2024", "Окончание": "28.02.2030", "Цели и задачи": "Цели"}
    rows = [
        {"№ плана": "1", "Номер карточки": family.number, **plan, "Мероприятие": "Контроль",
         "Ответственный субъект профилактики": school.name, "Срок исполнения": "31.05.2024"},
        {"№ плана": "1", "Мероприятие": "Беседа", "Ответственный субъект профилактики":
         police.short_name or police.name, "Срок исполнения": "31.12.2029"},
        {"№ плана": "2", "Номер карточки": f"Н-{minor.seq:05d}", **plan, "Мероприятие": "Досуг",
         "Ответственный субъект профилактики": school.name, "Срок исполнения": "01.06.2024"},
    ]  # fmt: skip
    before = (Plan.objects.count(), Measure.objects.count())
    page = upload(client, PLANS, files.excel_csv(PLANS, rows), "планы.csv").content.decode()
    assert "планов ИПР 2, мероприятий 3" in page
    assert (Plan.objects.count(), Measure.objects.count()) == (before[0] + 2, before[1] + 3)
    assert family.plans.get().measures.count() == 2 and minor.plans.get().created_by == kdn1
    events = AuditEvent.objects.filter(action=Action.IMPORT, object_type="prevention.measure")
    assert sorted(e.details["row"] for e in events) == [2, 3, 4]
    upload(client, PLANS, files.excel_csv(PLANS, rows), "планы.csv")
    assert (Plan.objects.count(), Measure.objects.count()) == (before[0] + 2, before[1] + 3)

    bad = [
        dict(rows[0], **{"Номер карточки": "МО-1/С-99999"}),  # row 2
        dict(rows[0], **{"№ плана": "3", "Номер карточки": other.number}),  # row 3
        dict(
            rows[2],
            **{
                "№ плана": "4",
                "Начало": "02.03.2024",
                "Ответственный субъект профилактики": "Нет такого",
            },
        ),  # fmt: skip
        dict(rows[2], **{"№ плана": "5", "Окончание": "01.01.2024"}),  # row 5
        dict(rows[2], **{"№ плана": "6", "Начало": "01.01.2099"}),  # row 6: in the future
    ]
    page = upload(client, PLANS, files.excel_csv(PLANS, bad), "плохие.csv").content.decode()
    for row, column, text in [
        (2, "Номер карточки", "в картотеке МО-1 нет такой карточки"),
        (3, "Номер карточки", "можно загружать только планы по карточкам МО-1"),
        (4, "Ответственный субъект профилактики", "нет такого субъекта профилактики"),
        (5, "Окончание", "раньше начала плана"),
        (6, "Начало", "дата 01.01.2099 позже сегодняшней"),
    ]:
        assert_problem(page, row, column, text)
    assert (Plan.objects.count(), Measure.objects.count()) == (before[0] + 2, before[1] + 3)
