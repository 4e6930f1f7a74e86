"""One planner run: read and check both inputs, plan, then write every output at once.

Inputs and the output folder are checked before anything is written. The outputs
are written into a new folder beside the target and renamed into place, so the
target holds one whole plan or is left as it was: never part of a plan, never a
mix of an old plan's files and a new one's.
"""

import datetime
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from capacity_planner.ansible_vars import write_host_vars
from capacity_planner.calibration import Calibration, load_calibration
from capacity_planner.planner import RegionPlan, plan_region
from capacity_planner.plots import CHART_FILES, write_charts
from capacity_planner.region import load_region
from capacity_planner.report import REPORT_FILES, build_report, write_reports
from regbank_foundation.errors import RegbankError

# What a plan's folder holds at its top level; --replace replaces only such a folder.
PLAN_ENTRIES = frozenset({*REPORT_FILES, *CHART_FILES, "host_vars"})


class OutputFolderError(RegbankError):
    """The output folder cannot take the plan; nothing was written."""


@dataclass(frozen=True)
class PlanRun:
    plan: RegionPlan
    calibration: Calibration
    out_dir: Path
    written: list[Path]
    host_vars: list[Path]


def run_plan(
    region_file: Path,
    calibration_file: Path,
    out_dir: Path | None,
    run_date: datetime.date,
    replace: bool = False,
) -> PlanRun:
    """Plan the region; write report.md, report.html, charts and host_vars into out_dir
    (default ./plan-<region slug>/), which must be new or empty unless ``replace``
    lets a previous plan's folder be replaced whole."""
    region = load_region(region_file)
    calibration = load_calibration(calibration_file)
    target = out_dir or Path(f"plan-{region.output_slug}")
    check_output_folder(target, replace)
    plan = plan_region(region, calibration.coefficients)
    with staged_folder(target, replace) as stage:
        charts = write_charts(plan, stage)
        host_vars = write_host_vars(plan, calibration, region_file, stage)
        document = build_report(plan, calibration, region_file, charts, host_vars, run_date)
        written = [*write_reports(document, stage), *(stage / name for name in CHART_FILES)]
    moved = [target / path.relative_to(stage) for path in (*written, *host_vars)]
    return PlanRun(plan, calibration, target, moved, moved[len(written) :])


def check_output_folder(target: Path, replace: bool) -> None:
    """Refuse a target that is a file or a link, or a folder holding anything, unless
    ``replace`` is given and the folder holds a previous plan only."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputFolderError(
            f"{target}: --out names an existing file; expected a folder to create "
            "(or an empty one); nothing was written"
        )
    if not target.exists():
        return
    entries = {entry.name for entry in target.iterdir()}
    if not entries:
        return
    if not replace:
        raise OutputFolderError(
            f"{target}: the output folder is not empty; expected a new or empty folder, or "
            "--replace to replace a previous plan there whole; nothing was written"
        )
    foreign = sorted(entries - PLAN_ENTRIES)
    if foreign:
        raise OutputFolderError(
            f"{target}: --replace replaces only a previous plan's folder, and this one also "
            f"holds {', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}; "
            "nothing was written"
        )


@contextmanager
def staged_folder(target: Path, replace: bool) -> Iterator[Path]:
    """A new folder beside ``target`` to write into; renamed to ``target`` when the
    block ends, removed (with any parent folders made for it) when the block fails."""
    created = [parent for parent in target.absolute().parents if not parent.exists()]
    token = secrets.token_hex(4)
    stage = target.parent / f".{target.name}.new-{token}"
    try:
        stage.mkdir(parents=True)
        yield stage
        _put_in_place(stage, target, target.parent / f".{target.name}.old-{token}", replace)
    except OSError as error:
        _remove(stage, created)
        where = f" ({error.filename})" if error.filename else ""
        raise OutputFolderError(
            f"{target}: cannot write the plan: {error.strerror or error}{where}; "
            "nothing was written"
        ) from error
    except BaseException:
        _remove(stage, created)
        raise


def _put_in_place(stage: Path, target: Path, old: Path, replace: bool) -> None:
    if not (replace and target.exists()):
        stage.rename(target)  # rename(2) takes the place of a missing or empty folder
        return
    target.rename(old)
    try:
        stage.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)  # the new plan is in place already


def _remove(stage: Path, created: list[Path]) -> None:
    shutil.rmtree(stage, ignore_errors=True)
    for parent in created:  # deepest first
        try:
            parent.rmdir()
        except OSError:
            break
