"""Cells of every CSV and XLSX file the application writes, safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
Excel and LibreOffice as a formula (CSV), or written by openpyxl as one (XLSX): a user
name or a family member named `=HYPERLINK(...)` would run in the officer's spreadsheet.
Such a cell gets a leading apostrophe, the spreadsheets' own mark of "text", in both
formats. Numbers stay numbers; only text is changed.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """`value`, with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cells(values: Iterable) -> list:
    """A row of cells, each through `text_cell`."""
    return [text_cell(value) for value in values]
