"""The five views of the activity analytics (docs/analytics.md).

Each view turns the counts of `queries` into a `Report`: a table (columns, МО rows,
summary rows) and a chart. Views, exports and the printable report all render the same
`Report`, so the figures on screen, in files and on paper are the same.

Access is decided before: `Selection.mos` holds the МО whose rows may be shown (all or
the selected ones for a regional officer, only the user's own for a municipal officer);
the regional average always covers every МО of the region (without agency and user
filters, which name one МО's agencies and people).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from regbank_app.audit_trail import ENTRY_ACTIONS

from . import formats
from .charts import Chart, Series
from .queries import EventFilter, count_events, units_on_record


@dataclass(frozen=True)
class ViewDef:
    slug: str
    number: int
    title: str
    question: str  # what the view answers, one sentence


VIEWS = [
    ViewDef(
        "yearly",
        1,
        "Всего действий по годам",
        "Сколько действий пользователи каждого МО совершили в банке данных за каждый год.",
    ),
    ViewDef(
        "change",
        2,
        "Изменение к предыдущему году",
        "Насколько выросло или сократилось число действий за период против того же периода "
        "годом раньше.",
    ),
    ViewDef(
        "entry-share",
        3,
        "Ввод данных среди всех действий",
        "Какую долю всех действий составляет ввод данных и кто вводит: КДН и ЗП или другие "
        "субъекты профилактики.",
    ),
    ViewDef(
        "entry-volume",
        4,
        "Объём ввода и учётные единицы",
        "Соответствует ли объём ввода числу семей и несовершеннолетних на учёте (учётных "
        "единиц) в сравнении со средним по региону.",
    ),
    ViewDef(
        "per-unit",
        5,
        "Ввод на одну учётную единицу",
        "Сколько действий по вводу данных приходится на одну учётную единицу и к какому "
        "сегменту относится МО.",
    ),
]
BY_SLUG = {v.slug: v for v in VIEWS}

SEGMENTS = [
    ("well_above", "значительно выше среднего", "#1b7a3a"),
    ("above", "выше среднего", "#6fae4f"),
    ("average", "средний уровень", "#d9a400"),
    ("lagging", "отстающие", "#c0392b"),
]
SEGMENT_LABELS = {key: label for key, label, _ in SEGMENTS}
SEGMENT_COLORS = {key: color for key, _, color in SEGMENTS}


@dataclass
class Selection:
    """Everything a view needs, decided by the form and the viewer's rights."""

    start: datetime.date
    end: datetime.date
    mos: list  # Municipality rows shown
    region_mos: list  # every МО of the region (the average)
    flt: EventFilter  # МО rows: mo_ids, agency kind, agency, user, actions
    own_only: bool = False  # a municipal officer: own МО against the regional average
    measure: str = "entry"  # view 5: "entry" or "all"
    thresholds: tuple[float, float, float] = (150.0, 110.0, 90.0)
    described: list[tuple[str, str]] = field(default_factory=list)  # filters, for people

    @property
    def people_filtered(self) -> bool:
        return self.flt.agency_id is not None or self.flt.user_ids is not None

    @property
    def separate_region(self) -> bool:
        """Do the МО rows leave out events the regional average counts?"""
        return self.people_filtered or self.flt.mo_ids is not None

    @property
    def period_label(self) -> str:
        return formats.period(self.start, self.end)


@dataclass
class Column:
    label: str
    kind: str = "int"  # formats.FORMATTERS key


@dataclass
class Row:
    label: str
    values: list
    kind: str = "mo"  # "mo", "average" or "total"
    mo: object = None
    segment: str = ""

    @property
    def cells(self) -> list[str]:
        return [self.label, *self.values]


