"""The interactive questions of `regbank profile level`."""

from security_profiles.levels import load_class_table, load_decree1119
from security_profiles.questionnaire import ask_level_input


def _run(answers):
    pending = list(answers)
    shown = []

    def ask(prompt):
        shown.append(prompt)
        return pending.pop(0)

    result = ask_level_input(load_decree1119(), load_class_table(), ask, shown.append)
    assert pending == [], "every scripted answer is used"
    return result, shown


def test_answers_become_the_level_input():
    # special, biometric, public, other; subjects; threat type; state system; significance; scale
    result, shown = _run(["д", "н", "н", "да", "120 000", "2", "д", "1", "2"])
    assert result.categories == ["special", "other"]
    assert result.subjects == 120_000
    assert result.threat_type == 2
    assert (result.significance, result.scale) == ("high", "regional")
    assert shown[0].startswith("Уровень защищенности ПДн")
    assert any("Специальные категории ПДн" in line for line in shown)


def test_bad_answers_are_asked_again():
    answers = ["н", "н", "н", "н"]  # no category at all: asked again
    answers += ["может", "н", "н", "н", "д"]  # not yes/no, then other
    answers += ["много", "0", "4", "3", "н"]  # not a number; threat type out of range
    result, shown = _run(answers)
    assert result.categories == ["other"]
    assert result.subjects == 0
    assert result.threat_type == 3
    assert result.significance is None
    assert "Нужна хотя бы одна категория." in shown
    assert "Ответьте «д» (да) или «н» (нет)." in shown
    assert "Введите целое число, например 45000." in shown
    assert "Введите число от 1 до 3." in shown


def test_only_digits_0_to_9_are_numbers():
    # "²" is a digit to str.isdigit() that int() refuses (a traceback once); "٣" int()
    # would read as 3, but a count typed so is a slip: both are asked again.
    answers = ["н", "н", "н", "д", "²", "٣", "45000", "²", "3", "н"]
    result, shown = _run(answers)
    assert result.subjects == 45000
    assert result.threat_type == 3
    assert shown.count("Введите целое число, например 45000.") == 2
    assert "Введите число от 1 до 3." in shown
