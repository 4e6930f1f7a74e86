"""Bad region files are refused with one line per problem naming file, line and key."""

import re

import pytest
from planner_helpers import LARGE_REGION, SAMPLE_REGION

from capacity_planner.region import Topology, load_region, slugify
from capacity_planner.yaml_input import InputFileError
from regbank_foundation.errors import RegbankError


def _set(data: dict, path: tuple, value) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _drop(data: dict, path: tuple) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def _rename(data: dict, path: tuple, new_key: str) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[new_key] = target.pop(path[-1])
    return data


MO = ("municipalities",)

# (case, change to the sample data, key path in the message, what the message says)
BAD_REGIONS = [
    (
        "missing МО list",
        lambda d: _drop(d, MO),
        "municipalities",
        "required key is missing",
    ),
    (
        "empty МО list",
        lambda d: _set(d, MO, []),
        "municipalities",
        "expected at least 1 item",
    ),
    (
        "negative families",
        lambda d: _set(d, (*MO, 2, "families"), -5),
        "municipalities[2].families",
        "expected a number >= 0, got -5",
    ),
    (
        "unknown topology",
        lambda d: _set(d, ("topology",), "star"),
        "topology",
        "expected one of 'centralized', 'distributed' or 'mixed', got 'star'",
    ),
    (
        "year key that is not a year",
        lambda d: _set(d, (*MO, 0, "actions", "all"), {"20l8": 1, 2019: 2, 2020: 3}),
        "municipalities[0].actions.all",
        "key '20l8': expected a year such as 2020",
    ),
    (
        "year key out of range",
        lambda d: _set(d, (*MO, 1, "actions", "entry"), {1899: 1, 2020: 3}),
        "municipalities[1].actions.entry",
        "key '1899': expected a year such as 2020",
    ),
    (
        "availability above 1",
        lambda d: _set(d, (*MO, 3, "link", "availability"), 1.5),
        "municipalities[3].link.availability",
        "expected a number <= 1, got 1.5",
    ),
    (
        "duplicate МО codes",
        lambda d: _set(d, (*MO, 1, "code"), "MO-1"),
        "municipalities[1].code",
        "duplicate МО code 'MO-1': municipalities[0] has 'MO-1'",
    ),
    (
        "codes that would give the same host name",
        lambda d: _set(d, (*MO, 1, "code"), "mo_1"),
        "municipalities[1].code",
        "duplicate МО code 'mo_1': municipalities[0] has 'MO-1', and both name the host 'mo1-srv'",
    ),
    (
        "code that names the regional server",
        lambda d: _set(d, (*MO, 4, "code"), "Region"),
        "municipalities[4].code",
        "expected a code whose host name is not 'region-srv', the regional server's; "
        "'Region' would give the МО's server that name",
    ),
    (
        "code with Cyrillic look-alike letters",
        lambda d: _set(d, (*MO, 2, "code"), "МО-3"),
        "municipalities[2].code",
        "expected an МО code: Latin letters, digits, '-' and '_', at most 32 characters, "
        "starting with a letter or a digit, got 'МО-3'",
    ),
    (
        "code with a space",
        lambda d: _set(d, (*MO, 2, "code"), "MO 3"),
        "municipalities[2].code",
        "expected an МО code",
    ),
    (
        "code of 60 characters",
        lambda d: _set(d, (*MO, 2, "code"), "M" * 60),
        "municipalities[2].code",
        "expected an МО code",
    ),
    (
        "code given as a number",
        lambda d: _set(d, (*MO, 2, "code"), 3),
        "municipalities[2].code",
        "expected an МО code",
    ),
    (
        "infinite bandwidth",
        lambda d: _set(d, (*MO, 3, "link", "bandwidth_mbps"), float("inf")),
        "municipalities[3].link.bandwidth_mbps",
        "expected a finite number, got inf",
    ),
    (
        "nan availability",
        lambda d: _set(d, (*MO, 3, "link", "availability"), float("nan")),
        "municipalities[3].link.availability",
        "expected a finite number, got nan",
    ),
    (
        "infinite uplink",
        lambda d: _set(d, ("regional_site", "uplink_mbps"), float("inf")),
        "regional_site.uplink_mbps",
        "expected a finite number, got inf",
    ),
    (
        "infinite peak factor",
        lambda d: _set(d, ("load_profile", "peak_factor"), float("inf")),
        "load_profile.peak_factor",
        "expected a finite number, got inf",
    ),
    (
        "negative infinite growth",
        lambda d: _set(d, ("growth", "actions_per_year"), float("-inf")),
        "growth.actions_per_year",
        "expected a finite number, got -inf",
    ),
    (
        "infinite outage",
        lambda d: _set(d, ("outage_days",), float("inf")),
        "outage_days",
        "expected a finite number, got inf",
    ),
    (
        "bandwidth given as a boolean",
        lambda d: _set(d, (*MO, 3, "link", "bandwidth_mbps"), True),
        "municipalities[3].link.bandwidth_mbps",
        "expected a number, got True",
    ),
    (
        "families given as a boolean",
        lambda d: _set(d, (*MO, 3, "families"), True),
        "municipalities[3].families",
        "expected a whole number, got True",
    ),
    (
        "an action count given as a boolean",
        lambda d: _set(d, (*MO, 3, "actions", "all", 2019), False),
        "municipalities[3].actions.all[2019]",
        "expected a whole number, got False",
    ),
    (
        "a number given as text",
        lambda d: _set(d, ("server_limits", "max_vcpu"), "32"),
        "server_limits.max_vcpu",
        "expected a whole number, got '32'",
    ),
    (
        "a count too large to plan",
        lambda d: _set(d, (*MO, 3, "minors"), 10**30),
        "municipalities[3].minors",
        "expected a number <= 1000000000",
    ),
    (
        "zero users with actions",
        lambda d: _set(d, (*MO, 5, "users"), {}),
        "municipalities[5].users",
        "expected at least one user: the МО has 16663 actions in 2020",
    ),
    (
        "horizon 0",
        lambda d: _set(d, ("horizon_years",), 0),
        "horizon_years",
        "expected a number >= 1, got 0",
    ),
    (
        "non-numeric bandwidth",
        lambda d: _set(d, (*MO, 3, "link", "bandwidth_mbps"), "fast"),
        "municipalities[3].link.bandwidth_mbps",
        "expected a number, got 'fast'",
    ),
    (
        "typo in a field name",
        lambda d: _rename(d, (*MO, 4, "families"), "famillies"),
        "municipalities[4].famillies",
        "unknown key 'famillies' (expected one of: code, name, families, minors, users, link, "
        "municipal_server, actions); did you mean 'families'?",
    ),
    (
        "typo in a policy section",
        lambda d: _rename(d, ("backups",), "backup"),
        "backup",
        "did you mean 'backups'?",
    ),
    (
        "retention shorter than the full-backup period",
        lambda d: _set(d, ("backups", "retention_days"), 5),
        "backups.retention_days",
        "expected at least backups.full_every_days (7)",
    ),
    (
        "differential rarer than full",
        lambda d: _set(d, ("backups", "differential_every_days"), 14),
        "backups.differential_every_days",
        "expected at most backups.full_every_days (7)",
    ),
    (
        "entry actions above all actions",
        lambda d: _set(d, (*MO, 0, "actions", "entry", 2020), 99_999),
        "municipalities[0].actions.entry[2020]",
        "expected at most actions.all[2020] = 38258, got 99999",
    ),
    (
        "entry split that does not add up",
        lambda d: _set(d, (*MO, 0, "actions", "entry_kdn", 2020), 1),
        "municipalities[0].actions.entry[2020]",
        "expected entry_kdn + entry_other = 12259, got 17514",
    ),
    (
        "years differing between МО",
        lambda d: _drop(d, (*MO, 5, "actions", "all", 2018)),
        "municipalities[5].actions.all",
        "expected the same years as municipalities[0] ([2018, 2019, 2020]), got [2019, 2020]",
    ),
    (
        "gap in the years",
        lambda d: [_drop(d, (*MO, i, "actions", "all", 2019)) for i in range(10)] and d,
        "municipalities[0].actions.all",
        "expected consecutive years, got [2018, 2020]",
    ),
    (
        "no entry figure for the last year",
        lambda d: _drop(d, (*MO, 6, "actions", "entry", 2020)),
        "municipalities[6].actions.entry",
        "expected a value for 2020, the last year",
    ),
    (
        "entry for a year without a total",
        lambda d: _set(d, (*MO, 6, "actions", "entry", 2017), 5),
        "municipalities[6].actions.entry[2017]",
        "year 2017 has no total in actions.all",
    ),
    (
        "wish contradicting the topology",
        lambda d: _set(
            _set(d, ("topology",), "centralized"), (*MO, 2, "municipal_server"), "always"
        ),
        "municipalities[2].municipal_server",
        "'always' contradicts topology 'centralized'",
    ),
    (
        "users given as a number instead of by agency",
        lambda d: _set(d, (*MO, 0, "users"), 25),
        "municipalities[0].users",
        "expected a mapping of keys, got 25",
    ),
    (
        "unknown agency type",
        lambda d: _set(d, (*MO, 0, "users", "schools"), 3),
        "municipalities[0].users.schools",
        "unknown key 'schools'",
    ),
    (
        "missing link",
        lambda d: _drop(d, (*MO, 9, "link")),
        "municipalities[9].link",
        "required key is missing",
    ),
    (
        "bad slug",
        lambda d: _set(d, ("slug",), "Sample Region"),
        "slug",
        "expected text matching",
    ),
]


