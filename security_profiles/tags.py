"""ASCII spelling of measure codes, used as Ansible tags: ``ИАФ.1`` → ``fstec21_iaf_1``.

Cyrillic letters follow the ICAO Doc 9303 transliteration (the one used in Russian
passports): Ц → ts, Х → kh, Щ → shch. Digits stay; ``.`` becomes ``_``.
"""

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip


def ascii_code(code: str) -> str:
    """``ЗСВ.10`` → ``zsv_10``; raises ValueError on a character it cannot spell."""
    spelled = []
    for char in code.lower():
        if char in _LETTERS:
            spelled.append(_LETTERS[char])
        elif char.isascii() and char.isdigit():
            spelled.append(char)
        elif char == ".":
            spelled.append("_")
        else:
            raise ValueError(f"cannot spell {char!r} of measure code {code!r} in ASCII")
    return "".join(spelled)


def measure_tag(framework: str, code: str) -> str:
    """The Ansible tag of a measure: ``measure_tag('fstec21', 'ИАФ.1')`` → ``fstec21_iaf_1``."""
    return f"{framework}_{ascii_code(code)}"