@dataclass
class Report:
    view: ViewDef
    selection: Selection
    columns: list[Column]
    rows: list[Row]
    summary: list[Row]
    chart: Chart
    notes: list[str] = field(default_factory=list)

    def kinds(self, row: Row) -> list[str]:
        """Each value's format; averages of counts keep one decimal."""
        return [
            "dec" if row.kind == "average" and c.kind == "int" and isinstance(v, float) else c.kind
            for v, c in zip(row.values, self.columns[1:], strict=True)
        ]

    def formatted(self, row: Row) -> list[str]:
        return [row.label] + [
            formats.cell(v, kind) for v, kind in zip(row.values, self.kinds(row), strict=True)
        ]


# --- helpers ---------------------------------------------------------------------------
def _ratio(a, b):
    return a / b if b else None


def _change(current, previous):
    return (current / previous - 1) * 100 if previous else None


def _year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _by_mo(counts: dict, index: int = 0) -> dict:
    out: dict = {}
    for key, n in counts.items():
        out[key[index]] = out.get(key[index], 0) + n
    return out


def _region_counts(sel: Selection, by, start=None, end=None) -> dict:
    """Counts of every МО for the regional average (no МО, agency or user filter)."""
    return count_events(sel.flt.without_people(), start or sel.start, end or sel.end, by)


def _row_counts(sel: Selection, by, start=None, end=None) -> dict:
    flt = sel.flt
    return count_events(flt, start or sel.start, end or sel.end, by)


def _average_label(sel: Selection) -> str:
    return "Среднее по региону (на одно МО)"


def _notes(sel: Selection) -> list[str]:
    notes = []
    if sel.people_filtered:
        notes.append(
            "Среднее по региону посчитано без отбора по субъекту профилактики и пользователю: "
            "они относятся к одному МО."
        )
    if sel.own_only:
        notes.append("Показаны ваше МО и среднее по всем МО региона.")
    return notes


def _years(sel: Selection) -> list[tuple[int, datetime.date, datetime.date]]:
    out = []
    for year in range(sel.start.year, sel.end.year + 1):
        out.append(
            (
                year,
                max(sel.start, datetime.date(year, 1, 1)),
                min(sel.end, datetime.date(year, 12, 31)),
            )
        )
    return out


# --- 1. total actions per МО per year --------------------------------------------------
def yearly(sel: Selection) -> Report:
    years = _years(sel)
    rows_counts = _row_counts(sel, ("mo", "year"))
    region = _region_counts(sel, ("mo", "year")) if sel.separate_region else rows_counts
    n_mo = len(sel.region_mos) or 1
    columns = [Column("МО", "text")]
    for year, start, end in years:
        label = (
            str(year)
            if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
            else (f"{year} ({formats.date(start)}–{formats.date(end)})")
        )
        columns.append(Column(label))
    columns.append(Column("Всего за период"))
    rows = []
    for mo in sel.mos:
        values = [rows_counts.get((mo.pk, year), 0) for year, _, _ in years]
        rows.append(Row(mo.name, [*values, sum(values)], mo=mo))
    region_by_year = [
        sum(n for (mo_id, y), n in region.items() if y == year) for year, _, _ in years
    ]
    average = [v / n_mo for v in region_by_year]
    summary = [Row(_average_label(sel), [*average, sum(average)], kind="average")]
    if not sel.own_only:
        summary.append(
            Row("Всего по региону", [*region_by_year, sum(region_by_year)], kind="total")
        )
    for row in summary:
        if row.kind == "average":
            row.values = [round(v, 1) for v in row.values]
    chart = Chart(
        kind="bars",
        title="Всего действий пользователей по годам",
        categories=[r.label for r in rows] + ["Среднее"],
        series=[
            Series(
                str(year),
                [r.values[i] for r in rows] + [average[i]],
            )
            for i, (year, _, _) in enumerate(years)
        ],
        ylabel="действий",
    )
    return Report(BY_SLUG["yearly"], sel, columns, rows, summary, chart, _notes(sel))


