"""How long `regbank plan` takes for regions of 100, 1000 and 10 000 МО.

    .venv/bin/python -m capacity_planner.bench [--sizes 100 1000 10000] [--runs 3]

Each region repeats the sample's ten МО with the links of the large region's copies
(make_large_region.py), so the mixed topology gives about one МО in six a municipal
server. The command runs as a user runs it (a new interpreter: reading and checking
the file, planning, writing the report, charts and host_vars); the figure is the
median of the runs. Beside it, the same run in this process (its modules already
imported) and two of its steps: reading and checking the file, and planning. The
header names the date, the machine and its load average, to be copied with the
table into docs/capacity-planner.md.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from capacity_planner.calibration import MEASURED_CALIBRATION, load_calibration
from capacity_planner.examples.make_large_region import LINK_VARIATION, SAMPLE
from capacity_planner.planner import plan_region
from capacity_planner.region import load_region
from capacity_planner.run import run_plan
from regbank_devtools.machine import machine

DEFAULT_SIZES = (100, 1000, 10_000)


def region_of(count: int) -> dict:
    """The sample region with ``count`` МО: its МО repeated, links varied by copy."""
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    originals = sample["municipalities"]
    municipalities = []
    for number in range(1, count + 1):
        mo = dict(originals[(number - 1) % len(originals)])
        copy = (number - 1) // len(originals)
        bandwidth_factor, availability_change = LINK_VARIATION[copy % len(LINK_VARIATION)]
        mo.pop("municipal_server", None)  # the sample's wishes are per МО, not per copy
        mo |= {
            "code": f"MO-{number}",
            "name": f"МО-{number}",
            "link": {
                "bandwidth_mbps": round(mo["link"]["bandwidth_mbps"] * bandwidth_factor, 3),
                "availability": round(mo["link"]["availability"] + availability_change, 4),
            },
        }
        municipalities.append(mo)
    return sample | {
        "region": f"Регион для замера ({count} МО)",
        "slug": f"bench-{count}",
        "municipalities": municipalities,
    }


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def time_command(region_file: Path, out: Path) -> tuple[float, float, float]:
    """Seconds, CPU seconds (user + system: what a busy machine does not stretch) and
    peak memory (MiB) of one `regbank plan` in a new interpreter."""
    argv = [sys.executable, "-m", "regbank.cli", "plan", str(region_file), "--out", str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"regbank plan failed:\n{process.stderr.read().decode()}")
    process.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def time_steps(region_file: Path, out: Path, runs: int) -> tuple[float, float, float]:
    """Median seconds, in this process (modules imported), of the whole run, of reading
    and checking the region file, and of planning."""
    coefficients = load_calibration().coefficients
    whole, reading, planning = [], [], []
    for run in range(runs):
        start = time.perf_counter()
        run_plan(region_file, MEASURED_CALIBRATION, out / str(run), datetime.date.today())
        whole.append(time.perf_counter() - start)
        start = time.perf_counter()
        region = load_region(region_file)
        reading.append(time.perf_counter() - start)
        start = time.perf_counter()
        plan_region(region, coefficients)
        planning.append(time.perf_counter() - start)
    return statistics.median(whole), statistics.median(reading), statistics.median(planning)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--runs", type=int, default=3, help="runs per size (the median)")
    args = parser.parse_args(argv)
    print(f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(f"load average at the start: {load()}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: every run compiles the modules it imports")
    print()
    print(
        "| МО | файл, МБ | regbank plan, с (медиана; мин–макс) | его ЦП, с | память, МиБ "
        "| в процессе, с | из них чтение и проверка, с | из них расчёт, с |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-planner-") as work:
        for size in args.sizes:
            region_file = Path(work) / f"region-{size}.yaml"
            region_file.write_text(
                yaml.safe_dump(region_of(size), allow_unicode=True, sort_keys=False),
                encoding="utf-8",
            )
            runs = [
                time_command(region_file, Path(work) / f"plan-{size}-{run}")
                for run in range(args.runs)
            ]
            seconds = [s for s, _, _ in runs]
            whole, reading, planning = time_steps(
                region_file, Path(work) / f"in-process-{size}", args.runs
            )
            print(
                f"| {size} | {region_file.stat().st_size / 1e6:.2f} "
                f"| {statistics.median(seconds):.1f} ({min(seconds):.1f}–{max(seconds):.1f}) "
                f"| {statistics.median(cpu for _, cpu, _ in runs):.1f} "
                f"| {max(memory for _, _, memory in runs):.0f} "
                f"| {whole:.1f} | {reading:.1f} | {planning:.2f} |",
                flush=True,
            )
    print()
    print(f"load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
