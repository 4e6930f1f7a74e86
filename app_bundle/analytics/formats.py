"""Numbers as a Russian reader expects them: `38 258`, `87,4`, `+87,4 %`, `−42,2 %`."""

from __future__ import annotations

import datetime

NBSP = "\u00a0"
MINUS = "\u2212"


def integer(value) -> str:
    if value is None:
        return "—"
    return f"{round(value):,}".replace(",", NBSP).replace("-", MINUS)


def decimal(value, places: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", NBSP)
    return text.replace("-", MINUS)


def percent(value, places: int = 1) -> str:
    return "—" if value is None else f"{decimal(value, places)}{NBSP}%"


def signed_percent(value, places: int = 1) -> str:
    if value is None:
        return "—"
    sign = "+" if round(value, places) > 0 else ""
    return f"{sign}{percent(value, places)}"


def signed_integer(value) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + integer(value)


def date(value: datetime.date) -> str:
    return value.strftime("%d.%m.%Y")


def period(start: datetime.date, end: datetime.date) -> str:
    """`2020` for a whole year, `01.03.2020–31.05.2020` otherwise."""
    if start.year == end.year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return f"{start.year}–{end.year}"
    return f"{date(start)}–{date(end)}"


FORMATTERS = {
    "text": lambda v: "" if v is None else str(v),
    "int": integer,
    "dec": decimal,
    "pct": percent,
    "signed_pct": signed_percent,
    "signed_int": signed_integer,
}


def cell(value, kind: str) -> str:
    return FORMATTERS[kind](value)
