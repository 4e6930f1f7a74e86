"""`regbank calibrate`: measure the capacity planner's coefficients on a running app.

    regbank calibrate -i INVENTORY --host region-srv --out calibration.yaml
    regbank calibrate --local --out /tmp/calibration.yaml          # development
    regbank calibrate -i INVENTORY --host region-srv --validate \\
        --calibration calibration.yaml --load read=6,write=2,analytics=0.5

See docs/capacity-planner.md ("Калибровка").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from regbank_foundation.errors import RegbankError

TYPES = ("read", "write", "analytics")


class CalibrateError(RegbankError):
    pass


def parse_rates(text: str, defaults: dict[str, float] | None = None) -> dict[str, float]:
    """``read=4,write=1.5,analytics=0.5`` → rates per second (missing types: defaults)."""
    rates = dict(defaults or dict.fromkeys(TYPES, 0.0))
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or name not in TYPES:
            raise CalibrateError(
                f"--rate/--load: expected TYPE=REQUESTS_PER_SECOND with TYPE one of "
                f"{', '.join(TYPES)}, got {item!r}"
            )
        try:
            rates[name] = float(value)
        except ValueError:
            raise CalibrateError(
                f"--rate/--load: {name}: expected a number, got {value!r}"
            ) from None
        if rates[name] < 0:
            raise CalibrateError(f"--rate/--load: {name}: expected a number >= 0, got {value}")
    return rates


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="measure the capacity planner's coefficients on a running deployment",
        description=(
            "Drive the registry application with locust (read, write, analytics), read CPU, "
            "WAL, table sizes and logs on its server, and write a calibration file for "
            "`regbank plan --calibration`. With --validate: predict CPU utilisation and p95 "
            "latency at a load from a calibration file, drive that load, and print predicted "
            "vs measured. See docs/capacity-planner.md."
        ),
    )
    # One of them unless --from-raw (which needs no server): checked in run().
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--local",
        action="store_true",
        help="start the app here (gunicorn + a throwaway PostgreSQL 15) and measure it",
    )
    where.add_argument(
        "-i", "--inventory", type=Path, metavar="INVENTORY", help="inventory of the server"
    )
    parser.add_argument(
        "--host", default="region-srv", help="inventory host to measure (default: region-srv)"
    )
    parser.add_argument(
        "--url",
        help="base URL to drive (default: https://<ansible_host>, Host: regbank_public_name)",
    )
    parser.add_argument("--host-header", help="Host header (default: regbank_public_name)")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument(
        "--ca-cert",
        type=Path,
        help="CA certificate to verify the server with (default: the server's "
        "/etc/regbank/pki/ca.crt, fetched over SSH)",
    )
    tls.add_argument("--insecure", action="store_true", help="do not verify TLS")
    parser.add_argument(
        "--rate",
        default="",
        metavar="TYPE=RPS,...",
        help="request rates of the calibration phases (default: read=4,write=1.5,analytics=0.5)",
    )
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds measured per phase (default 60)"
    )
    parser.add_argument(
        "--warmup", type=float, default=15, help="seconds of warm-up per phase (default 15)"
    )
    parser.add_argument(
        "--cpu-scope",
        choices=("server", "processes"),
        help="CPU of the whole server (its cgroup; default with -i) or of the app's and "
        "PostgreSQL's processes (default with --local: other work on this machine)",
    )
    parser.add_argument(
        "--local-workers", type=int, default=3, help="gunicorn workers with --local"
    )
    parser.add_argument(
        "--local-activity",
        type=float,
        default=0.02,
        help="share of the sample region's activity loaded with --local (default 0.02)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("calibration.yaml"),
        help="calibration file to write (default ./calibration.yaml); the raw figures go "
        "next to it as <name>.raw.json",
    )
    parser.add_argument(
        "--from-raw",
        type=Path,
        metavar="RAW.json",
        help="only rebuild the calibration file from a run's raw figures (no server)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="predict and measure CPU utilisation and p95 latency at --load",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        help="calibration file the prediction uses (--validate; default: the lab's measured one)",
    )
    parser.add_argument(
        "--load",
        default="read=6,write=2,analytics=0.3",
        metavar="TYPE=RPS,...",
        help="load of the validation run (default read=6,write=2,analytics=0.3)",
    )
    parser.add_argument(
        "--table",
        type=Path,
        help="write the predicted-vs-measured table (Markdown) here (--validate)",
    )
    parser.set_defaults(func=run, from_raw=None)


def run(args: argparse.Namespace) -> int:
    from capacity_planner.calibrate import coefficients
    from capacity_planner.calibrate.target import TargetError

    if args.from_raw:
        raw = json.loads(args.from_raw.read_text(encoding="utf-8"))
        coefficients.write(coefficients.build(raw), args.out)
        print(f"Файл калибровки: {args.out}")
        return 0
    if not args.local and args.inventory is None:
        raise CalibrateError("give --local or -i INVENTORY (the server to measure), or --from-raw")
    settings = _settings(args)
    try:
        target = _target(args)
    except TargetError as exc:
        raise CalibrateError(str(exc)) from None
    import shutil

    try:
        if args.validate:
            code = _validate(args, target, settings)
        else:
            code = _calibrate(args, target, settings)
    except TargetError as exc:
        raise CalibrateError(
            f"calibration stopped: {exc}\n(locust logs and requests kept in {settings.work_dir})"
        ) from None
    finally:
        target.close()
    shutil.rmtree(settings.work_dir, ignore_errors=True)
    return code


def _settings(args):
    from capacity_planner.calibrate.runner import RunSettings

    scope = args.cpu_scope or ("processes" if args.local else "server")
    if args.duration <= 0 or args.warmup < 0:
        raise CalibrateError("--duration: expected seconds > 0; --warmup: seconds >= 0")
    return RunSettings(warmup_s=args.warmup, measure_s=args.duration, cpu_scope=scope)


def _target(args):
    import tempfile

    from capacity_planner.calibrate.target import LocalApp, SshTarget

    if args.local:
        app = LocalApp(workers=args.local_workers, activity_scale=args.local_activity)
        try:
            return app.start()
        except BaseException:
            app.close()
            raise
    if not args.inventory.exists():
        raise CalibrateError(f"-i: inventory {args.inventory} not found")
    overrides = {}
    if args.url:
        overrides["base_url"] = args.url.rstrip("/")
    target = SshTarget.from_inventory(args.inventory, args.host, **overrides)
    if args.host_header:
        target.host_header = args.host_header
    if args.insecure:
        target.verify = False
    elif args.ca_cert:
        target.verify = str(args.ca_cert.resolve())
    elif target.base_url.startswith("https:"):
        ca = Path(tempfile.mkdtemp(prefix="regbank-calibrate-")) / "ca.crt"
        target.verify = str(target.fetch_ca(ca))
    return target


def _calibrate(args, target, settings) -> int:
    from capacity_planner.calibrate import coefficients, runner
    from capacity_planner.calibration import load_calibration

    rates = parse_rates(args.rate, runner.DEFAULT_RATES)
    if rates["read"] <= 0 or rates["write"] <= 0:
        raise CalibrateError("--rate: read and write need a rate > 0 (analytics may be 0)")
    raw = runner.measure(target, settings, rates)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    raw_path = args.out.with_name(args.out.stem + ".raw.json")
    raw_path.write_text(json.dumps(raw, ensure_ascii=False, indent=1, default=str), "utf-8")
    coefficients.write(coefficients.build(raw), args.out)
    calibration = load_calibration(args.out)  # what the planner will read
    print(f"Файл калибровки: {args.out} (сырые данные: {raw_path})")
    for name, entry in calibration.entries.items():
        mark = "" if entry.source.startswith("измерено") else "  (оценка)"
        print(f"  {name:36} {entry.value:>14g} {entry.unit}{mark}")
    return 0


def _validate(args, target, settings) -> int:
    from capacity_planner.calibrate import validate
    from capacity_planner.calibration import MEASURED_CALIBRATION, load_calibration

    load = parse_rates(args.load)
    if sum(load.values()) <= 0:
        raise CalibrateError("--load: give at least one rate > 0")
    calibration = load_calibration(args.calibration or MEASURED_CALIBRATION)
    result = validate.run(target, settings, calibration, load)
    table = validate.markdown(result)
    print(table)
    if args.table:
        args.table.write_text(table + "\n", encoding="utf-8")
        print(f"\nТаблица: {args.table}")
    return 0
