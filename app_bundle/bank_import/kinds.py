"""What each import file holds: its columns, Russian headers and instructions.

One kind per file (a CSV holds one table): families with their members (one row per
member, rows of one family share its «№ семьи»), minors, ИПР plans with their measures
— the card files, written at the МО's home site — and the agencies and user accounts,
reference data written at the regional server. Each card is imported with its
registration (the date it was put on record and the ground), as it stands in the card
files kept before the bank.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    # text, date, bool, sex, relation, ground, mo, card, agency, agency_type, role,
    # username, email
    parse: str = "text"
    max_length: int = 300
    example: str = ""
    note: str = ""
    future: bool = False  # a date that may be later than today (a plan's end, a due date)


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    instructions: tuple[str, ...]
    counted: str = "карточек"  # what the preview counts: «новых карточек: 5»
    reference: bool = False  # directories and accounts: written at the regional server

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


MO = Column(
    "МО",
    "mo",
    parse="mo",
    example="МО-1",
    note="код или наименование МО; пусто — МО того, кто загружает файл",
)
REGISTRATION = (
    Column("Дата постановки на учёт", "registered_on", True, "date", example="01.03.2024"),
    Column(
        "Основание постановки",
        "registration_ground",
        True,
        "ground",
        example="R01",
        note="код или наименование из справочника оснований",
    ),
    Column(
        "Постановление о постановке",
        "registration_resolution",
        max_length=120,
        example="№ 5/12 от 01.03.2024",
    ),
)
ADDRESSES = (
    Column("Адрес регистрации", "address_registration", example="г. Образцов, ул. Мира, д. 3"),
    Column(
        "Адрес фактического проживания",
        "address_actual",
        example="г. Образцов, ул. Мира, д. 3, кв. 7",
    ),
)
COMMON_RULES = (
    "Первая строка листа — заголовки столбцов, как в этом шаблоне; порядок столбцов "
    "может быть любым, лишние столбцы не допускаются.",
    "Даты — в виде ДД.ММ.ГГГГ (01.03.2024) или ячейкой Excel формата «Дата».",
    "Да/нет — «да» или «нет» (пусто — «нет»).",
    "Формулы и объединённые ячейки не допускаются: замените формулы значениями.",
    "CSV принимается в кодировке UTF-8 или Windows-1251 (так сохраняет Excel: "
    "«CSV (разделители — точка с запятой)»).",
    "Сначала нажмите «Проверить»: ошибки будут названы по строке и столбцу, ничего не "
    "записывается. Файл без ошибок загружается целиком, одним действием; при любой ошибке "
    "не записывается ничего.",
    "Повторная загрузка того же файла не создаёт дублей: записи, которые уже есть в "
    "банке, пропускаются.",
)

FAMILIES = Kind(
    slug="families",
    title="Семьи и члены семей",
    sheet="Семьи",
    columns=(
        Column(
            "№ семьи",
            "group",
            True,
            max_length=40,
            example="1",
            note="одинаков у всех строк одной семьи; одна строка — один член семьи",
        ),
        MO,
        Column("Фамилия семьи", "family_name", True, max_length=200, example="Ивановы"),
        *ADDRESSES,
        Column("Телефон семьи", "phone", max_length=60, example="8 900 000-00-00"),
        Column("Многодетная", "is_large", parse="bool", example="нет"),
        Column("Неполная", "is_single_parent", parse="bool", example="да"),
        Column("Малоимущая", "is_low_income", parse="bool", example="нет"),
        Column("Обстоятельства СОП", "circumstances", max_length=5000, example=""),
        *REGISTRATION,
        Column(
            "Родство",
            "relation",
            True,
            "relation",
            example="мать",
            note="мать, отец, мачеха, отчим, опекун, бабушка, дедушка, сын, дочь, брат, "
            "сестра, сожитель, иное",
        ),
        Column("Фамилия", "last_name", True, max_length=100, example="Иванова"),
        Column("Имя", "first_name", True, max_length=100, example="Мария"),
        Column("Отчество", "middle_name", max_length=100, example="Петровна"),
        Column("Дата рождения", "birth_date", parse="date", example="12.04.1990"),
        Column("Законный представитель", "is_legal_representative", parse="bool", example="да"),
        Column("Место работы (учёбы)", "occupation", example="не работает"),
        Column("Телефон", "member_phone", max_length=60, example=""),
    ),
    instructions=(
        "Одна строка — один член семьи. Строки одной семьи имеют одинаковый «№ семьи» "
        "(номер в вашем файле, любой текст); сведения о семье (фамилия семьи, адреса, "
        "постановка на учёт) берутся из первой строки семьи, в остальных их можно не повторять.",
        "Семья, которая уже есть в банке (та же фамилия семьи и тот же адрес фактического "
        "проживания в том же МО), пропускается вместе с её членами.",
        *COMMON_RULES,
    ),
)

MINORS = Kind(
    slug="minors",
    title="Несовершеннолетние",
    sheet="Несовершеннолетние",
    columns=(
        MO,
        Column("Фамилия", "last_name", True, max_length=100, example="Иванов"),
        Column("Имя", "first_name", True, max_length=100, example="Пётр"),
        Column("Отчество", "middle_name", max_length=100, example="Андреевич"),
        Column("Дата рождения", "birth_date", True, "date", example="17.05.2011"),
        Column("Пол", "sex", True, "sex", example="м", note="м или ж"),
        *ADDRESSES,
        Column(
            "Образовательная организация",
            "institution",
            example="МБОУ СОШ № 1",
        ),
        Column("Класс (группа)", "class_group", max_length=40, example="7 «Б»"),
        Column("Обстоятельства СОП", "circumstances", max_length=5000, example=""),
        *REGISTRATION,
    ),
    instructions=(
        "Одна строка — один несовершеннолетний с его постановкой на учёт.",
        "Несовершеннолетний, который уже есть в банке (те же фамилия, имя и дата рождения "
        "в том же МО), пропускается.",
        *COMMON_RULES,
    ),
)

PLANS = Kind(
    slug="plans",
    title="Планы ИПР и мероприятия",
    sheet="Планы ИПР",
    counted="планов",
    columns=(
        Column(
            "№ плана",
            "group",
            True,
            max_length=40,
            example="1",
            note="одинаков у всех строк одного плана; одна строка — одно мероприятие",
        ),
        Column(
            "Номер карточки",
            "card",
            True,
            "card",
            example="МО-1/С-00001",
            note="номер карточки семьи (С-…) или несовершеннолетнего (Н-…) в банке",
        ),
        Column("Начало", "start_date", True, "date", example="01.03.2024"),
        Column("Окончание", "end_date", True, "date", example="28.02.2025", future=True),
        Column("Цели и задачи", "goal", True, max_length=5000, example="Устранение причин СОП"),
        Column(
            "Утверждён постановлением",
            "approval",
            max_length=120,
            example="№ 5/13 от 01.03.2024",
        ),
        Column("Мероприятие", "title", True, max_length=5000, example="Контроль посещаемости"),
        Column(
            "Ответственный субъект профилактики",
            "agency",
            True,
            "agency",
            example="МБОУ СОШ № 1",
            note="наименование или краткое наименование из справочника (МО карточки или "
            "регионального уровня)",
        ),
        Column("Исполнитель", "executor", example="Иванова И. И., социальный педагог"),
        Column("Срок исполнения", "due_date", True, "date", example="31.05.2024", future=True),
    ),
    instructions=(
        "Одна строка — одно мероприятие плана. Строки одного плана имеют одинаковый "
        "«№ плана»; сведения о плане (карточка, сроки, цели) берутся из первой строки плана.",
        "Карточка указывается номером, под которым она есть в банке (после загрузки семей и "
        "несовершеннолетних номер виден в картотеке), например МО-1/С-00001 или Н-00012.",
        "План, который уже есть в банке (та же карточка и та же дата начала), пропускается "
        "вместе с его мероприятиями.",
        *COMMON_RULES,
    ),
)

REGION_MO = Column(
    "МО",
    "mo",
    parse="mo",
    example="МО-1",
    note="код или наименование МО; пусто — учреждение регионального уровня",
)

AGENCIES = Kind(
    slug="agencies",
    title="Субъекты профилактики",
    sheet="Субъекты профилактики",
    counted="субъектов профилактики",
    reference=True,
    columns=(
        REGION_MO,
        Column(
            "Вид",
            "type",
            True,
            "agency_type",
            example="Образование",
            note="КДН и ЗП, опека и попечительство, образование, здравоохранение, ПДН ОМВД, "
            "социальная защита, молодёжная политика, занятость, культура и спорт, иное",
        ),
        Column("Наименование", "name", True, example="МБОУ СОШ № 1 г. Образцова"),
        Column("Краткое наименование", "short_name", max_length=120, example="СОШ № 1"),
    ),
    instructions=(
        "Одна строка — один субъект профилактики системы профилактики безнадзорности и "
        "правонарушений несовершеннолетних.",
        "Субъект, который уже есть в справочнике (то же наименование в том же МО или на "
        "региональном уровне), пропускается.",
        "Загружает региональный специалист на региональном сервере; справочник передаётся "
        "на муниципальные серверы.",
        *COMMON_RULES,
    ),
)

USERS = Kind(
    slug="users",
    title="Пользователи",
    sheet="Пользователи",
    counted="учётных записей",
    reference=True,
    columns=(
        Column(
            "Имя входа",
            "username",
            True,
            "username",
            max_length=150,
            example="ivanova.mo1",
            note="латинские буквы, цифры и знаки . _ -; без учёта регистра не повторяется",
        ),
        Column("Фамилия", "last_name", True, max_length=100, example="Иванова"),
        Column("Имя", "first_name", True, max_length=100, example="Мария"),
        Column("Отчество", "middle_name", max_length=100, example="Петровна"),
        Column(
            "Роль",
            "role",
            True,
            "role",
            example="специалист КДН и ЗП",
            note="региональный специалист, специалист КДН и ЗП, специалист субъекта "
            "профилактики или аудитор",
        ),
        Column(
            "МО",
            "mo",
            parse="mo",
            example="МО-1",
            note="код или наименование МО; для специалиста КДН и ЗП обязательно (у "
            "специалиста МО — его МО), для специалиста субъекта профилактики — МО субъекта, "
            "у регионального специалиста не указывается",
        ),
        Column(
            "Субъект профилактики",
            "agency",
            parse="agency",
            example="КДН и ЗП МО-1",
            note="наименование или краткое наименование из справочника (МО пользователя или "
            "регионального уровня); для специалиста субъекта профилактики обязательно, для "
            "специалиста КДН и ЗП пусто — КДН и ЗП его МО",
        ),
        Column("Должность", "position", max_length=200, example="ответственный секретарь"),
        Column("Электронная почта", "email", parse="email", max_length=254, example=""),
        Column("Телефон", "phone", max_length=40, example="8 900 000-00-00"),
        Column(
            "Ведёт учётные записи",
            "can_manage_users",
            parse="bool",
            example="нет",
            note="да или нет; только региональный специалист и специалист КДН и ЗП",
        ),
    ),
    instructions=(
        "Одна строка — одна учётная запись. Сначала загрузите субъекты профилактики: "
        "пользователь ссылается на них по наименованию.",
        "Пароли в файл не пишутся: учётные записи создаются без пароля, войти по ним нельзя, "
        "пока тот, кто ведёт учётные записи, не задаст временный пароль на странице "
        "пользователя («Задать временный пароль»); при первом входе пользователь сменит его.",
        "Учётная запись, имя входа которой уже есть в банке, пропускается.",
        "Специалист КДН и ЗП МО загружает только пользователей своего МО (специалистов КДН и "
        "ЗП и субъектов профилактики); региональный специалист — любых. Загрузка — на "
        "региональном сервере.",
        *COMMON_RULES,
    ),
)

CARD_KINDS = (FAMILIES, MINORS, PLANS)
REFERENCE_KINDS = (AGENCIES, USERS)
KINDS = {kind.slug: kind for kind in (*CARD_KINDS, *REFERENCE_KINDS)}