# --- 2. change against the same period a year earlier -----------------------------------
def change(sel: Selection) -> Report:
    prev_start, prev_end = _year_earlier(sel.start), _year_earlier(sel.end)
    current = _by_mo(_row_counts(sel, ("mo",)))
    previous = _by_mo(_row_counts(sel, ("mo",), prev_start, prev_end))
    if sel.separate_region:
        region_now = sum(_region_counts(sel, ("mo",)).values())
        region_before = sum(_region_counts(sel, ("mo",), prev_start, prev_end).values())
    else:
        region_now, region_before = sum(current.values()), sum(previous.values())
    before_label = formats.period(prev_start, prev_end)
    columns = [
        Column("МО", "text"),
        Column(before_label),
        Column(sel.period_label),
        Column("Изменение", "signed_int"),
        Column("Изменение, %", "signed_pct"),
    ]
    rows = []
    for mo in sel.mos:
        now, before = current.get(mo.pk, 0), previous.get(mo.pk, 0)
        pct = _change(now, before)
        rows.append(Row(mo.name, [before, now, now - before, pct], mo=mo))
    rows.sort(key=lambda r: (r.values[3] is None, -(r.values[3] or 0)))
    region_pct = _change(region_now, region_before)
    summary = [
        Row(
            "Регион в целом",
            [region_before, region_now, region_now - region_before, region_pct],
            kind="total",
        )
    ]
    chart = Chart(
        kind="hbars",
        title=f"Изменение числа действий: {sel.period_label} к {before_label}",
        categories=[r.label for r in rows],
        series=[Series("Изменение, %", [r.values[3] for r in rows])],
        ylabel="%",
        value_kind="signed_pct",
        signed_colors=True,
        reference=[(region_pct, "регион в целом")] if region_pct is not None else [],
    )
    notes = _notes(sel)
    notes.append(
        "Сравнение с тем же периодом годом раньше; МО отсортированы от наибольшего роста к "
        "наибольшему снижению."
    )
    return Report(BY_SLUG["change"], sel, columns, rows, summary, chart, notes)


# --- 3. entry actions against all actions ------------------------------------------------
def _entry_split(counts: dict) -> dict:
    """{mo: [all, entry, entry КДН, entry other]} from counts by (mo, entry, kdn)."""
    out: dict = {}
    for (mo_id, entry, kdn), n in counts.items():
        v = out.setdefault(mo_id, [0, 0, 0, 0])
        v[0] += n
        if entry:
            v[1] += n
            v[2 if kdn else 3] += n
    return out


def entry_share(sel: Selection) -> Report:
    by = ("mo", "entry", "kdn")
    split = _entry_split(_row_counts(sel, by))
    region = _entry_split(_region_counts(sel, by)) if sel.separate_region else split
    columns = [
        Column("МО", "text"),
        Column("Всего действий"),
        Column("Ввод данных"),
        Column("Доля ввода, %", "pct"),
        Column("Ввод КДН и ЗП"),
        Column("Ввод других субъектов"),
        Column("Доля КДН и ЗП во вводе, %", "pct"),
    ]

    def values(v):
        total, entry, kdn, other = v
        share = _ratio(entry * 100, total)
        return [total, entry, share, kdn, other, _ratio(kdn * 100, entry)]

    rows = [Row(mo.name, values(split.get(mo.pk, [0, 0, 0, 0])), mo=mo) for mo in sel.mos]
    totals = [sum(v[i] for v in region.values()) for i in range(4)]
    n_mo = len(sel.region_mos) or 1
    avg = values([t / n_mo for t in totals])
    summary = [
        Row(
            _average_label(sel),
            [round(x, 1) if x is not None else None for x in avg],
            kind="average",
        )
    ]
    if not sel.own_only:
        summary.append(Row("Всего по региону", values(totals), kind="total"))
    labels = [r.label for r in rows] + ["Среднее"]
    chart = Chart(
        kind="stacked",
        title="Ввод данных (КДН и ЗП, другие субъекты) и прочие действия",
        categories=labels,
        series=[
            Series("Ввод КДН и ЗП", [r.values[3] for r in rows] + [avg[3]], "#1f5fa8"),
            Series("Ввод других субъектов", [r.values[4] for r in rows] + [avg[4]], "#6ea8dc"),
            Series(
                "Прочие действия (вход, просмотр, поиск…)",
                [r.values[0] - r.values[1] for r in rows] + [avg[0] - avg[1]],
                "#c9ced6",
            ),
        ],
        ylabel="действий",
    )
    notes = _notes(sel)
    notes.append("Ввод данных — создание, изменение и удаление записей.")
    return Report(BY_SLUG["entry-share"], sel, columns, rows, summary, chart, notes)


