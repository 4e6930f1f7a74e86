# ruff: noqa: S608 - SQL from our own table names and fixed fragments; values are parameters
"""Synthetic but consistent activity: users, card files and audit events, generated in SQL.

Used by `manage.py load_sample_activity` (the sample region: the cards of Table 1 and
the audit events of Table 2, exactly) and by the benchmarks (a large region). The bulk
rows are made by `INSERT … SELECT … generate_series` inside PostgreSQL, so millions of
events take a minute, not an hour.

What holds in the generated data:

* every МО has users in its КДН и ЗП and in its other agencies; events carry the user's
  name, role, МО, agency and agency type, as `audit.services.store_event` writes them;
* per МО and year, the number of events, of entry events (create, update, delete) and
  their split between КДН и ЗП and other agencies are exactly those of the spec;
* events fall on working days (Monday to Friday without the federal public holidays),
  more in spring and autumn than in summer, in office hours with a lunch dip, and most
  work is done by a few active users of each agency;
* card events point at cards of the user's МО; families and minors on record at the
  spec's end date are exactly the spec's numbers (plus deregistered cards, which are not);
* the same seed gives the same rows, keys included: each МО's cards and each МО's events
  of a year are drawn from their own seed, so an МО's rows do not depend on which other
  МО are generated with it. That is what lets the sample region be loaded site by site
  (`generate(..., home_only=True)` at the regional server and at each municipal server)
  and add up, after replication, to the rows of a single load.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from accounts.models import Role, User
from directory import sample_region as sample
from directory.models import Agency, AgencyType, Ground, Municipality
from directory.sample_loader import load, save_agency
from regbank_app import site
from regbank_app.audit_trail import ENTRY_ACTIONS

from . import rollup

NAMESPACE = uuid.UUID("0d6f8f0e-6a43-4f1e-9a7c-2a8f5c1d7b21")

# non-entry actions and their shares; entry actions and theirs
OTHER_ACTIONS = (
    ("login", 0.15),
    ("logout", 0.12),
    ("view", 0.53),
    ("search", 0.18),
    ("export", 0.02),
)
ENTRY_SHARES = dict(zip(ENTRY_ACTIONS, (0.38, 0.58, 0.04), strict=True))
# office hours (local time) and their weights: a lunch dip, a slow start and end
HOURS = {8: 0.3, 9: 1.0, 10: 1.4, 11: 1.5, 12: 1.2, 13: 0.5, 14: 1.3, 15: 1.4, 16: 1.2, 17: 0.6}
# months: summer holidays, the year-end rush
MONTHS = {1: 0.85, 2: 1.0, 3: 1.05, 4: 1.05, 5: 0.9, 6: 0.95, 7: 0.75, 8: 0.8, 9: 1.05, 10: 1.1}
MONTHS |= {11: 1.1, 12: 1.15}
# federal non-working days (a fixed approximation of the production calendar)
HOLIDAYS = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}

SURNAMES = (  # noqa: SIM905 - a list of words reads better as words
    "Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Борисов Яковлев Григорьев Романов Воробьёв Сергеев "
    "Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов "
    "Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев "
    "Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков "
    "Назаров Калинин Исаев Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов "
    "Голубев Кудрявцев Прохоров"
).split()
MALE = (  # noqa: SIM905 - a list of words reads better as words
    "Александр Алексей Андрей Артём Владимир Дмитрий Евгений Иван Илья Кирилл Максим Михаил "
    "Никита Николай Павел Роман Сергей Степан Тимофей Ярослав"
).split()
FEMALE = (  # noqa: SIM905 - a list of words reads better as words
    "Анастасия Анна Валерия Вера Виктория Дарья Екатерина Елена Ксения Мария Надежда "
    "Наталья Ольга Полина Светлана София Татьяна Ульяна Юлия Яна"
).split()
PATRONYMIC_M = (  # noqa: SIM905 - a list of words reads better as words
    "Александрович Алексеевич Андреевич Викторович Дмитриевич Иванович Игоревич Михайлович "
    "Николаевич Олегович Павлович Сергеевич Юрьевич"
).split()
PATRONYMIC_F = [p.replace("ович", "овна").replace("евич", "евна") for p in PATRONYMIC_M]
STREETS = (  # noqa: SIM905 - a list of words reads better as words
    "Ленина Мира Советская Школьная Садовая Молодёжная Центральная Лесная Новая Набережная "
    "Заводская Полевая Октябрьская Гагарина Пушкина Зелёная Строителей Почтовая Речная "
    "Луговая"
).split()


@dataclass
class YearSpec:
    all: int
    entry: int
    entry_kdn: int

    @property
    def entry_other(self) -> int:
        return self.entry - self.entry_kdn


@dataclass
class MOSpec:
    code: str
    families: int  # on record at `end`
    minors: int
    years: dict[int, YearSpec]
    families_off: int = 0  # deregistered before `end`
    minors_off: int = 0
    kdn_users: int = 3
    mo: Municipality | None = field(default=None, repr=False)


def _mo_number(code: str) -> int:
    return int(code.split("-")[1])


def sample_specs(scale: float = 1.0) -> list[MOSpec]:
    """The sample region: Table 1 (cards) and Table 2 (actions), exactly.

    2018, the year of the initial filling, has no published entry split: half its actions
    are entries, 70 % of them by the КДН и ЗП (the commission fills the bank first).
    `scale` < 1 shrinks the events (not the cards) for quick demonstrations and tests.
    """

    def scaled(n):
        return round(n * scale)

    specs = []
    for mo in sample.MUNICIPALITIES:
        a = mo["actions"]
        years = {}
        for year in sample.YEARS:
            if year in a["entry"]:
                kdn, other = scaled(a["entry_kdn"][year]), scaled(a["entry_other"][year])
                years[year] = YearSpec(scaled(a["all"][year]), kdn + other, kdn)
            else:
                entry = scaled(a["all"][year] // 2)
                years[year] = YearSpec(scaled(a["all"][year]), entry, round(entry * 0.7))
        specs.append(
            MOSpec(
                mo["code"],
                mo["families"],
                mo["minors"],
                years,
                families_off=round(mo["families"] * 0.4),
                minors_off=round(mo["minors"] * 0.4),
                kdn_users=3 if mo["families"] + mo["minors"] > 100 else 2,
            )
        )
    return specs


def large_specs(
    n_mo: int, years: tuple[int, ...], events: int, cards: int, seed: int = 1
) -> list[MOSpec]:
    """A large region: `n_mo` МО of uneven size sharing `events` audit events over
    `years` and `cards` cards (70 % on record at the end, the rest deregistered)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    weights = [rng.lognormvariate(0, 0.6) for _ in range(n_mo)]
    total_w = sum(weights)
    growth = [1.0 + 0.12 * i for i in range(len(years))]
    total_g = sum(growth)
    specs = []
    used_events = 0
    used_cards = 0
    for i, w in enumerate(weights, 1):
        last = i == n_mo
        mo_cards = cards - used_cards if last else round(cards * w / total_w)
        used_cards += mo_cards
        mo_events = events - used_events if last else round(events * w / total_w)
        used_events += mo_events
        year_specs = {}
        left = mo_events
        for j, year in enumerate(years):
            n = left if j == len(years) - 1 else round(mo_events * growth[j] / total_g)
            left -= n
            entry = round(n * rng.uniform(0.35, 0.55))
            year_specs[year] = YearSpec(n, entry, round(entry * rng.uniform(0.25, 0.6)))
        on_record = round(mo_cards * 0.7)
        families = round(on_record * 0.4)
        off = mo_cards - on_record
        specs.append(
            MOSpec(
                f"MO-{i}",
                families,
                on_record - families,
                year_specs,
                families_off=round(off * 0.4),
                minors_off=off - round(off * 0.4),
                kdn_users=2 + min(4, mo_cards // 800),
            )
        )
    return specs


# --- directories and users --------------------------------------------------------------
def ensure_municipalities(specs: list[MOSpec]) -> None:
    """The sample region's directories, plus МО beyond MO-10 (same kinds of agencies).

    Which МО have their own server stays as the directory says (`load_sample_region
    --own-server`): it decides where each МО's rows are written."""
    sample_codes = {mo["code"] for mo in sample.MUNICIPALITIES}
    own = Municipality.objects.filter(own_server=True, code__in=sample_codes)
    load(own_server=set(own.values_list("code", flat=True)))
    known = set(Municipality.objects.values_list("code", flat=True))
    for spec in specs:
        if spec.code not in known:
            number = _mo_number(spec.code)
            municipality = Municipality.objects.create(
                id=sample.row_id("mo", spec.code),
                code=spec.code,
                name=spec.code.replace("MO", "МО"),
                full_name=f"Муниципальное образование {spec.code.replace('MO', 'МО')}",
                sort_order=number,
            )
            pseudo = {"name": municipality.name, "minors": spec.minors}
            for agency in sample.municipal_agencies(pseudo):
                save_agency(sample.row_id("agency", spec.code, agency["key"]), municipality, agency)
    attach_municipalities(specs)


def attach_municipalities(specs: list[MOSpec]) -> None:
    """Each spec's МО row; LookupError naming the МО this database does not have."""
    by_code = {m.code: m for m in Municipality.objects.filter(code__in=[s.code for s in specs])}
    missing = [s.code for s in specs if s.code not in by_code]
    if missing:
        raise LookupError(f"no МО {', '.join(missing)} in the directory here")
    for spec in specs:
        spec.mo = by_code[spec.code]


def user_prefix(code: str) -> str:
    """Usernames of an МО's generated users start with it: MO-3 → `mo3.`."""
    return code.lower().replace("-", "") + "."


def make_users(specs: list[MOSpec], rng: random.Random) -> int:
    """КДН и ЗП officers and one or two specialists per agency of each МО (no password:
    they exist for the events; tests and benchmarks log in with force_login)."""
    password = make_password(None)
    users = []
    for spec in specs:
        prefix = user_prefix(spec.code)[:-1]
        agencies = Agency.objects.filter(mo=spec.mo).order_by("type", "name")
        counters: dict[str, int] = {}
        for agency in agencies:
            if agency.type == AgencyType.KDN:
                count, role = spec.kdn_users, Role.MUNICIPAL
            else:
                count = 2 if agency.type in (AgencyType.POLICE, AgencyType.SOCIAL) else 1
                role = Role.AGENCY
            for _ in range(count):
                counters[agency.type] = counters.get(agency.type, 0) + 1
                female = rng.random() < 0.8
                surname = rng.choice(SURNAMES)
                users.append(
                    User(
                        id=uuid.uuid5(
                            NAMESPACE, f"user:{prefix}.{agency.type}{counters[agency.type]}"
                        ),
                        username=f"{prefix}.{agency.type}{counters[agency.type]}",
                        password=password,
                        last_name=surname + ("а" if female else ""),
                        first_name=rng.choice(FEMALE if female else MALE),
                        middle_name=rng.choice(PATRONYMIC_F if female else PATRONYMIC_M),
                        position="Специалист",
                        role=role,
                        mo=spec.mo,
                        agency=agency,
                        must_change_password=False,
                    )
                )
    User.objects.bulk_create(users, batch_size=2000)
    return len(users)


# --- bulk rows in SQL -------------------------------------------------------------------
def _calendar(year: int) -> tuple[list[datetime.date], list[float]]:
    """Working days of a year and the lower bounds of their shares (for width_bucket)."""
    days, weights = [], []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
            days.append(day)
            weights.append(MONTHS[day.month] * (1.05 if day.weekday() == 0 else 1.0))
        day += datetime.timedelta(days=1)
    return days, _lower_bounds(weights)


def _lower_bounds(weights) -> list[float]:
    total = sum(weights)
    bounds, acc = [], 0.0
    for w in weights:
        bounds.append(acc / total)
        acc += w
    return bounds


def _draw_seed(seed: int, *parts) -> float:
    """PostgreSQL's setseed() for one МО's (or one МО-year's) draws: the same for the same
    seed and parts, whatever else is generated in the same run."""
    return random.Random(":".join(map(str, (seed, *parts)))).random()  # noqa: S311 - not secrets


def _load_specs(cursor, specs: list[MOSpec], end: datetime.date) -> None:
    cursor.execute(
        """
        CREATE TEMP TABLE gen_mo (
            mo_id uuid, code text, mo_name text, mo_n int, site text,
            fam_on int, fam_off int, min_on int, min_off int, end_date date
        ) ON COMMIT DROP
        """
    )
    rows = []
    for spec in specs:
        mo = spec.mo
        mo_site = site.home_site_code(mo)
        rows.append(
            (
                mo.pk,
                mo.code,
                mo.name,
                _mo_number(mo.code),
                mo_site,
                spec.families,
                spec.families_off,
                spec.minors,
                spec.minors_off,
                end,
            )
        )
    with cursor.copy("COPY gen_mo FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# One МО's cards and their draws: families first, then minors, one row of draws each.
CARD_DRAWS = """
SELECT md5(%(ids)s || m.mo_id || ':' || k.kind || ':' || k.i)::uuid AS id, m.mo_id, m.mo_name,
       m.site, k.kind, k.i AS seq,
       k.i <= CASE k.kind WHEN 'family' THEN m.fam_on ELSE m.min_on END AS on_record,
       m.fam_on + m.fam_off AS families, m.end_date, r.*
FROM gen_mo m
CROSS JOIN LATERAL (
    SELECT 'family' AS kind, i FROM generate_series(1, m.fam_on + m.fam_off) i
    UNION ALL
    SELECT 'minor', i FROM generate_series(1, m.min_on + m.min_off) i
) k
CROSS JOIN LATERAL (
    SELECT floor(random() * cardinality(%(surnames)s::text[]))::int + 1 AS s,
           random() < 0.5 AS boy,
           floor(random() * 20)::int + 1 AS fn,
           floor(random() * 13)::int + 1 AS pn,
           floor(random() * 20)::int + 1 AS st,
           floor(random() * 90)::int + 1 AS house,
           floor(random() * 120)::int + 1 AS flat,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4
    WHERE k.i IS NOT NULL
) r
WHERE m.mo_id = %(mo)s
"""


def make_cards(cursor, seed: int) -> int:
    """Families (with two or three adult members) and minors, with their registrations.

    The first `fam_on`/`min_on` cards of each МО are on record at `end_date`; the others
    were registered and deregistered before it. Dates of registration lean to recent years.
    Keys are derived from the seed, the МО and the card's number; each МО's draws have
    their own seed.
    """
    ground = dict(Ground.objects.values_list("code", "id"))
    params = {
        "surnames": SURNAMES,
        "male": MALE,
        "female": FEMALE,
        "pm": PATRONYMIC_M,
        "pf": PATRONYMIC_F,
        "streets": STREETS,
        "ids": f"card:{seed}:",
        "mo": None,
    }
    create = f"CREATE TEMP TABLE gen_card ON COMMIT DROP AS {CARD_DRAWS} WITH NO DATA"
    cursor.execute(create, params)
    cursor.execute("SELECT mo_id, code FROM gen_mo ORDER BY mo_n")
    for mo_id, code in cursor.fetchall():
        cursor.execute("SELECT setseed(%s)", [_draw_seed(seed, "cards", code)])
        cursor.execute(f"INSERT INTO gen_card {CARD_DRAWS}", params | {"mo": mo_id})
    cursor.execute(
        """
        ALTER TABLE gen_card ADD COLUMN registered_on date, ADD COLUMN deregistered_on date,
            ADD COLUMN k int, ADD COLUMN family_k int;
        UPDATE gen_card SET registered_on = CASE
                WHEN on_record THEN end_date - (power(r1, 1.4) * 1300)::int
                ELSE end_date - 400 - (r1 * 1100)::int END;
        UPDATE gen_card SET deregistered_on = CASE WHEN on_record THEN NULL
                ELSE least(end_date - 1, registered_on + 90 + (r2 * 600)::int) END;
        WITH n AS (SELECT id, row_number() OVER (PARTITION BY mo_id ORDER BY kind, seq) AS k
                   FROM gen_card)
        UPDATE gen_card c SET k = n.k FROM n WHERE n.id = c.id;
        CREATE INDEX ON gen_card (mo_id, kind, seq);
        ANALYZE gen_card;
        """
    )
    address = (
        "'г. ' || c.mo_name || '-Центр, ул. ' || (%(streets)s::text[])[c.st] || ', д. ' "
        "|| c.house || ', кв. ' || c.flat"
    )
    cursor.execute(
        f"""
        INSERT INTO registry_family (id, mo_id, created_at, updated_at, seq, status,
            address_registration, address_actual, circumstances, notes, family_name, phone,
            is_large, is_single_parent, is_low_income, housing)
        SELECT c.id, c.mo_id, c.registered_on + time '10:00', c.registered_on + time '10:00',
               c.seq, CASE WHEN c.on_record THEN 'on_record' ELSE 'deregistered' END,
               {address}, {address}, '', '', (%(surnames)s::text[])[c.s] || 'ы', '',
               c.r3 < 0.3, c.r3 > 0.6, c.r4 < 0.5, ''
        FROM gen_card c WHERE c.kind = 'family'
        """,
        params,
    )
    # minors: 60 % belong to a family card of their МО (a random one)
    cursor.execute(
        f"""
        INSERT INTO registry_minor (id, mo_id, created_at, updated_at, seq, status,
            address_registration, address_actual, circumstances, notes, last_name, first_name,
            middle_name, birth_date, sex, institution, class_group, family_id)
        SELECT c.id, c.mo_id, c.registered_on + time '10:00', c.registered_on + time '10:00',
               c.seq, CASE WHEN c.on_record THEN 'on_record' ELSE 'deregistered' END,
               {address}, {address}, '', '',
               (%(surnames)s::text[])[c.s] || CASE WHEN c.boy THEN '' ELSE 'а' END,
               CASE WHEN c.boy THEN (%(male)s::text[])[c.fn] ELSE (%(female)s::text[])[c.fn] END,
               CASE WHEN c.boy THEN (%(pm)s::text[])[c.pn] ELSE (%(pf)s::text[])[c.pn] END,
               c.registered_on - (2200 + c.r3 * 3600)::int,
               CASE WHEN c.boy THEN 'm' ELSE 'f' END,
               'МБОУ «Средняя общеобразовательная школа № ' || (1 + c.st %% 4) || '» ' || c.mo_name,
               (1 + (c.r4 * 10)::int) || ' класс',
               CASE WHEN c.r2 < 0.6 THEN f.id END
        FROM gen_card c
        LEFT JOIN gen_card f ON f.mo_id = c.mo_id AND f.kind = 'family'
            AND f.seq = 1 + (c.r4 * 100000)::int %% greatest(1, c.families)
        WHERE c.kind = 'minor'
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO registry_registration (id, mo_id, created_at, updated_at, family_id,
            minor_id, registered_on, registration_ground_id, registration_resolution,
            deregistered_on, deregistration_ground_id, deregistration_resolution, notes)
        SELECT md5('registration:' || c.id)::uuid, c.mo_id, c.registered_on + time '10:00',
               now(),
               CASE WHEN c.kind = 'family' THEN c.id END,
               CASE WHEN c.kind = 'minor' THEN c.id END,
               c.registered_on, %(reg)s,
               '№ ' || c.seq || ' от ' || to_char(c.registered_on, 'DD.MM.YYYY'),
               c.deregistered_on, CASE WHEN c.deregistered_on IS NOT NULL THEN %(dereg)s END,
               CASE WHEN c.deregistered_on IS NOT NULL
                    THEN '№ ' || c.seq || '-с от ' || to_char(c.deregistered_on, 'DD.MM.YYYY')
                    ELSE '' END,
               ''
        FROM gen_card c
        """,
        {"reg": ground["R01"], "dereg": ground["D01"]},
    )
    # two or three adults per family: mother, father (or stepfather), a grandmother
    cursor.execute(
        """
        INSERT INTO registry_familymember (id, mo_id, created_at, updated_at, family_id,
            relation, last_name, first_name, middle_name, birth_date, is_legal_representative,
            occupation, phone, notes)
        SELECT md5('member:' || c.id || ':' || p.n)::uuid, c.mo_id,
               c.registered_on + time '10:00', now(), c.id, p.relation,
               (%(surnames)s::text[])[c.s] || CASE WHEN p.female THEN 'а' ELSE '' END,
               CASE WHEN p.female THEN (%(female)s::text[])[1 + (c.fn + p.n * 7) %% 20]
                    ELSE (%(male)s::text[])[1 + (c.fn + p.n * 7) %% 20] END,
               CASE WHEN p.female THEN (%(pf)s::text[])[1 + (c.pn + p.n) %% 13]
                    ELSE (%(pm)s::text[])[1 + (c.pn + p.n) %% 13] END,
               c.registered_on - (p.age * 365.25)::int,
               p.relation <> 'grandmother', '', '', ''
        FROM gen_card c
        CROSS JOIN LATERAL (VALUES
            (1, 'mother', true, 28 + (c.r3 * 12)::int),
            (2, CASE WHEN c.r4 < 0.7 THEN 'father' ELSE 'stepfather' END, false,
                30 + (c.r4 * 12)::int),
            (3, 'grandmother', true, 55 + (c.r2 * 12)::int)
        ) p(n, relation, female, age)
        WHERE c.kind = 'family' AND (p.n < 3 OR c.r2 < 0.3) AND (p.n <> 2 OR c.r3 < 0.7)
        """,
        params,
    )
    cursor.execute("SELECT count(*) FROM gen_card")
    return cursor.fetchone()[0]


def make_events(cursor, specs: list[MOSpec], seed: int, tz: str, *, progress=None) -> int:
    """Audit events: per МО and year exactly the spec's numbers (see the module's doc).

    Only the generated users act (not accounts made for the lab or the calibration)."""
    cursor.execute(
        """
        CREATE TEMP TABLE gen_user ON COMMIT DROP AS
        SELECT u.id AS user_id, u.username, concat_ws(' ', u.last_name, u.first_name,
                   nullif(u.middle_name, '')) AS user_name,
               u.role, u.mo_id, u.agency_id, a.type AS agency_type,
               CASE WHEN a.type = 'kdn' THEN 'kdn' ELSE 'other' END AS grp,
               row_number() OVER (PARTITION BY u.mo_id, a.type = 'kdn' ORDER BY u.username) AS k
        FROM accounts_user u JOIN directory_agency a ON a.id = u.agency_id
        JOIN directory_municipality m ON m.id = u.mo_id
        WHERE u.mo_id = ANY(%s::uuid[])
            AND u.username LIKE lower(replace(m.code, '-', '')) || '.%%'
        """,
        [[s.mo.pk for s in specs]],
    )
    cursor.execute("CREATE INDEX ON gen_user (mo_id, grp, k); ANALYZE gen_user")
    cursor.execute(
        """
        CREATE TEMP TABLE gen_cardref ON COMMIT DROP AS
        SELECT f.mo_id, f.id AS card_id, 'registry.family' AS object_type,
               'Семья ' || family_name || ' (' || replace(m.code, 'MO', 'МО') || '/С-'
               || lpad(seq::text, 5, '0') || ')' AS object_repr
        FROM registry_family f JOIN directory_municipality m ON m.id = f.mo_id
        WHERE f.mo_id = ANY(%(mos)s::uuid[])
        UNION ALL
        SELECT n.mo_id, n.id, 'registry.minor',
               concat_ws(' ', last_name, first_name, nullif(middle_name, '')) || ', '
               || to_char(birth_date, 'DD.MM.YYYY') || ' (' || replace(m.code, 'MO', 'МО')
               || '/Н-' || lpad(seq::text, 5, '0') || ')'
        FROM registry_minor n JOIN directory_municipality m ON m.id = n.mo_id
        WHERE n.mo_id = ANY(%(mos)s::uuid[])
        """,
        {"mos": [s.mo.pk for s in specs]},
    )
    cursor.execute(
        """
        ALTER TABLE gen_cardref ADD COLUMN k int;
        WITH n AS (SELECT card_id, row_number() OVER (PARTITION BY mo_id ORDER BY card_id) AS k
                   FROM gen_cardref)
        UPDATE gen_cardref c SET k = n.k FROM n WHERE n.card_id = c.card_id;
        CREATE INDEX ON gen_cardref (mo_id, k);
        ANALYZE gen_cardref;
        """
    )
    years = sorted({y for s in specs for y in s.years})
    cursor.execute(
        "CREATE TEMP TABLE gen_year (year int, days date[], cum float8[]) ON COMMIT DROP"
    )
    for year in years:
        days, cum = _calendar(year)
        cursor.execute("INSERT INTO gen_year VALUES (%s, %s, %s)", [year, days, cum])
    cursor.execute(
        """
        CREATE TEMP TABLE gen_bucket (mo_id uuid, mo_n int, site text, year int, grp text,
            entry bool, n int) ON COMMIT DROP
        """
    )
    for spec in specs:
        for year, y in spec.years.items():
            other_all = y.all - y.entry
            kdn_share = y.entry_kdn / y.entry if y.entry else 0.5
            other_kdn = round(other_all * kdn_share)
            for grp, entry, n in (
                ("kdn", True, y.entry_kdn),
                ("other", True, y.entry_other),
                ("kdn", False, other_kdn),
                ("other", False, other_all - other_kdn),
            ):
                if n < 0:
                    raise ValueError(f"{spec.code} {year}: negative count in the spec")
                cursor.execute(
                    "INSERT INTO gen_bucket VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        spec.mo.pk,
                        _mo_number(spec.code),
                        site.home_site_code(spec.mo),
                        year,
                        grp,
                        entry,
                        n,
                    ],
                )
    cursor.execute(
        """
        CREATE TEMP TABLE gen_count ON COMMIT DROP AS
        SELECT b.mo_id, b.grp,
               (SELECT count(*) FROM gen_user u WHERE u.mo_id = b.mo_id AND u.grp = b.grp) AS users,
               (SELECT count(*) FROM gen_cardref c WHERE c.mo_id = b.mo_id) AS cards
        FROM (SELECT DISTINCT mo_id, grp FROM gen_bucket) b;
        """
    )
    cursor.execute(
        "SELECT b.mo_id, b.grp FROM gen_bucket b JOIN gen_count c USING (mo_id, grp) "
        "WHERE b.n > 0 AND c.users = 0"
    )
    if cursor.fetchone():
        raise ValueError("an МО has events for a group (КДН or other agencies) without users")
    hours = sorted(HOURS)
    entry_names = list(ENTRY_SHARES)
    other_names = [a for a, _ in OTHER_ACTIONS]
    params = {
        "tz": tz,
        "hours": hours,
        "hour_cum": _lower_bounds([HOURS[h] for h in hours]),
        "entry_actions": entry_names,
        "entry_cum": _lower_bounds(list(ENTRY_SHARES.values())),
        "other_actions": other_names,
        "other_cum": _lower_bounds([w for _, w in OTHER_ACTIONS]),
    }
    params["ids"] = f"event:{seed}:"
    total = 0
    for year in years:
        for spec in specs:
            cursor.execute("SELECT setseed(%s)", [_draw_seed(seed, "events", spec.code, year)])
            cursor.execute(INSERT_EVENTS, params | {"year": year, "mo": spec.mo.pk})
            total += cursor.rowcount
            if progress:
                progress(total)
    return total


# One statement per МО and year, its draws seeded on their own. The draws are made first,
# bucket by bucket in a fixed order (a sorted subquery is not flattened, and the lateral
# join keeps it outside), and materialised (a volatile subquery on the inner side of a
# join would be drawn again). Random day (by working-day weights), hour (office hours),
# user (skewed: a few do most of the work), action (by shares), card of the МО. Rows go
# in time order, as a live system appends.
INSERT_EVENTS = """
WITH d AS MATERIALIZED (
    SELECT b.mo_id, b.mo_n, b.site, b.year, b.grp, b.entry, r.*
    FROM (SELECT * FROM gen_bucket WHERE year = %(year)s AND mo_id = %(mo)s
          ORDER BY grp, entry) b
    CROSS JOIN LATERAL (
        SELECT i, random() AS rd, random() AS rh, random() AS rs, random() AS ra,
               random() AS ru, random() AS rc
        FROM generate_series(1, b.n) i
    ) r
), e AS MATERIALIZED (
    SELECT md5(%(ids)s || d.mo_id || ':' || d.year || ':' || d.grp || ':' || d.entry || ':'
               || d.i)::uuid AS id,
           d.mo_id, d.mo_n, d.site, d.grp,
           ((y.days[width_bucket(d.rd, y.cum)]
             + make_interval(
                 hours => (%(hours)s::int[])[width_bucket(d.rh, %(hour_cum)s::float8[])])
             + make_interval(secs => floor(d.rs * 3600)))
            AT TIME ZONE %(tz)s) AS time,
           CASE WHEN d.entry
                THEN (%(entry_actions)s::text[])[width_bucket(d.ra, %(entry_cum)s::float8[])]
                ELSE (%(other_actions)s::text[])[width_bucket(d.ra, %(other_cum)s::float8[])]
           END AS action,
           1 + floor(power(d.ru, 1.7) * n.users)::int AS uk,
           1 + floor(d.rc * greatest(n.cards, 1))::int AS ck
    FROM d
    JOIN gen_year y ON y.year = d.year
    JOIN gen_count n ON n.mo_id = d.mo_id AND n.grp = d.grp
)
INSERT INTO audit_auditevent (id, time, site, action, user_id, username, user_name, role,
    mo_id, agency_id, agency_type, object_type, object_id, object_repr, object_mo_id,
    card_id, changes, details, client_ip)
SELECT e.id, e.time, e.site, e.action, u.user_id, u.username, u.user_name,
       u.role, e.mo_id, u.agency_id, u.agency_type,
       coalesce(c.object_type, ''), c.card_id, coalesce(c.object_repr, ''),
       CASE WHEN c.card_id IS NOT NULL THEN e.mo_id END, c.card_id, '{}', '{}',
       ('10.' || e.mo_n %% 250 || '.' || (u.k %% 250) || '.' || (10 + u.k %% 200))::inet
FROM e
JOIN gen_user u ON u.mo_id = e.mo_id AND u.grp = e.grp AND u.k = e.uk
LEFT JOIN gen_cardref c ON c.mo_id = e.mo_id AND c.k = e.ck
    AND e.action IN ('view', 'create', 'update', 'delete')
ORDER BY e.time
"""


BULK_LIMIT = 100_000  # events already there: above it, insert into the live indexes


@contextlib.contextmanager
def bulk_load(cursor):
    """Load audit events into an (almost) empty table the fast way: drop its indexes and the
    rollup's statement trigger, then build the indexes in one pass each and the rollup in
    one GROUP BY. The result is the same as row-by-row inserts; all of it is DDL inside the
    caller's transaction, undone if anything fails."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid), con.conname,
               pg_get_constraintdef(con.oid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
        WHERE i.indrelid = 'audit_auditevent'::regclass
        """
    )
    definitions = cursor.fetchall()
    for name, _indexdef, constraint, _condef in definitions:
        if constraint:
            cursor.execute(f'ALTER TABLE audit_auditevent DROP CONSTRAINT "{constraint}"')
        else:
            cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER analytics_rollup")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory
    for _name, indexdef, constraint, condef in definitions:
        if constraint:
            cursor.execute(f'ALTER TABLE audit_auditevent ADD CONSTRAINT "{constraint}" {condef}')
        else:
            cursor.execute(indexdef)
    cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER analytics_rollup")
    rollup.rebuild(connection)


