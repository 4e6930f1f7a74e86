"""Questions in Russian that collect the inputs of `regbank profile level` interactively."""

from collections.abc import Callable
from typing import TypeVar

from security_profiles.levels import (
    CATEGORIES,
    SCALES,
    SIGNIFICANCES,
    THREAT_TYPES,
    ClassTable,
    Decree1119,
    LevelInput,
)

Ask = Callable[[str], str]  # shows a prompt, returns the answer line
Tell = Callable[[str], None]  # shows a line

Key = TypeVar("Key")

_YES = {"д", "да", "y", "yes"}
_NO = {"н", "нет", "n", "no"}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_number(answer: str) -> bool:
    """Digits 0-9 only: str.isdigit() also takes ² and other digits int() refuses."""
    return answer.isascii() and answer.isdigit()


def _yes(ask: Ask, tell: Tell, question: str) -> bool:
    while True:
        answer = ask(f"{question} [д/н]: ").strip().lower()
        if answer in _YES | _NO:
            return answer in _YES
        tell("Ответьте «д» (да) или «н» (нет).")


def _choice(ask: Ask, tell: Tell, question: str, options: dict[Key, str]) -> Key:
    keys = list(options)
    tell(question)
    for number, key in enumerate(keys, start=1):
        tell(f"  {number}. {options[key]}")
    while True:
        answer = ask(f"Номер [1-{len(keys)}]: ").strip()
        if _is_number(answer) and 1 <= int(answer) <= len(keys):
            return keys[int(answer) - 1]
        tell(f"Введите число от 1 до {len(keys)}.")


def _count(ask: Ask, tell: Tell, question: str) -> int:
    while True:
        answer = ask(f"{question}: ").strip().replace(" ", "")
        if _is_number(answer):
            return int(answer)
        tell("Введите целое число, например 45000.")


def ask_level_input(decree: Decree1119, table: ClassTable, ask: Ask, tell: Tell) -> LevelInput:
    tell(f"Уровень защищенности ПДн ({decree.title}).")
    categories = []
    while not categories:
        tell("Какие категории персональных данных обрабатывает система?")
        categories = [c for c in CATEGORIES if _yes(ask, tell, _sentence(decree.categories[c]))]
        if not categories:
            tell("Нужна хотя бы одна категория.")
    subjects = _count(
        ask,
        tell,
        "Сколько субъектов ПДн, не являющихся работниками оператора (0 — только работники)",
    )
    threat_type = _choice(
        ask, tell, "Тип актуальных угроз:", {t: decree.threat_types[t] for t in THREAT_TYPES}
    )
    significance = scale = None
    if _yes(ask, tell, "Система — государственная информационная система (ГИС)?"):
        significance = _choice(
            ask,
            tell,
            "Уровень значимости информации:",
            {s: table.significance[s] for s in SIGNIFICANCES},
        )
        scale = _choice(ask, tell, "Масштаб системы:", {s: table.scale[s] for s in SCALES})
    return LevelInput(
        categories=categories,
        subjects=subjects,
        threat_type=threat_type,
        significance=significance,
        scale=scale,
    )