@pytest.mark.parametrize(
    ("change", "key_path", "expected"),
    [case[1:] for case in BAD_REGIONS],
    ids=[case[0] for case in BAD_REGIONS],
)
def test_bad_region_is_refused_naming_file_line_and_key(
    sample_data, write_region, change, key_path, expected
):
    path = write_region(change(sample_data))
    with pytest.raises(RegbankError) as raised:
        load_region(path)
    header, *problems = str(raised.value).splitlines()
    assert re.fullmatch(rf"{re.escape(str(path))}: \d+ problems?, nothing was written", header)
    located = re.compile(rf"{re.escape(str(path))}:\d+: {re.escape(key_path)}: .*")
    assert any(located.fullmatch(p) and expected in p for p in problems), problems


def test_the_line_is_the_line_of_the_bad_value(sample_data, write_region):
    path = write_region(_set(sample_data, (*MO, 3, "link", "bandwidth_mbps"), "fast"))
    line = next(
        number
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if "fast" in text
    )
    with pytest.raises(InputFileError) as raised:
        load_region(path)
    assert raised.value.problems[0].startswith(f"{path}:{line}: ")


def test_every_problem_is_listed_at_once(sample_data, write_region):
    _set(sample_data, ("horizon_years",), 0)
    _set(sample_data, (*MO, 2, "families"), -1)
    _set(sample_data, (*MO, 7, "link", "availability"), 2)
    with pytest.raises(InputFileError) as raised:
        load_region(write_region(sample_data))
    assert len(raised.value.problems) == 3
    assert str(raised.value).startswith(f"{raised.value.path}: 3 problems, nothing was written")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("region: X\ntopology: mixed\nmunicipalities:\n  - code: [MO-1\n", "utf-8")
    with pytest.raises(InputFileError) as raised:
        load_region(path)
    assert re.match(rf"{re.escape(str(path))}:\d+: YAML syntax error: ", raised.value.problems[0])


