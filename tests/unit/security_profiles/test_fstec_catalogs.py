"""The measure catalogs: completeness, uniqueness, trust notes kept, ASCII tags."""

import re
from collections import Counter

import pytest
from pydantic import ValidationError

from security_profiles.catalog import Catalog, load_catalogs
from security_profiles.tags import ascii_code, measure_tag


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def test_order21_has_every_measure_and_group(catalogs):
    fstec21 = catalogs["fstec21"]
    assert len(fstec21.measures) == 109
    assert [group.code for group in fstec21.groups] == [
        "ИАФ", "УПД", "ОПС", "ЗНИ", "РСБ", "АВЗ", "СОВ", "АНЗ",
        "ОЦЛ", "ОДТ", "ЗСВ", "ЗТС", "ЗИС", "ИНЦ", "УКФ",
    ]  # fmt: skip
    per_group = Counter(measure.group for measure in fstec21.measures)
    assert per_group == {
        "ИАФ": 6, "УПД": 17, "ОПС": 4, "ЗНИ": 8, "РСБ": 7, "АВЗ": 2, "СОВ": 2, "АНЗ": 5,
        "ОЦЛ": 8, "ОДТ": 5, "ЗСВ": 10, "ЗТС": 5, "ЗИС": 20, "ИНЦ": 6, "УКФ": 4,
    }  # fmt: skip


@pytest.mark.parametrize("framework", ["fstec21", "fstec117"])
def test_codes_are_unique_within_a_framework(catalogs, framework):
    codes = [measure.code for measure in catalogs[framework].measures]
    groups = [group.code for group in catalogs[framework].groups]
    assert len(codes) == len(set(codes))
    assert len(groups) == len(set(groups))


def test_base_set_sizes_per_level(catalogs):
    fstec21 = catalogs["fstec21"]
    sizes = {level: len(fstec21.base_set(level)) for level in (1, 2, 3, 4)}
    assert sizes == {1: 69, 2: 66, 3: 41, 4: 27}
    # A stricter level's base set contains the weaker one's.
    for weaker, stricter in ((4, 3), (3, 2), (2, 1)):
        codes = {level: {m.code for m in fstec21.base_set(level)} for level in (weaker, stricter)}
        assert codes[weaker] <= codes[stricter]


def test_trust_notes_are_kept(catalogs):
    fstec21 = catalogs["fstec21"]
    confidence = Counter(measure.confidence for measure in fstec21.measures)
    assert confidence == {"cross_checked": 92, "single_source": 16, "conflict": 1}
    ocl3 = fstec21.measure("ОЦЛ.3")
    assert ocl3.levels == "unknown"
    assert ocl3.levels_per_source_A == []
    assert "[B] gives [2, 1]" in ocl3.crosscheck_B
    assert [measure.code for measure in fstec21.undetermined()] == ["ОЦЛ.3"]
    assert ocl3 not in fstec21.base_set(1)
    assert fstec21.trust and fstec21.status == "transcribed"


def test_every_source_letter_resolves(catalogs):
    fstec21 = catalogs["fstec21"]
    used = {m.title_full_source for m in fstec21.measures if m.title_full_source}
    assert used == {"R", "Q"}
    assert used <= set(fstec21.sources)
    for measure in fstec21.measures:
        assert measure.group in {group.code for group in fstec21.groups}
        assert measure.code.startswith(measure.group + ".")


def test_order117_is_a_stub_that_says_what_is_missing(catalogs):
    fstec117 = catalogs["fstec117"]
    assert fstec117.status == "stub"
    assert fstec117.measures == []
    assert len(fstec117.missing) >= 3
    assert str(fstec117.in_force_from) == "2026-03-01"
    # Keyed by framework: a code of Order 21 is not a code of Order 117.
    assert fstec117.measure("ИАФ.1") is None


def _catalog_data(**changes):
    data = {
        "framework": "fstec21",
        "title": "t",
        "status": "transcribed",
        "trust": "t",
        "sources": {},
        "groups": [{"code": "ИАФ", "section": "I", "title": "t"}],
        "measures": [
            {
                "code": "ИАФ.1",
                "group": "ИАФ",
                "title_abridged": "t",
                "levels": [1],
                "crosscheck_B": "agree",
                "crosscheck_C": "absent",
                "confidence": "cross_checked",
            }
        ],
    }
    return data | changes


def test_catalog_refuses_a_duplicated_code():
    data = _catalog_data()
    data["measures"] = data["measures"] * 2
    with pytest.raises(ValidationError, match="measure code 'ИАФ.1' appears twice"):
        Catalog.model_validate(data)


def test_catalog_refuses_a_measure_outside_its_group():
    data = _catalog_data()
    data["measures"][0] = data["measures"][0] | {"code": "УПД.1"}
    with pytest.raises(ValidationError, match="does not match"):
        Catalog.model_validate(data)


def test_a_stub_must_say_what_is_missing():
    with pytest.raises(ValidationError, match="must say what is missing"):
        Catalog.model_validate(_catalog_data(status="stub", measures=[]))


def test_tags_of_every_code_are_ascii_and_unique(catalogs):
    tags = [measure_tag("fstec21", m.code) for m in catalogs["fstec21"].measures]
    assert len(set(tags)) == len(tags) == 109
    for tag in tags:
        assert re.fullmatch(r"fstec21_[a-z]+_[0-9]+", tag), tag


@pytest.mark.parametrize(
    ("code", "tag"),
    [
        ("ИАФ.1", "fstec21_iaf_1"),
        ("УПД.17", "fstec21_upd_17"),
        ("ОЦЛ.3", "fstec21_otsl_3"),
        ("ЗСВ.10", "fstec21_zsv_10"),
        ("ИНЦ.6", "fstec21_ints_6"),
        ("УКФ.4", "fstec21_ukf_4"),
    ],
)
def test_tag_spelling(code, tag):
    assert measure_tag("fstec21", code) == tag


def test_ascii_code_refuses_what_it_cannot_spell():
    with pytest.raises(ValueError, match="cannot spell"):
        ascii_code("ИАФ-1")