# --- 4. entry volume against accounting units ---------------------------------------------
def _entries(sel: Selection, region: bool) -> dict:
    flt = sel.flt.without_people() if region else sel.flt
    actions = set(flt.actions) if flt.actions is not None else None
    wanted = tuple(a for a in ENTRY_ACTIONS if actions is None or a in actions)
    flt = EventFilter(
        mo_ids=flt.mo_ids,
        agency_kind=flt.agency_kind,
        agency_id=flt.agency_id,
        user_ids=flt.user_ids,
        actions=wanted,
    )
    return _by_mo(count_events(flt, sel.start, sel.end, ("mo",))) if wanted else {}


def entry_volume(sel: Selection) -> Report:
    entries = _entries(sel, region=False)
    region_entries = _entries(sel, region=True) if sel.separate_region else entries
    units = units_on_record(sel.end)
    n_mo = len(sel.region_mos) or 1
    region_ids = {mo.pk for mo in sel.region_mos}
    avg_units = sum(sum(v) for k, v in units.items() if k in region_ids) / n_mo
    avg_entries = sum(n for k, n in region_entries.items() if k in region_ids) / n_mo
    columns = [
        Column("МО", "text"),
        Column(f"Семей на {formats.date(sel.end)}"),
        Column("Несовершеннолетних"),
        Column("Учётных единиц"),
        Column("Ввод данных"),
        Column("Учётные единицы к среднему, %", "pct"),
        Column("Ввод к среднему, %", "pct"),
    ]
    rows = []
    for mo in sel.mos:
        families, minors = units.get(mo.pk, (0, 0))
        n_units, n_entries = families + minors, entries.get(mo.pk, 0)
        rows.append(
            Row(
                mo.name,
                [
                    families,
                    minors,
                    n_units,
                    n_entries,
                    _ratio(n_units * 100, avg_units),
                    _ratio(n_entries * 100, avg_entries),
                ],
                mo=mo,
            )
        )
    avg_families = sum(v[0] for k, v in units.items() if k in region_ids) / n_mo
    avg_minors = sum(v[1] for k, v in units.items() if k in region_ids) / n_mo
    summary = [
        Row(
            _average_label(sel),
            [
                round(avg_families, 1),
                round(avg_minors, 1),
                round(avg_units, 1),
                round(avg_entries, 1),
                100.0 if avg_units else None,
                100.0 if avg_entries else None,
            ],
            kind="average",
        )
    ]
    chart = Chart(
        kind="bars",
        title="Учётные единицы и ввод данных, % к среднему по региону",
        categories=[r.label for r in rows],
        series=[
            Series("Учётные единицы", [r.values[4] for r in rows], "#8e9aaf"),
            Series("Ввод данных", [r.values[5] for r in rows], "#1f5fa8"),
        ],
        ylabel="% к среднему по региону",
        value_kind="pct",
        reference=[(100.0, "среднее по региону")],
    )
    notes = _notes(sel)
    notes.append(
        "Учётные единицы — семьи и несовершеннолетние, состоящие на учёте на "
        f"{formats.date(sel.end)} (по датам постановки и снятия с учёта в картотеках). "
        "Если ввод заметно ниже доли учётных единиц, МО вносит в банк меньше сведений, "
        "чем требует его картотека."
    )
    return Report(BY_SLUG["entry-volume"], sel, columns, rows, summary, chart, notes)


