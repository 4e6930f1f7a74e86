"""Import of agencies and user accounts: at the regional server, by who keeps them, each
row checked, written whole or not at all, an import event per record, nothing twice."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts.models import Role, User
from audit.models import Action, AuditEvent
from bank_import.kinds import AGENCIES, USERS
from directory.models import Agency, AgencyType
from regbank_app.testing import factories

from . import files
from .test_import import assert_problem

pytestmark = pytest.mark.django_db

URL = "/import/"

AGENCY_ROWS = [
    {"МО": "МО-1", "Вид": "Образование", "Наименование": "МБОУ СОШ № 77",
     "Краткое наименование": "СОШ № 77"},
    {"МО": "", "Вид": "социальная защита", "Наименование": "ГБУ «Центр помощи детям»"},
    {"МО": "MO-2", "Вид": "police", "Наименование": "ОП № 3 ОМВД России по МО-2"},
]  # fmt: skip

USER_ROWS = [
    {"Имя входа": "kdn.mo1", "Фамилия": "Сидорова", "Имя": "Анна", "Роль": "специалист КДН и ЗП",
     "МО": "МО-1", "Ведёт учётные записи": "да"},
    {"Имя входа": "school77", "Фамилия": "Белова", "Имя": "Ирина", "Роль": "субъект профилактики",
     "Субъект профилактики": "Управление образования МО-1", "Должность": "методист",
     "Электронная почта": "belova@example.org"},
    {"Имя входа": "region.analyst", "Фамилия": "Орлова", "Имя": "Вера",
     "Роль": "Региональный специалист"},
    {"Имя входа": "audit.mo2", "Фамилия": "Кротов", "Имя": "Олег", "Роль": "аудитор", "МО": "МО-2"},
]  # fmt: skip


def upload(client, kind, rows, *, commit=True):
    data = files.excel_csv(kind, rows)
    form = {"kind": kind.slug, "file": SimpleUploadedFile(f"{kind.slug}.csv", data)}
    form["commit" if commit else "check"] = "1"
    response = client.post(URL, form)
    assert response.status_code == 200
    return response.content.decode()


def imported(model):
    return AuditEvent.objects.filter(
        action=Action.IMPORT, object_type=model._meta.label_lower
    ).count()


def test_the_regional_officer_loads_agencies_once(client):
    client.force_login(factories.user(Role.REGIONAL, None))
    before = Agency.objects.count()
    existing = factories.agency("MO-1", AgencyType.POLICE)
    bad = [
        *AGENCY_ROWS,
        {"МО": "МО-99", "Вид": "образование", "Наименование": "Школа"},
        {"МО": "МО-1", "Вид": "цирк", "Наименование": "Цирк"},
        {"МО": "МО-1", "Вид": "образование", "Наименование": "мбоу  сош № 77"},
        {"МО": "МО-1", "Вид": "ПДН", "Наименование": existing.name},
    ]
    page = upload(client, AGENCIES, bad)
    assert_problem(page, 5, "МО", "нет такого МО в справочнике")
    assert_problem(page, 6, "Вид", "нет такого вида субъекта профилактики")
    assert_problem(page, 7, "Наименование", "повторяет строку 2")
    assert Agency.objects.count() == before and imported(Agency) == 0
    page = upload(client, AGENCIES, [*AGENCY_ROWS, bad[-1]])
    assert "субъектов профилактики 3" in page and "уже есть в банке" in page
    school = Agency.objects.get(name="МБОУ СОШ № 77")
    assert (school.mo.code, school.type, school.short_name) == ("MO-1", "education", "СОШ № 77")
    assert Agency.objects.get(name="ГБУ «Центр помощи детям»").mo is None
    event = AuditEvent.objects.get(action=Action.IMPORT, object_id=school.pk)
    assert event.changes["name"]["new"] == "МБОУ СОШ № 77" and event.details["row"] == 2
    upload(client, AGENCIES, AGENCY_ROWS)  # again: nothing new
    assert Agency.objects.count() == before + 3 and imported(Agency) == 3


def test_the_regional_officer_loads_accounts_of_every_role(client):
    manager = factories.user(Role.REGIONAL, None, can_manage_users=True)
    client.force_login(manager)
    factories.user(Role.AGENCY, "MO-1", username="Taken.Name")
    bad = [
        *USER_ROWS,
        {"Имя входа": "иванова", "Фамилия": "Иванова", "Имя": "Анна", "Роль": "аудитор"},
        {"Имя входа": "x1", "Фамилия": "Х", "Имя": "Х", "Роль": "директор"},
        {"Имя входа": "x2", "Фамилия": "Х", "Имя": "Х", "Роль": "субъект профилактики"},
        {"Имя входа": "x3", "Фамилия": "Х", "Имя": "Х", "Роль": "региональный", "МО": "МО-1"},
        {"Имя входа": "x4", "Фамилия": "Х", "Имя": "Х", "Роль": "КДН"},
        {"Имя входа": "x5", "Фамилия": "Х", "Имя": "Х", "Роль": "субъект профилактики",
         "Субъект профилактики": "ЦРБ МО-1", "Ведёт учётные записи": "да"},
        {"Имя входа": "x6", "Фамилия": "Х", "Имя": "Х", "Роль": "аудитор",
         "Электронная почта": "не почта"},
        {"Имя входа": "KDN.MO1", "Фамилия": "Х", "Имя": "Х", "Роль": "аудитор"},
        {"Имя входа": "taken.name", "Фамилия": "Х", "Имя": "Х", "Роль": "аудитор"},
    ]  # fmt: skip
    users_before = User.objects.count()
    page = upload(client, USERS, bad)
    assert_problem(page, 6, "Имя входа", "латинские буквы, цифры и знаки")
    assert_problem(page, 7, "Роль", "нет такой роли")
    assert_problem(page, 8, "Субъект профилактики", "обязательное поле не заполнено")
    assert_problem(page, 9, "МО", "у регионального специалиста МО не указывается")
    assert_problem(page, 10, "МО", "для специалиста КДН и ЗП укажите МО")
    assert_problem(page, 11, "Ведёт учётные записи", "только региональный специалист")
    assert_problem(page, 12, "Электронная почта", "не адрес электронной почты")
    assert_problem(page, 13, "Имя входа", "повторяет строку 2")
    assert "учётная запись taken.name уже есть в банке" in page
    assert User.objects.count() == users_before
    page = upload(client, USERS, USER_ROWS)
    assert "учётных записей 4" in page and "задайте каждому пользователю временный пароль" in page
    kdn = User.objects.get(username="kdn.mo1")
    assert (kdn.role, kdn.mo.code, kdn.agency.type) == (Role.MUNICIPAL, "MO-1", "kdn")
    assert kdn.can_manage_users and kdn.must_change_password
    assert not kdn.has_usable_password()
    school = User.objects.get(username="school77")
    assert (school.mo.code, school.agency.short_name) == ("MO-1", "Управление образования МО-1")
    assert User.objects.get(username="region.analyst").mo is None
    assert User.objects.get(username="audit.mo2").mo.code == "MO-2"
    event = AuditEvent.objects.get(action=Action.IMPORT, object_id=school.pk)
    assert event.user == manager and event.changes["email"]["new"] == "belova@example.org"
    assert "password" not in event.changes
    upload(client, USERS, USER_ROWS)
    assert imported(User) == 4


def test_a_municipal_officer_loads_only_his_mos_officers_and_specialists(client):
    officer = factories.user(Role.MUNICIPAL, "MO-1", can_manage_users=True)
    client.force_login(officer)
    rows = [
        {"Имя входа": "kdn.two", "Фамилия": "Котова", "Имя": "Анна", "Роль": "КДН и ЗП"},
        {"Имя входа": "ppms1", "Фамилия": "Рыбина", "Имя": "Анна", "Роль": "субъект профилактики",
         "Субъект профилактики": "ППМС-центр МО-1"},
    ]  # fmt: skip
    bad = [
        *rows,
        {"Имя входа": "other", "Фамилия": "Х", "Имя": "Х", "Роль": "КДН", "МО": "МО-2"},
        {"Имя входа": "boss", "Фамилия": "Х", "Имя": "Х", "Роль": "региональный специалист"},
        {"Имя входа": "police2", "Фамилия": "Х", "Имя": "Х", "Роль": "субъект профилактики",
         "Субъект профилактики": "ПДН ОМВД МО-2"},
    ]  # fmt: skip
    page = upload(client, USERS, bad)
    assert_problem(page, 4, "МО", "можно загружать только пользователей МО-1")
    assert_problem(page, 5, "Роль", "вы не можете создавать такие роли")
    assert_problem(page, 6, "Субъект профилактики", "нет такого субъекта профилактики в МО-1")
    page = upload(client, USERS, rows)
    assert "учётных записей 2" in page
    loaded = User.objects.filter(username__in=["kdn.two", "ppms1"])
    assert sorted(loaded.values_list("mo__code", "role")) == [
        ("MO-1", Role.AGENCY), ("MO-1", Role.MUNICIPAL)
    ]  # fmt: skip
    # agencies are the regional officer's; without the accounts flag, no users either
    assert client.get(URL + "template/agencies.xlsx").status_code == 404
    client.force_login(factories.user(Role.MUNICIPAL, "MO-1"))
    assert client.get(URL + "template/users.xlsx").status_code == 404
    assert client.get(URL + "template/minors.xlsx").status_code == 200


def test_reference_data_is_loaded_at_the_regional_server_only(client, tmp_path):
    manager = factories.user(Role.REGIONAL, None, can_manage_users=True)
    client.force_login(manager)
    path = tmp_path / "agencies.csv"
    path.write_bytes(files.excel_csv(AGENCIES, AGENCY_ROWS))
    with factories.at_site("MO-3"):
        assert client.get(URL).status_code == 403
        with pytest.raises(CommandError, match="загружаются на региональном сервере"):
            call_command("import_cards", "agencies", str(path))
    call_command("import_cards", "agencies", str(path), "--user", manager.username)
    assert Agency.objects.filter(name="МБОУ СОШ № 77").exists() and imported(Agency) == 3


def test_the_templates_of_agencies_and_users(client):
    client.force_login(factories.user(Role.REGIONAL, None, can_manage_users=True))

    for kind in (AGENCIES, USERS):
        response = client.get(f"{URL}template/{kind.slug}.xlsx")
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == [kind.sheet, "Инструкция"]
        assert [c.value for c in book[kind.sheet][1]] == files.headers(kind)
    notes = " ".join(str(c.value) for row in book["Инструкция"] for c in row if c.value)
    assert "Пароли в файл не пишутся" in notes
