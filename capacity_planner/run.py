"""One planner run: read and check both inputs, plan, then write every output.

Inputs are validated before anything is written, so a bad region or calibration
file leaves the output directory untouched.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from capacity_planner.ansible_vars import write_host_vars
from capacity_planner.calibration import Calibration, load_calibration
from capacity_planner.planner import RegionPlan, plan_region
from capacity_planner.plots import write_charts
from capacity_planner.region import load_region
from capacity_planner.report import build_report, write_reports


@dataclass(frozen=True)
class PlanRun:
    plan: RegionPlan
    calibration: Calibration
    out_dir: Path
    written: list[Path]


def run_plan(
    region_file: Path,
    calibration_file: Path,
    out_dir: Path | None,
    run_date: datetime.date,
) -> PlanRun:
    """Plan the region; write report.md, report.html, charts and host_vars into out_dir
    (default ./plan-<region slug>/)."""
    region = load_region(region_file)
    calibration = load_calibration(calibration_file)
    plan = plan_region(region, calibration.coefficients)
    target = out_dir or Path(f"plan-{region.output_slug}")
    target.mkdir(parents=True, exist_ok=True)
    charts = write_charts(plan, target)
    host_vars = write_host_vars(plan, calibration, region_file, target)
    document = build_report(plan, calibration, region_file, charts, host_vars, run_date)
    reports = write_reports(document, target)
    chart_files = [target / f"{c.stem}.{ext}" for c in charts for ext in ("png", "svg")]
    return PlanRun(plan, calibration, target, [*reports, *chart_files, *host_vars])