# --- 5. entry actions per accounting unit, with segments ---------------------------------
def segment_of(index: float | None, thresholds) -> str:
    if index is None:
        return ""
    high, above, low = thresholds
    if index >= high:
        return "well_above"
    if index >= above:
        return "above"
    if index >= low:
        return "average"
    return "lagging"


def per_unit(sel: Selection) -> Report:
    if sel.measure == "all":
        counts = _by_mo(_row_counts(sel, ("mo",)))
        region_counts = _by_mo(_region_counts(sel, ("mo",))) if sel.separate_region else counts
        what = "Всего действий"
    else:
        counts = _entries(sel, region=False)
        region_counts = _entries(sel, region=True) if sel.separate_region else counts
        what = "Ввод данных"
    units = units_on_record(sel.end)
    region_ids = {mo.pk for mo in sel.region_mos}
    region_units = sum(sum(v) for k, v in units.items() if k in region_ids)
    region_n = sum(n for k, n in region_counts.items() if k in region_ids)
    region_ratio = _ratio(region_n, region_units)
    columns = [
        Column("МО", "text"),
        Column(f"Учётных единиц на {formats.date(sel.end)}"),
        Column(what),
        Column("На одну учётную единицу", "dec"),
        Column("К среднему по региону, %", "pct"),
        Column("Сегмент", "text"),
    ]
    rows = []
    for mo in sel.mos:
        n_units = sum(units.get(mo.pk, (0, 0)))
        n = counts.get(mo.pk, 0)
        ratio = _ratio(n, n_units)
        index = _ratio(ratio * 100, region_ratio) if ratio is not None else None
        segment = segment_of(index, sel.thresholds)
        rows.append(
            Row(
                mo.name,
                [n_units, n, ratio, index, SEGMENT_LABELS.get(segment, "нет учётных единиц")],
                mo=mo,
                segment=segment,
            )
        )
    rows.sort(key=lambda r: (r.values[2] is None, -(r.values[2] or 0)))
    summary = [
        Row(
            "Среднее по региону",
            [region_units, region_n, region_ratio, 100.0 if region_ratio else None, ""],
            kind="average",
        )
    ]
    high, above, low = sel.thresholds
    reference = []
    if region_ratio:
        reference = [
            (region_ratio * high / 100, f"{formats.decimal(high, 0)} % среднего"),
            (region_ratio * above / 100, f"{formats.decimal(above, 0)} %"),
            (region_ratio, "среднее по региону"),
            (region_ratio * low / 100, f"{formats.decimal(low, 0)} %"),
        ]
    chart = Chart(
        kind="bars",
        title=f"{what} на одну учётную единицу, {sel.period_label}",
        categories=[r.label for r in rows],
        series=[Series(what, [r.values[2] for r in rows])],
        colors=[SEGMENT_COLORS.get(r.segment, "#c9ced6") for r in rows],
        ylabel="на одну учётную единицу",
        value_kind="dec",
        reference=reference,
        legend=[(label, color) for _, label, color in SEGMENTS],
    )
    notes = _notes(sel)
    notes.append(
        "Сегменты — по отношению показателя МО к среднему по региону: значительно выше "
        f"среднего — от {formats.decimal(high, 0)} %, выше среднего — от "
        f"{formats.decimal(above, 0)} %, средний уровень — от {formats.decimal(low, 0)} %, "
        f"отстающие — ниже {formats.decimal(low, 0)} %."
    )
    return Report(BY_SLUG["per-unit"], sel, columns, rows, summary, chart, notes)


BUILDERS = {
    "yearly": yearly,
    "change": change,
    "entry-share": entry_share,
    "entry-volume": entry_volume,
    "per-unit": per_unit,
}


def build(slug: str, sel: Selection) -> Report:
    return BUILDERS[slug](sel)
