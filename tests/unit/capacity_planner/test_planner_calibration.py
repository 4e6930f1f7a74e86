"""Calibration files: the shipped provisional one, and the checks a measured one must pass."""

import runpy

import pytest
import yaml
from planner_helpers import EXAMPLES

from capacity_planner.calibration import (
    COEFFICIENT_FIELDS,
    SHIPPED_CALIBRATION,
    load_calibration,
)
from capacity_planner.yaml_input import InputFileError


def test_the_shipped_calibration_is_provisional_and_complete():
    calibration = load_calibration()
    assert calibration.method == "provisional"
    assert calibration.measured is False
    assert set(calibration.entries) == set(COEFFICIENT_FIELDS)
    for name, entry in calibration.entries.items():
        assert entry.unit == COEFFICIENT_FIELDS[name].metadata["unit"]
        assert len(entry.source) > 20, name  # every figure says where it comes from


@pytest.fixture
def calibration_data() -> dict:
    return yaml.safe_load(SHIPPED_CALIBRATION.read_text())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["coefficients"].pop("wal_bytes_per_entry_action"),
            ":\\d+: coefficients: coefficient 'wal_bytes_per_entry_action' is missing",
        ),
        (
            lambda d: d["coefficients"]["cpu_ms_per_read_request"].update(unit="s"),
            "coefficients.cpu_ms_per_read_request.unit: expected 'ms', got 's'",
        ),
        (
            lambda d: d["coefficients"].update(
                cpu_ms_per_teapot={"value": 1, "unit": "ms", "source": "x"}
            ),
            "coefficients.cpu_ms_per_teapot: unknown coefficient",
        ),
        (
            lambda d: d["coefficients"]["audit_heap_fill"].update(value=1.2),
            "coefficients.audit_heap_fill.value: expected a ratio <= 1, got 1.2",
        ),
        (
            lambda d: d["coefficients"]["registry_heap_fill"].update(value=0),
            "coefficients.registry_heap_fill.value: expected a number > 0",
        ),
        (
            lambda d: d["coefficients"]["card_row_bytes"].update(value=-3),
            "coefficients.card_row_bytes.value: expected a number >= 0, got -3",
        ),
        (
            lambda d: d.update(measured=True),
            "measured: expected measured: false exactly when method is 'provisional'",
        ),
        (
            lambda d: d["coefficients"]["card_row_bytes"].update(value=float("inf")),
            "coefficients.card_row_bytes.value: expected a finite number, got inf",
        ),
        (
            lambda d: d["coefficients"]["card_row_bytes"].update(value=True),
            "coefficients.card_row_bytes.value: expected a number, got True",
        ),
        (lambda d: d.pop("machine"), "machine: required key is missing"),
        (lambda d: d.update(date="yesterday"), "date: "),
    ],
    ids=[
        "missing",
        "wrong unit",
        "unknown",
        "ratio above one",
        "zero fill",
        "negative",
        "infinite",
        "boolean",
        "measured but provisional",
        "no machine",
        "bad date",
    ],
)
def test_a_bad_calibration_file_is_refused(tmp_path, calibration_data, change, expected):
    change(calibration_data)
    path = tmp_path / "calibration.yaml"
    path.write_text(yaml.safe_dump(calibration_data, allow_unicode=True))
    with pytest.raises(InputFileError, match=expected):
        load_calibration(path)


def test_the_large_region_file_is_what_its_script_writes():
    script = runpy.run_path(str(EXAMPLES / "make_large_region.py"))
    assert (EXAMPLES / "large_region.yaml").read_text(encoding="utf-8") == script["render"]()
