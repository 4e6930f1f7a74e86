"""`regbank profile`: protection level and class, and the measure matrix of a profile."""

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from regbank_foundation.errors import RegbankError
from security_profiles.coverage import Coverage, coverage
from security_profiles.levels import (
    ClassTable,
    Decree1119,
    Determination,
    LevelInput,
    determine,
    load_class_table,
    load_decree1119,
    load_level_input,
)
from security_profiles.profile import load_profile, profile_path
from security_profiles.questionnaire import ask_level_input

DEFAULT_PROFILE = "uz1"  # the profile of the lab inventory
_TITLE_WIDTH = 70
_ORIGIN_MARK = {"base": " ", "added": "+", "removed": "−"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profile", help="protection level and class; measure matrix of a security profile"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    level = actions.add_parser(
        "level",
        help="determine УЗ (Decree 1119) and the state-system class (Order 17)",
        description="Asks the questions in Russian when stdin is a terminal, "
        "otherwise reads them from --from FILE.",
    )
    level.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="YAML with categories, subjects, threat_type and optionally significance, scale",
    )
    level.set_defaults(func=run_level)

    show = actions.add_parser("show", help="print the measure matrix and coverage of a profile")
    show.add_argument(
        "name",
        nargs="?",
        default=DEFAULT_PROFILE,
        metavar="NAME",
        help=f"a shipped profile or a path to a profile file (default: {DEFAULT_PROFILE})",
    )
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(func=run_show)


def run_level(args: argparse.Namespace) -> int:
    decree, table = load_decree1119(), load_class_table()
    if args.source is not None:
        declared = load_level_input(args.source)
    elif sys.stdin.isatty():
        declared = _ask(decree, table)
    else:
        raise RegbankError(
            "profile level: stdin is not a terminal; give the inputs with --from FILE"
        )
    print(_level_report(decree, table, declared, determine(decree, table, declared)))
    return 0


def _ask(decree: Decree1119, table: ClassTable) -> LevelInput:
    try:
        return ask_level_input(decree, table, ask=input, tell=print)
    except EOFError:
        raise RegbankError(
            "profile level: input ended before all questions were answered"
        ) from None


def _level_report(
    decree: Decree1119, table: ClassTable, declared: LevelInput, result: Determination
) -> str:
    level = result.level
    subjects = declared.subjects
    if isinstance(subjects, int):
        subjects = f"{subjects} → {level.subjects}"
    deciding = "; ".join(f"категория {v.category}, {v.rule.clause}" for v in level.deciding)
    lines = [
        f"Уровень защищенности ПДн: УЗ-{level.uz}",
        f"  решает: {deciding} ({decree.title})",
        f"  исходные данные: категории {', '.join(declared.categories)}; "
        f"субъекты {subjects} ({decree.subjects[level.subjects]}); тип угроз {level.threat_type}",
        "  оценка каждой категории (берётся наиболее строгий уровень):",
    ]
    for verdict in level.evaluated:
        mark = "  ← решает" if verdict in level.deciding else ""
        lines.append(
            f"    {verdict.category:<10} УЗ-{verdict.rule.uz}  {verdict.rule.clause}{mark}"
        )
    if result.state_class is not None:
        verdict = result.state_class
        lines += [
            f"Класс защищенности ГИС: {verdict.state_class}",
            f"  значимость {verdict.significance} ({table.significance[verdict.significance]}), "
            f"масштаб {verdict.scale} ({table.scale[verdict.scale]})",
            f"  {table.title}, {table.clause}",
            f"  {table.replaced_by.note}",
        ]
    lines += [
        "Доверие к правилам:",
        f"  {decree.title}: {decree.trust}",
    ]
    if result.state_class is not None:
        lines.append(f"  {table.title}: {table.trust}")
    lines.append(
        "Уровень (и класс) принимает оператор решением своей комиссии; "
        "комплект рассчитывает их по заявленным данным."
    )
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    result = coverage(load_profile(profile_path(args.name)))
    if args.format == "json":
        data = asdict(result) | {"required": result.required}
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(_table(result))
    return 0


def _shorten(text: str) -> str:
    return text if len(text) <= _TITLE_WIDTH else text[: _TITLE_WIDTH - 1] + "…"


def _table(result: Coverage) -> str:
    state = f", класс ГИС {result.state_class}" if result.state_class else ""
    header = ("Мера", "Способ", "Реализация", "Наименование (сокращённо)")
    rows = [
        (
            row.code + _ORIGIN_MARK[row.origin],
            row.kind or ("исключена" if row.origin == "removed" else "unmapped"),
            row.detail,
            _shorten(row.title),
        )
        for row in result.rows
    ]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(3)]
    lines = [f"Профиль {result.profile}: {result.title}", f"УЗ-{result.level}{state}", ""]
    for *cells, title in [header, *rows]:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        lines.append("  ".join([*padded, title]))
    lines += [
        "",
        "+ добавлена регионом, − исключена регионом (причины — в профиле и в --format json)",
        "",
        f"Покрытие: базовый набор УЗ-{result.level} — {result.base_set} мер, "
        f"добавлено регионом — {result.added}, исключено — {result.removed}; "
        f"к выполнению — {result.required}:",
    ]
    lines.append(f"  {'':<20} {'всего':>5}  из базового набора")
    lines += [
        f"  {bucket:<20} {count:>5}  {result.base_counts[bucket]:>3}"
        for bucket, count in result.counts.items()
    ]
    checked = f"  с автоматическими проверками `regbank attest` (checked_by): {result.checked} мер"
    waiting = sum(1 for row in result.rows if row.bucket == "planned" and row.checks)
    if waiting:  # a check of a planned measure fails until its role is written
        checked += f" (из них среди planned — {waiting}: проверка не проходит, пока роли нет)"
    lines.append(checked)
    if result.external_slots:
        lines += ["", "Слоты сертифицированных средств (external):"]
        for name, slot in result.external_slots.items():
            lines += [f"  {name}", f"    нужно: {slot.required}", f"    лаборатория: {slot.lab}"]
    if result.gaps:
        lines += ["", "Не учтено в покрытии:", *(f"  {gap}" for gap in result.gaps)]
    return "\n".join(lines)