def _few_events(cursor) -> bool:
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM audit_auditevent LIMIT {BULK_LIMIT}) e")
    return cursor.fetchone()[0] < BULK_LIMIT


TEMP_TABLES = "gen_mo, gen_card, gen_user, gen_cardref, gen_year, gen_bucket, gen_count"


def generate(
    specs: list[MOSpec],
    *,
    end: datetime.date,
    seed: int = 1,
    progress=None,
    home_only: bool = False,
) -> dict:
    """Directories, users, cards and events for `specs`, in the current transaction.

    Without `home_only` (the benchmarks' regions) every spec's cards and events are
    written here, at the regional server. With it, only those of the МО whose home is
    this site (`site.is_home_of`): at the regional server the directories, every МО's
    users and the cards and events of the МО without their own server; at a municipal
    server its own МО's cards and events, for the users and directories replication
    brought. The МО left out are returned under "elsewhere".

    Into a table with few events the events are bulk-loaded (`bulk_load`); into a bigger
    one they go through its indexes and the rollup's trigger like any insert."""
    regional = site.masters_reference_data()
    if not (regional or home_only):
        raise RuntimeError("a whole region is generated at the regional server only")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    users = 0
    if regional:
        ensure_municipalities(specs)
        users = make_users(specs, rng)
    else:
        attach_municipalities(specs)
    here = [s for s in specs if site.is_home_of(s.mo)] if home_only else specs
    cards = events = 0
    if here:
        with connection.cursor() as cursor:
            _load_specs(cursor, here, end)
            cards = make_cards(cursor, seed)
            loading = bulk_load(cursor) if _few_events(cursor) else contextlib.nullcontext()
            with loading:
                events = make_events(cursor, here, seed + 1, settings.TIME_ZONE, progress=progress)
            # ON COMMIT DROP is not enough when a caller generates twice in one transaction
            cursor.execute(f"DROP TABLE {TEMP_TABLES}")
    return {
        "mo": len(here),
        "users": users,
        "cards": cards,
        "events": events,
        "elsewhere": [s.code for s in specs if s.code not in {h.code for h in here}],
    }
