"""Generated bad region files through `regbank plan`: clear errors, never a traceback.

Hypothesis changes the sample region at random places (a value replaced by a value of
another kind, out of range, not finite, a bad МО code; a key removed; an unknown key
added) and runs the real command. Every run must end in a plan (exit 0) or in a
list of problems naming the file (exit 2) with nothing written; an exception would
reach the user as a traceback and fails the test.
"""

import copy
import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_helpers import SAMPLE_REGION

from regbank.cli import main

SAMPLE = yaml.safe_load(SAMPLE_REGION.read_text(encoding="utf-8"))


def _paths(node, prefix=()):
    """Every key path of the sample, mappings and lists included."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PATHS = [path for path in _paths(SAMPLE) if path]

# Values no number, count or mapping of a region file accepts (text may still be a
# valid name, which then plans).
BAD_VALUES = st.one_of(
    st.sampled_from(
        [
            math.inf,
            -math.inf,
            math.nan,
            True,
            False,
            -1,
            10**400,
            1e308,
            -1e308,
            "",
            "5",
            ".inf",
            "region",
            "МО-1",
            "MO 1",
            "M" * 60,
            "mo_1",
            None,
            [],
            [1, 2],
            {},
            {"all": {}},
            {2020: -5},
        ]
    ),
    st.floats(max_value=-0.6),  # below every lower bound (growth may fall by half)
    st.floats(min_value=1e7),  # above every upper bound of a number
    st.integers(max_value=-1),
    st.integers(min_value=10**9 + 1),  # above every upper bound of a count
    st.text(max_size=70),
)
# Keys a region file cannot do without (removing any other falls back to a default).
REQUIRED = {
    "region",
    "topology",
    "horizon_years",
    "municipalities",
    "code",
    "name",
    "families",
    "minors",
    "users",
    "link",
    "bandwidth_mbps",
    "availability",
    "actions",
    "all",
}


@st.composite
def changes(draw):
    """One change that makes the sample wrong: (what, key path, value)."""
    path = draw(st.sampled_from(PATHS))
    kinds = ["replace", "replace", "replace", "add"]
    if path[-1] in REQUIRED:
        kinds.append("remove")
    return draw(st.sampled_from(kinds)), path, draw(BAD_VALUES)


def _apply(data: dict, change: tuple) -> None:
    kind, path, value = change
    parent = data
    for key in path[:-1]:
        if not isinstance(parent, dict | list):
            return  # an earlier change replaced this branch
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(parent, dict):
        if kind == "remove":
            parent.pop(last, None)
        elif kind == "add":
            parent[f"{last}_extra"] = value
        else:
            parent[last] = value
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if kind == "remove":
            del parent[last]
        else:
            parent[last] = value


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same files on every run: a failure can be reproduced
    # capsys is read and emptied by every example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(change_list=st.lists(changes(), min_size=1, max_size=3))
def test_generated_region_files_get_clear_errors_not_tracebacks(capsys, change_list):
    data = copy.deepcopy(SAMPLE)
    for change in change_list:
        _apply(data, change)
    with tempfile.TemporaryDirectory() as work:
        region_file = Path(work) / "region.yaml"
        region_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out = Path(work) / "plan"
        capsys.readouterr()
        code = main(["plan", str(region_file), "--out", str(out)])
        error = capsys.readouterr().err
        assert code in (0, 2), code
        if code == 0:
            assert (out / "report.md").is_file()
            return
        assert not out.exists()
        header, *problems = error.splitlines()
        assert header.startswith(f"regbank: {region_file}: "), header
        assert header.endswith("nothing was written"), header
        assert problems and all(p.startswith(str(region_file)) for p in problems), problems
