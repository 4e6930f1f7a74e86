"""Helpers shared by the planner's tests (a unique module name: tests/unit has no packages)."""

import dataclasses
from pathlib import Path

from capacity_planner.calibration import Coefficients

EXAMPLES = Path(__file__).resolve().parents[3] / "capacity_planner" / "examples"
SAMPLE_REGION = EXAMPLES / "sample_region.yaml"
LARGE_REGION = EXAMPLES / "large_region.yaml"


def unit_coefficients(**overrides: float) -> Coefficients:
    """Every coefficient 1.0 (ratios and fills too) unless overridden: easy hand sums."""
    values = {field.name: 1.0 for field in dataclasses.fields(Coefficients)}
    return Coefficients(**(values | overrides))
