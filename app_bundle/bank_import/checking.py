"""Every row of a file checked before anything is written: the preview's problems.

`check` turns a `reading.Table` into new cards (unsaved objects, with their
registrations and members) and a list of problems named by row and column. Cards that
the bank already holds are skipped, so a file imported twice adds nothing.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import User
from directory.models import Agency, AgencyType, Ground, GroundKind, Municipality
from prevention.models import Measure, Plan
from regbank_app import site
from regbank_app.roles import Role
from registry.models import CardStatus, Family, FamilyMember, Minor, Registration, Relation, Sex

from .kinds import AGENCIES, FAMILIES, MINORS, PLANS, USERS, Column, Kind
from .reading import Table


@dataclass(frozen=True)
class Problem:
    row: int  # row number in the file (1 is the header)
    column: str  # the column's header, or "" for the whole row
    message: str


@dataclass
class NewCard:
    """One card to create, with what is created with it, and the rows it came from."""

    card: Family | Minor
    registration: Registration
    members: list[FamilyMember] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def layers(self) -> tuple[list, ...]:
        """What is written, in the order the foreign keys need."""
        return [self.card], [self.registration], self.members


@dataclass
class NewPlan:
    """An ИПР plan to create with its measures, and the rows they came from."""

    plan: Plan
    measures: list[Measure] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def layers(self) -> tuple[list, ...]:
        return [self.plan], self.measures


@dataclass
class NewRecord:
    """An agency or a user account to create, and its row."""

    record: Agency | User
    rows: list[int] = field(default_factory=list)

    def layers(self) -> tuple[list, ...]:
        return ([self.record],)


@dataclass
class Checked:
    kind: Kind
    source: str
    rows: int = 0
    cards: list[NewCard | NewPlan | NewRecord] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def records(self) -> int:
        return sum(len(layer) for new in self.cards for layer in new.layers())


class Scope:
    """Where the rows may go: the МО of a municipal officer, or the МО named on the
    command line; `mo=None` (the engineer's whole-region load) takes the МО column.
    `roles`: the roles of the accounts a file may create (a municipal officer: his МО's
    КДН officers and agency specialists), None for any."""

    def __init__(self, mo: Municipality | None, roles: tuple[str, ...] | None = None):
        self.mo = mo
        self.roles = roles

    def resolve(self, named: Municipality | None) -> tuple[Municipality | None, str]:
        if named is None:
            if self.mo is None:
                return None, "укажите МО"
            return self.mo, ""
        if self.mo is not None and named.pk != self.mo.pk:
            return None, f"можно загружать только записи {self.mo.name}"
        if not site.is_home_of(named):
            return None, (f"картотека {named.name} ведётся {site.home_site_label(named)}")
        return named, ""


# --- cells ---------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


YES = {"да", "д", "1", "+", "true", "yes"}
NO = {"нет", "н", "0", "-", "false", "no", ""}
SEXES = {"м": Sex.MALE, "муж": Sex.MALE, "мужской": Sex.MALE}
SEXES |= {"ж": Sex.FEMALE, "жен": Sex.FEMALE, "женский": Sex.FEMALE}
RELATIONS = {_norm(label): value for value, label in Relation.choices}
RELATIONS |= {"опекун": Relation.GUARDIAN, "попечитель": Relation.GUARDIAN}
RELATIONS |= {"сожитель": Relation.PARTNER, "сожительница": Relation.PARTNER}
ROLES = {_norm(label): value for value, label in Role.choices}
ROLES |= {_norm(word): Role.REGIONAL for word in ("региональный", "regional")}
ROLES |= {_norm(word): Role.MUNICIPAL for word in ("специалист КДН и ЗП", "КДН и ЗП", "КДН")}
ROLES |= {_norm(word): Role.AGENCY for word in ("субъект профилактики", "специалист субъекта")}
ROLES |= {"auditor": Role.AUDITOR, "municipal": Role.MUNICIPAL, "agency": Role.AGENCY}
AGENCY_TYPES = {_norm(label): value for value, label in AgencyType.choices}
AGENCY_TYPES |= {value: value for value in AgencyType.values}
AGENCY_TYPES |= {_norm("КДН"): AgencyType.KDN, _norm("ПДН"): AgencyType.POLICE}
USERNAME = re.compile(r"^[A-Za-z0-9._-]+$")
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")
CARD_NUMBER = re.compile(r"^(?:(.+)/)?([СНCHсн])-?(\d{1,9})$")
PREFIXES = {"С": "family", "C": "family", "Н": "minor", "H": "minor"}


class Directories:
    """МО and grounds by code or name (read once per file)."""

    def __init__(self, kind: Kind):
        card_kind = "family" if kind is FAMILIES else "minor"
        self.mo = {}
        for mo in Municipality.objects.filter(is_active=True):
            for key in (mo.code, mo.name, mo.full_name):
                if key:
                    self.mo[_norm(key)] = mo
        self.agencies = {}  # (МО id or None for the region's, name): agency
        self.kdn = {}  # МО id: its КДН и ЗП
        for agency in Agency.objects.filter(is_active=True).select_related("mo"):
            for name in (agency.name, agency.short_name):
                if name:
                    self.agencies[(agency.mo_id, _norm(name))] = agency
            if agency.type == AgencyType.KDN and agency.mo_id:
                self.kdn.setdefault(agency.mo_id, agency)
        self.grounds = {}
        for ground in Ground.objects.for_card(card_kind).filter(kind=GroundKind.REGISTRATION):
            self.grounds[_norm(ground.code)] = ground
            self.grounds[_norm(ground.name)] = ground


REQUIRED = "обязательное поле не заполнено"


def parse_cell(column: Column, text: str, directories: Directories, *, required=True):
    """(value, problem message or ""); `required=False` leaves the required check to
    the caller (a family's fields, required in the first row of the family only)."""
    if not text:
        return (False if column.parse == "bool" else None), (
            REQUIRED if column.required and required else ""
        )
    if column.parse == "text":
        if len(text) > column.max_length:
            return None, f"длиннее {column.max_length} знаков ({len(text)})"
        return text, ""
    if column.parse == "date":
        for fmt in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if day > datetime.date.today() and not column.future:
                return None, f"дата {text} позже сегодняшней"
            if day.year < 1900:
                return None, f"дата {text} раньше 1900 года"
            return day, ""
        return None, f"«{text[:40]}» — не дата; ожидается ДД.ММ.ГГГГ"
    key = _norm(text)
    if column.parse == "card":
        match = CARD_NUMBER.match(text.replace(" ", ""))
        if not match:
            return None, f"«{text[:40]}»: ожидается номер карточки, например МО-1/С-00001"
        mo_name, prefix, seq = match.groups()
        return (_norm(mo_name) if mo_name else None, PREFIXES[prefix.upper()], int(seq)), ""
    if column.parse == "agency":
        if len(text) > column.max_length:
            return None, f"длиннее {column.max_length} знаков ({len(text)})"
        return key, ""  # matched once the card's МО is known
    if column.parse == "username":
        if not USERNAME.match(text) or len(text) > column.max_length:
            return None, f"«{text[:40]}»: латинские буквы, цифры и знаки . _ -"
        return text, ""
    if column.parse == "email":
        try:
            validate_email(text)
        except ValidationError:
            return None, f"«{text[:60]}» — не адрес электронной почты"
        return text, ""
    if column.parse == "bool":
        if key in YES or key in NO:
            return key in YES, ""
        return None, f"«{text[:40]}»: ожидается «да» или «нет»"
    table, what = {
        "sex": (SEXES, "ожидается «м» или «ж»"),
        "relation": (RELATIONS, "нет такой степени родства"),
        "ground": (directories.grounds, "нет такого основания постановки в справочнике"),
        "mo": (directories.mo, "нет такого МО в справочнике"),
        "role": (ROLES, "нет такой роли"),
        "agency_type": (AGENCY_TYPES, "нет такого вида субъекта профилактики"),
    }[column.parse]
    if key in table:
        return table[key], ""
    return None, f"«{text[:60]}»: {what}"


# --- rows ----------------------------------------------------------------------------------
def _header_problems(table: Table, kind: Kind) -> tuple[dict[str, int], list[Problem]]:
    known = {_norm(c.header): c for c in kind.columns}
    positions, problems = {}, []
    for index, header in enumerate(table.header):
        column = known.get(_norm(header))
        if column is None:
            problems.append(Problem(1, header, "неизвестный столбец"))
        elif column.key in positions:
            problems.append(Problem(1, header, "столбец повторяется"))
        else:
            positions[column.key] = index
    missing = [c.header for c in kind.columns if c.required and c.key not in positions]
    if missing:
        problems.append(
            Problem(
                1,
                "",
                "нет обязательных столбцов: " + ", ".join(f"«{h}»" for h in missing) + ". "
                f"Файл должен быть составлен по шаблону «{kind.title}»; для CSV проверьте "
                "кодировку (UTF-8 или Windows-1251) и разделитель.",
            )
        )
    return positions, problems


def _parse_rows(table, kind, positions, directories, scope, problems):
    per_group = {FAMILIES: FAMILY_KEYS, PLANS: PLAN_KEYS}.get(kind, ())
    for number, cells in table.rows:
        values, row_ok = {}, True
        if len(cells) > len(table.header):
            problems.append(Problem(number, "", "значения правее последнего заголовка"))
            row_ok = False
        for column in kind.columns:
            index = positions.get(column.key)
            text = cells[index] if index is not None and index < len(cells) else ""
            value, message = parse_cell(
                column, text, directories, required=column.key not in per_group
            )
            if message:
                problems.append(Problem(number, column.header, message))
                row_ok = False
            values[column.key] = value
        if "mo" in values and not kind.reference:  # card files: kept at the МО's home site
            mo, message = scope.resolve(values["mo"])
            if message:
                problems.append(Problem(number, "МО", message))
                row_ok = False
            values["mo"] = mo
        yield number, values, row_ok


def _registration(values, mo) -> Registration:
    return Registration(
        mo=mo,
        registered_on=values["registered_on"],
        registration_ground=values["registration_ground"],
        registration_resolution=values["registration_resolution"] or "",
    )


def _card_fields(card, values, names):
    for name in names:
        setattr(card, name, values[name] if values[name] is not None else "")
    card.status = CardStatus.ON_RECORD  # its one registration has no end


CARD_TEXT = ("address_registration", "address_actual", "circumstances")
FAMILY_FIELDS = ("family_name", "phone", *CARD_TEXT)
FAMILY_FLAGS = ("is_large", "is_single_parent", "is_low_income")
MINOR_FIELDS = ("last_name", "first_name", "middle_name", "institution", "class_group")
FAMILY_KEYS = (*FAMILY_FIELDS, *FAMILY_FLAGS, "mo", "registered_on", "registration_ground")


def _family_key(mo_id, family_name, address_actual):
    return (mo_id, _norm(family_name), _norm(address_actual or ""))


def _minor_key(mo_id, last_name, first_name, birth_date):
    return (mo_id, _norm(last_name), _norm(first_name), birth_date)


def _is_new(checked, key, number, seen, in_bank, column, name) -> bool:
    """A card to create? A repeat within the file is a problem; one the bank holds is
    skipped, so a file imported again adds nothing."""
    if key in seen:
        checked.problems.append(Problem(number, column, f"{name}: повторяет строку {seen[key]}"))
        return False
    seen[key] = number
    if key in in_bank:
        checked.skipped.append((number, f"{name} уже есть в банке"))
        return False
    return True


def _check_families(checked, rows):
    groups = _groups(rows)
    mo_ids = {v["mo"].pk for rows in groups.values() for _, v, _ in rows if v["mo"]}
    in_bank = {
        _family_key(*key)
        for key in Family.objects.filter(mo_id__in=mo_ids).values_list(
            "mo_id", "family_name", "address_actual"
        )
    }
    seen: dict[tuple, int] = {}
    for group, members in groups.items():
        first_number, first, _ = members[0]
        if not _group_problems(checked, FAMILY_KEYS, members, group, "той же семьи"):
            continue
        key = _family_key(first["mo"].pk, first["family_name"], first["address_actual"])
        name = f"семья {first['family_name']}"
        if not _is_new(checked, key, first_number, seen, in_bank, "Фамилия семьи", name):
            continue
        family = Family(mo=first["mo"])
        _card_fields(family, first, FAMILY_FIELDS)
        for flag in FAMILY_FLAGS:
            setattr(family, flag, first[flag])
        new = NewCard(family, _registration(first, first["mo"]), rows=[n for n, _, _ in members])
        people = {}
        for number, values, _ in members:
            person = (_norm(values["last_name"]), _norm(values["first_name"]), values["birth_date"])
            if person in people:
                checked.problems.append(
                    Problem(number, "Фамилия", f"член семьи повторяет строку {people[person]}")
                )
                continue
            people[person] = number
            new.members.append(
                FamilyMember(
                    mo=family.mo,
                    family=family,
                    relation=values["relation"],
                    last_name=values["last_name"],
                    first_name=values["first_name"],
                    middle_name=values["middle_name"] or "",
                    birth_date=values["birth_date"],
                    is_legal_representative=values["is_legal_representative"],
                    occupation=values["occupation"] or "",
                    phone=values["member_phone"] or "",
                )
            )
        checked.cards.append(new)


def _check_minors(checked, rows):
    rows = list(rows)
    mo_ids = {v["mo"].pk for _, v, ok in rows if v["mo"]}
    in_bank = {
        _minor_key(*key)
        for key in Minor.objects.filter(mo_id__in=mo_ids).values_list(
            "mo_id", "last_name", "first_name", "birth_date"
        )
    }
    seen: dict[tuple, int] = {}
    for number, values, row_ok in rows:
        if not row_ok:
            continue
        key = _minor_key(
            values["mo"].pk, values["last_name"], values["first_name"], values["birth_date"]
        )
        name = f"несовершеннолетний {values['last_name']} {values['first_name']}"
        if not _is_new(checked, key, number, seen, in_bank, "Фамилия", name):
            continue
        minor = Minor(mo=values["mo"], birth_date=values["birth_date"], sex=values["sex"])
        _card_fields(minor, values, (*MINOR_FIELDS, *CARD_TEXT))
        checked.cards.append(NewCard(minor, _registration(values, values["mo"]), rows=[number]))


PLAN_KEYS = ("card", "start_date", "end_date", "goal", "approval")


def _groups(rows) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for number, values, row_ok in rows:
        if values["group"] is not None:
            groups[values["group"]].append((number, values, row_ok))
    return groups


def _group_problems(checked, keys, members, group, what) -> bool:
    """The group's own fields: required in its first row, the same in the others."""
    first_number, first, group_ok = members[0]
    for key in keys:
        column = checked.kind.column(key)
        if column.required and first[key] is None:
            checked.problems.append(Problem(first_number, column.header, REQUIRED))
            group_ok = False
    for number, values, _ in members[1:]:
        for key in keys:
            if values[key] not in (None, "", False) and values[key] != first[key]:
                checked.problems.append(
                    Problem(
                        number,
                        checked.kind.column(key).header,
                        f"отличается от строки {first_number} {what} № {group}",
                    )
                )
                group_ok = False
    return group_ok and all(ok for _, _, ok in members)


class Cards:
    """The bank's cards a file may name: those of the scope's МО (or every МО kept here)."""

    def __init__(self, scope: Scope, directories: Directories):
        self.scope = scope
        self.mo_by_name = directories.mo
        mos = [scope.mo] if scope.mo else list({m.pk: m for m in directories.mo.values()}.values())
        self.home = {mo.pk: mo for mo in mos if site.is_home_of(mo)}
        self.by_number = {}
        for model in (Family, Minor):
            for card in model.objects.filter(mo_id__in=self.home).select_related("mo"):
                self.by_number[(card.mo_id, card.kind, card.seq)] = card

    def find(self, number) -> tuple[Family | Minor | None, str]:
        mo_name, kind, seq = number
        if mo_name is None:
            if self.scope.mo is None:
                return None, "укажите МО в номере карточки (МО-1/С-00001)"
            mo = self.scope.mo
        else:
            mo = self.mo_by_name.get(mo_name)
            if mo is None or mo.pk not in self.home:
                where = self.scope.mo.name if self.scope.mo else "МО, которые ведутся здесь"
                return None, f"можно загружать только планы по карточкам {where}"
        card = self.by_number.get((mo.pk, kind, seq))
        if card is None:
            return None, f"в картотеке {mo.name} нет такой карточки"
        return card, ""


def _check_plans(checked, rows, scope, directories):
    groups = _groups(rows)
    cards = Cards(scope, directories)
    in_bank = set(
        Plan.objects.filter(mo_id__in=cards.home).values_list("family_id", "minor_id", "start_date")
    )
    seen: dict[tuple, int] = {}
    for group, members in groups.items():
        first_number, first, _ = members[0]
        if not _group_problems(checked, PLAN_KEYS, members, group, "того же плана"):
            continue
        card, message = cards.find(first["card"])
        if message:
            checked.problems.append(Problem(first_number, "Номер карточки", message))
            continue
        if first["end_date"] < first["start_date"]:
            checked.problems.append(Problem(first_number, "Окончание", "раньше начала плана"))
            continue
        family_id, minor_id = (card.pk, None) if card.kind == "family" else (None, card.pk)
        key = (family_id, minor_id, first["start_date"])
        name = f"план по карточке {card.number} с {first['start_date']:%d.%m.%Y}"
        if not _is_new(checked, key, first_number, seen, in_bank, "Номер карточки", name):
            continue
        plan = Plan(
            mo=card.mo,
            start_date=first["start_date"],
            end_date=first["end_date"],
            goal=first["goal"],
            approval=first["approval"] or "",
        )
        setattr(plan, card.kind, card)
        new = NewPlan(plan, rows=[n for n, _, _ in members])
        for number, values, _ in members:
            agency = directories.agencies.get((card.mo_id, values["agency"]))
            agency = agency or directories.agencies.get((None, values["agency"]))
            if agency is None:
                checked.problems.append(
                    Problem(
                        number,
                        "Ответственный субъект профилактики",
                        f"нет такого субъекта профилактики в {card.mo.name} и в регионе",
                    )
                )
                continue
            new.measures.append(
                Measure(
                    mo=card.mo,
                    plan=plan,
                    title=values["title"],
                    agency=agency,
                    executor=values["executor"] or "",
                    due_date=values["due_date"],
                )
            )
        checked.cards.append(new)


def _reference_mo(checked, number, values, scope) -> tuple[Municipality | None, bool]:
    """The МО of an agency or account row: the МО column, else the scope's (None: the
    region's level); (МО, row fits the scope)."""
    mo = values["mo"] or scope.mo
    if scope.mo is not None and (mo is None or mo.pk != scope.mo.pk):
        checked.problems.append(Problem(number, "МО", f"можно загружать только {scope.mo.name}"))
        return mo, False
    return mo, True


def _check_agencies(checked, rows, scope):
    rows = list(rows)
    in_bank = {(mo_id, _norm(name)) for mo_id, name in Agency.objects.values_list("mo_id", "name")}
    seen: dict[tuple, int] = {}
    for number, values, row_ok in rows:
        mo, fits = _reference_mo(checked, number, values, scope)
        if not (row_ok and fits):
            continue
        key = (mo.pk if mo else None, _norm(values["name"]))
        name = f"субъект профилактики «{values['name'][:80]}»"
        if not _is_new(checked, key, number, seen, in_bank, "Наименование", name):
            continue
        agency = Agency(
            mo=mo, type=values["type"], name=values["name"], short_name=values["short_name"] or ""
        )
        checked.cards.append(NewRecord(agency, rows=[number]))


def _user_agency(checked, number, values, mo, directories) -> tuple[Agency | None, bool]:
    """The account's agency: named (of its МО or the region's), a КДН officer's МО's КДН
    when none is named; (agency, row fine)."""
    role, named = values["role"], values["agency"]
    if named is None:
        if role == Role.AGENCY:
            checked.problems.append(Problem(number, "Субъект профилактики", REQUIRED))
            return None, False
        return (directories.kdn.get(mo.pk) if role == Role.MUNICIPAL else None), True
    mo_id = mo.pk if mo else None
    agency = directories.agencies.get((mo_id, named)) or directories.agencies.get((None, named))
    if agency is None and role == Role.AGENCY and mo is None:  # the agency names its МО
        found = [a for (_, name), a in directories.agencies.items() if name == named]
        agency = found[0] if len({a.pk for a in found}) == 1 else None
    if agency is None:
        where = f"в {mo.name} и в регионе" if mo else "в справочнике"
        checked.problems.append(
            Problem(number, "Субъект профилактики", f"нет такого субъекта профилактики {where}")
        )
        return None, False
    return agency, True


def _check_users(checked, rows, scope, directories):
    rows = list(rows)
    in_bank = {name.casefold() for name in User.objects.values_list("username", flat=True)}
    seen: dict[str, int] = {}
    for number, values, row_ok in rows:
        if not row_ok:
            continue
        role = values["role"]
        if scope.roles is not None and role not in scope.roles:
            checked.problems.append(Problem(number, "Роль", "вы не можете создавать такие роли"))
            continue
        if role == Role.REGIONAL and values["mo"] is not None:
            checked.problems.append(
                Problem(number, "МО", "у регионального специалиста МО не указывается")
            )
            continue
        mo = values["mo"] or (scope.mo if role != Role.REGIONAL else None)
        if role == Role.MUNICIPAL and mo is None:
            checked.problems.append(Problem(number, "МО", "для специалиста КДН и ЗП укажите МО"))
            continue
        agency, fine = _user_agency(checked, number, values, mo, directories)
        if not fine:
            continue
        if role == Role.MUNICIPAL and agency is not None and agency.mo_id != mo.pk:
            checked.problems.append(
                Problem(number, "Субъект профилактики", f"не относится к {mo.name}")
            )
            continue
        if role == Role.AGENCY:
            mo = agency.mo
        if scope.mo is not None and (mo is None or mo.pk != scope.mo.pk):
            checked.problems.append(
                Problem(number, "МО", f"можно загружать только пользователей {scope.mo.name}")
            )
            continue
        if values["can_manage_users"] and role not in (Role.REGIONAL, Role.MUNICIPAL):
            checked.problems.append(
                Problem(
                    number,
                    "Ведёт учётные записи",
                    "только региональный специалист или специалист КДН и ЗП",
                )
            )
            continue
        key = values["username"].casefold()
        name = f"учётная запись {values['username']}"
        if not _is_new(checked, key, number, seen, in_bank, "Имя входа", name):
            continue
        user = User(
            username=values["username"],
            role=role,
            mo=mo,
            agency=agency,
            can_manage_users=values["can_manage_users"],
            must_change_password=True,
        )
        for field_name in ("last_name", "first_name", "middle_name", "position", "email", "phone"):
            setattr(user, field_name, values[field_name] or "")
        user.set_unusable_password()  # a manager sets the temporary one: never in a file
        checked.cards.append(NewRecord(user, rows=[number]))


def check(table: Table, kind: Kind, scope: Scope) -> Checked:
    checked = Checked(kind=kind, source=table.source, rows=len(table.rows))
    positions, checked.problems = _header_problems(table, kind)
    if checked.problems:
        return checked
    directories = Directories(kind)
    rows = _parse_rows(table, kind, positions, directories, scope, checked.problems)
    if kind is FAMILIES:
        _check_families(checked, rows)
    elif kind is PLANS:
        _check_plans(checked, rows, scope, directories)
    elif kind is MINORS:
        _check_minors(checked, rows)
    elif kind is AGENCIES:
        _check_agencies(checked, rows, scope)
    elif kind is USERS:
        _check_users(checked, rows, scope, directories)
    checked.problems.sort(key=lambda p: p.row)
    if checked.problems:
        checked.cards = []
    return checked
