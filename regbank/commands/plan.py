"""`regbank plan REGION.yaml`: size every site of a region and write the report and vars."""

import argparse
import datetime
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="size the servers of a region and write a report and Ansible host_vars",
        description=(
            "Size every site (regional server, municipal servers) of a region from its МО "
            "and volumes; decide which МО need a municipal server; write report.md, "
            "report.html with charts, and host_vars/<site>.yml. See docs/capacity-planner.md."
        ),
    )
    parser.add_argument("region", type=Path, metavar="REGION.yaml", help="the region file")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder, new or empty (default: ./plan-<region slug>/); "
        "written whole or not at all",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace a previous plan's folder whole (refused if it holds other files)",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        metavar="FILE",
        help="calibration file (default: the one measured on the lab, "
        "capacity_planner/calibration/lab-2026-11-22.yaml; the estimates made before it: "
        "provisional.yaml)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the planner loads matplotlib, which would slow every other command.
    from capacity_planner.calibration import MEASURED_CALIBRATION
    from capacity_planner.report import summary_lines
    from capacity_planner.run import run_plan

    calibration = args.calibration or MEASURED_CALIBRATION
    result = run_plan(args.region, calibration, args.out, datetime.date.today(), args.replace)
    for line in summary_lines(result.plan, result.calibration):
        print(line)
    print()
    print(f"Отчёт: {result.out_dir / 'report.html'} (и report.md)")
    print(f"Переменные Ansible: {result.out_dir / 'host_vars'}/ (файлов: {len(result.host_vars)})")
    return 0
