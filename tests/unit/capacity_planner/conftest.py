"""Fixtures for the capacity planner's tests: the shipped examples and coefficients."""

from pathlib import Path

import pytest
import yaml
from planner_helpers import SAMPLE_REGION

from capacity_planner.calibration import Coefficients, load_calibration


@pytest.fixture(scope="session")
def shipped_coefficients() -> Coefficients:
    return load_calibration().coefficients


@pytest.fixture
def sample_data() -> dict:
    """The sample region as plain data, to change and write back as a new file."""
    return yaml.safe_load(SAMPLE_REGION.read_text(encoding="utf-8"))


@pytest.fixture
def write_region(tmp_path):
    def write(data: dict, name: str = "region.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        return path

    return write
