"""Decree 1119 (УЗ) and Order 17 (class) determination, and the level input file."""

import pytest
from pydantic import ValidationError

from security_profiles.datafile import DataFileError
from security_profiles.levels import (
    CATEGORIES,
    SUBJECTS_CLASSES,
    THREAT_TYPES,
    Decree1119,
    LevelInput,
    determine,
    load_class_table,
    load_decree1119,
    load_level_input,
    protection_level,
)

# An independent copy of the decree's table, written as a matrix (the catalog holds it
# as rules): EXPECTED[threat_type][category] = {subjects: (УЗ, clause)}.
E, L, G = "employees_only", "lt_100k", "gt_100k"
EXPECTED = {
    1: {
        "special": {E: (1, "п. 9 а)"), L: (1, "п. 9 а)"), G: (1, "п. 9 а)")},
        "biometric": {E: (1, "п. 9 а)"), L: (1, "п. 9 а)"), G: (1, "п. 9 а)")},
        "public": {E: (2, "п. 10 а)"), L: (2, "п. 10 а)"), G: (2, "п. 10 а)")},
        "other": {E: (1, "п. 9 а)"), L: (1, "п. 9 а)"), G: (1, "п. 9 а)")},
    },
    2: {
        "special": {E: (2, "п. 10 б)"), L: (2, "п. 10 в)"), G: (1, "п. 9 б)")},
        "biometric": {E: (2, "п. 10 г)"), L: (2, "п. 10 г)"), G: (2, "п. 10 г)")},
        "public": {E: (3, "п. 11 а)"), L: (3, "п. 11 а)"), G: (2, "п. 10 д)")},
        "other": {E: (3, "п. 11 б)"), L: (3, "п. 11 б)"), G: (2, "п. 10 е)")},
    },
    3: {
        "special": {E: (3, "п. 11 в)"), L: (3, "п. 11 в)"), G: (2, "п. 10 ж)")},
        "biometric": {E: (3, "п. 11 г)"), L: (3, "п. 11 г)"), G: (3, "п. 11 г)")},
        "public": {E: (4, "п. 12 а)"), L: (4, "п. 12 а)"), G: (4, "п. 12 а)")},
        "other": {E: (4, "п. 12 б)"), L: (4, "п. 12 б)"), G: (3, "п. 11 д)")},
    },
}
CELLS = [
    (threat, category, subjects)
    for threat in THREAT_TYPES
    for category in CATEGORIES
    for subjects in SUBJECTS_CLASSES
]


@pytest.fixture(scope="module")
def decree():
    return load_decree1119()


@pytest.fixture(scope="module")
def table():
    return load_class_table()


@pytest.mark.parametrize(("threat", "category", "subjects"), CELLS)
def test_every_cell_of_the_decree_table(decree, threat, category, subjects):
    verdict = protection_level(decree, [category], subjects, threat)
    assert (verdict.uz, verdict.deciding[0].rule.clause) == EXPECTED[threat][category][subjects]


def test_mixed_categories_are_each_evaluated_never_collapsed(decree):
    # Collapsing by priority (public before other) would give УЗ-2; 'other' gives УЗ-1.
    verdict = protection_level(decree, ["public", "other"], "lt_100k", 1)
    assert verdict.uz == 1
    assert [(v.category, v.rule.uz) for v in verdict.evaluated] == [("public", 2), ("other", 1)]
    assert [(v.category, v.rule.clause) for v in verdict.deciding] == [("other", "п. 9 а)")]


def test_the_strictest_category_decides_whatever_the_order(decree):
    verdict = protection_level(decree, ["other", "special"], "gt_100k", 2)
    assert verdict.uz == 1
    assert [v.category for v in verdict.deciding] == ["special"]
    assert verdict.deciding[0].rule.clause == "п. 9 б)"