def test_duplicate_yaml_key_is_refused_with_both_lines(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("region: X\ntopology: mixed\ntopology: distributed\n", "utf-8")
    with pytest.raises(InputFileError) as raised:
        load_region(path)
    assert raised.value.problems == [
        f"{path}:3: YAML syntax error: duplicate key 'topology' (first given on line 2)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "got an empty file"), ("- a\n- b\n", "got list"), ("just text\n", "got str")],
)
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path, text, expected):
    path = tmp_path / "region.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputFileError, match=f"expected a mapping of keys, {expected}"):
        load_region(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InputFileError, match="cannot read the file"):
        load_region(tmp_path / "absent.yaml")


def test_the_shipped_examples_are_valid():
    sample = load_region(SAMPLE_REGION)
    assert len(sample.municipalities) == 10
    assert (sample.base_year, sample.horizon_end, sample.topology) == (2020, 2025, Topology.MIXED)
    assert sample.output_slug == "sample-region"
    large = load_region(LARGE_REGION)
    assert len(large.municipalities) == 60


def test_a_minimal_region_takes_every_policy_from_the_defaults(write_region):
    minimal = {
        "region": "Тестовый край",
        "topology": "centralized",
        "horizon_years": 3,
        "municipalities": [
            {
                "code": "MO-1",
                "name": "МО-1",
                "families": 1,
                "minors": 2,
                "users": {"kdn": 1},
                "link": {"bandwidth_mbps": 10, "availability": 0.999},
                "actions": {"all": {2024: 100}, "entry": {2024: 40}},
            }
        ],
    }
    region = load_region(write_region(minimal))
    assert region.backups.retention_days == 30
    assert region.output_slug == "testovyy-kray"


def test_slugify_transliterates_russian_names():
    assert slugify("Образцовый регион (10 МО)") == "obraztsovyy-region-10-mo"
    assert slugify("***") == "region"