def test_ties_name_every_deciding_category(decree):
    verdict = protection_level(decree, ["special", "biometric", "public"], "lt_100k", 1)
    assert verdict.uz == 1
    assert [v.category for v in verdict.deciding] == ["special", "biometric"]


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "employees_only"), (1, "lt_100k"), (99_999, "lt_100k"), (100_000, "gt_100k")],
)
def test_subject_counts(decree, count, expected):
    # Exactly 100 000 is not addressed by the decree: treated as "more than".
    assert decree.subjects_class(count) == expected


def test_decree_table_must_be_complete_and_unambiguous(decree):
    data = decree.model_dump()
    with pytest.raises(ValidationError, match="0 rules for"):
        Decree1119.model_validate(data | {"rules": data["rules"][1:]})
    with pytest.raises(ValidationError, match="2 rules for"):
        Decree1119.model_validate(data | {"rules": [*data["rules"], data["rules"][0]]})


@pytest.mark.parametrize(
    ("significance", "scale", "expected"),
    [
        ("high", "federal", "К1"),
        ("high", "regional", "К1"),
        ("high", "object", "К1"),
        ("medium", "federal", "К1"),
        ("medium", "regional", "К2"),
        ("medium", "object", "К2"),
        ("low", "federal", "К2"),
        ("low", "regional", "К3"),
        ("low", "object", "К3"),
    ],
)
def test_class_table(table, significance, scale, expected):
    assert table.state_class(significance, scale) == expected


def test_class_table_says_order_17_was_replaced(table):
    assert table.replaced_by.framework == "fstec117"
    assert str(table.replaced_by.in_force_from) == "2026-03-01"
    assert "01.03.2026" in table.replaced_by.note


def test_determination_from_a_file(tmp_path, decree, table):
    path = tmp_path / "level.yaml"
    path.write_text(
        "categories: [special, other]\nsubjects: 100000\nthreat_type: 2\n"
        "significance: medium\nscale: regional\n",
        encoding="utf-8",
    )
    result = determine(decree, table, load_level_input(path))
    assert result.level.uz == 1
    assert result.level.subjects == "gt_100k"
    assert result.state_class.state_class == "К2"


def test_without_significance_there_is_no_class(decree, table):
    declared = LevelInput(categories=["public"], subjects="employees_only", threat_type=3)
    result = determine(decree, table, declared)
    assert (result.level.uz, result.state_class) == (4, None)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("categories: [special, medical]\nsubjects: 5\nthreat_type: 1", "categories[1]", "medical"),
        ("categories: [special]\nsubjects: 5\nthreat_type: 4", "threat_type", "1, 2 or 3"),
        ("categories: [special]\nsubjects: -5\nthreat_type: 1", "subjects", "number of subjects"),
        ("categories: [special]\nsubjects: many\nthreat_type: 1", "subjects", "'many'"),
        ("categories: []\nsubjects: 5\nthreat_type: 1", "categories", "at least 1"),
        ("categories: [other, other]\nsubjects: 5\nthreat_type: 1", "categories", "twice"),
        ("categories: [other]\nthreat_type: 1", "subjects", "Field required"),
        ("categories: [other]\nsubjects: 5\nthreat: 1\nthreat_type: 1", "threat", "not permitted"),
        (
            "categories: [other]\nsubjects: 5\nthreat_type: 1\nsignificance: high",
            "(top level)",
            "give both or neither",
        ),
        (
            "categories: [other]\nsubjects: 5\nthreat_type: 1\nsignificance: high\nscale: city",
            "scale",
            "city",
        ),
        ("- special\n", "(top level)", "valid dictionary"),
    ],
)
def test_bad_level_input_names_file_and_key(tmp_path, text, key, message):
    path = tmp_path / "declared.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_level_input(path)
    report = str(caught.value)
    assert "declared.yaml" in report
    assert f"  {key}: " in report
    assert message in report


def test_level_input_that_is_not_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("categories: [special\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="broken.yaml: not valid YAML"):
        load_level_input(path)
