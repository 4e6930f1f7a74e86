"""Drive the load and read the server: the raw figures `regbank calibrate` turns into
coefficients (coefficients.py) and `--validate` compares with the plan (validate.py).

A run is a sequence of phases. Each phase starts locust (locustfile.py) at fixed
rates of one or more request types, lets it warm up (logins, first pages), then reads
the server at the start and at the end of a measuring window: CPU seconds of the
application's and the database's processes and of the whole server, the WAL position,
log file sizes. Statistics views that PostgreSQL updates lazily (pg_stat_wal,
pg_stat_database, pg_stat_statements) are read before locust starts and after it
stopped, and divided by every request of the phase. The ``idle`` phase (no load)
gives the background every other phase subtracts.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from capacity_planner.calibrate.target import DATABASE, SshTarget, Target, TargetError

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
REQUEST_TYPES = ("read", "write", "analytics")
ACCOUNT_PREFIX = "calibrate."
SETTLE_S = 2.0  # PostgreSQL backends flush their statistics within a second of going idle
MAX_ERROR_SHARE = 0.05

DB_INFO_SQL = """
SELECT json_build_object(
  'version', current_setting('server_version'),
  'data_directory', current_setting('data_directory'),
  'db_oid', (SELECT oid FROM pg_database WHERE datname = current_database()),
  'logfile', pg_current_logfile(),
  'log_destination', current_setting('log_destination'),
  'preload', current_setting('shared_preload_libraries'),
  'pg_stat_statements', EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'),
  'full_page_writes', current_setting('full_page_writes'),
  'wal_compression', current_setting('wal_compression'),
  'synchronous_commit', current_setting('synchronous_commit'),
  'checkpoint_timeout', current_setting('checkpoint_timeout'),
  'shared_buffers', current_setting('shared_buffers'),
  'wal_segment_size', current_setting('wal_segment_size', true),
  'wal_segment_bytes', (SELECT setting::bigint * CASE unit WHEN '8kB' THEN 8192
                        WHEN 'MB' THEN 1048576 ELSE 1 END
                        FROM pg_settings WHERE name = 'wal_segment_size'))
"""
LSN_SQL = (
    "SELECT json_build_object('lsn', pg_current_wal_lsn() - '0/0'::pg_lsn, "
    "'walfile', pg_walfile_name(pg_current_wal_lsn()))"
)
TABLES_SQL = """
SELECT json_build_object(
  'database_bytes', pg_database_size(current_database()),
  'tables', (SELECT json_agg(json_build_object(
      'table', c.relname,
      'rows', (xpath('/row/n/text()', query_to_xml(
                 format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')
             ))[1]::text::bigint,
      'tuple_bytes', (xpath('/row/n/text()', query_to_xml(
                 format('SELECT coalesce(sum(pg_column_size(t.*)), 0) AS n FROM %I t', c.relname),
                 false, true, '')))[1]::text::bigint,
      'heap_bytes', pg_relation_size(c.oid),
      'toast_bytes', coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
      'index_bytes', pg_indexes_size(c.oid),
      'total_bytes', pg_total_relation_size(c.oid)))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'))
"""


def stats_sql(pg_stat_statements: bool) -> str:
    dirtied = (
        "(SELECT sum(shared_blks_dirtied) FROM pg_stat_statements s WHERE s.dbid = d.datid)"
        if pg_stat_statements
        else "NULL"
    )
    return (
        "SELECT json_build_object('wal_sync', w.wal_sync, 'wal_write', w.wal_write, "  # noqa: S608
        "'wal_fpi', w.wal_fpi, 'wal_records', w.wal_records, 'wal_bytes', w.wal_bytes, "
        "'blks_read', d.blks_read, 'blks_hit', d.blks_hit, 'xact_commit', d.xact_commit, "
        f"'blks_dirtied', {dirtied}) "
        "FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()"
    )


@dataclass
class Phase:
    name: str
    rates: dict[str, float]  # request type -> requests per second (all users together)
    analytics_query: str = ""
    note: str = ""


@dataclass
class RunSettings:
    warmup_s: float = 15.0
    measure_s: float = 60.0
    cpu_scope: str = "server"  # "server" (PID 1's cgroup) or "processes" (app + db trees)
    users_per_rps: float = 2.0  # simulated users per request/s of a type
    max_users: int = 60
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="calibrate-")))
    say: object = print


def users_for(rate: float, per_rps: float, cap: int) -> int:
    """Simulated users for a rate: enough that each sends well below one request a second."""
    return max(1, min(cap, math.ceil(rate * per_rps)))


def read_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by the stop
    return records


def summarise(records: list[dict], t0: float, t1: float) -> dict[str, dict]:
    """Per request type: all requests of the phase, and those that ended in the window."""
    out = {}
    for kind in {r["type"] for r in records}:
        mine = [r for r in records if r["type"] == kind]
        window = [r for r in mine if t0 <= r["t"] <= t1]
        out[kind] = {
            "n": len(mine),
            "errors": sum(1 for r in mine if not r["ok"]),
            "wire_mean": sum(r["wire"] for r in mine) / len(mine) if mine else 0.0,
            "n_window": len(window),
            "ms_window": [r["ms"] for r in window],
            "names": sorted({r["name"] for r in mine}),
        }
    return out


def counters_delta(before: dict, after: dict) -> dict:
    return {
        key: (after[key] - before[key])
        if isinstance(after.get(key), int | float) and isinstance(before.get(key), int | float)
        else None
        for key in after
    }


class Run:
    """One calibration or validation run against a target (see the module doc)."""

    def __init__(self, target: Target, settings: RunSettings):
        self.target = target
        self.settings = settings
        self.say = settings.say
        self.accounts: dict = {}
        self.facts: dict = {}
        self.db: dict = {}
        self.log_paths: dict[str, str] = {}

    # --- preparation --------------------------------------------------------------------
    def prepare(self) -> dict:
        t = self.target
        self.say(f"server: {t.name} ({t.base_url})")
        machine = t.probe("machine")
        self.db = t.sql_json(DB_INFO_SQL)
        preload = self.db["preload"]
        if "pg_stat_statements" in preload and not self.db["pg_stat_statements"]:
            t.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self.db["pg_stat_statements"] = True
        self.log_paths = dict(t.logs)
        if "db" not in self.log_paths:
            self.log_paths["db"] = self._db_log()
        if isinstance(t, SshTarget):
            self.log_paths.setdefault("web", "/var/log/nginx/regbank-access.log")
        # What the application says of its own data (its management commands).
        self.facts = t.manage_json("calibration_facts")
        self.db["audit"] = self.facts["audit"]
        self.accounts = t.manage_json("calibration_accounts")
        if not self.accounts["municipal"]:
            raise TargetError(
                "no МО is edited at this site: nothing to write (a municipal "
                "server's МО or the regional server's МО without own server)"
            )
        version = self.facts["version"]
        self.say(
            f"  {machine['cores']} cores {machine['cpu_model']}, {machine['ram_gib']} GiB; "
            f"PostgreSQL {self.db['version']}; app {version}; "
            f"{len(self.accounts['municipal'])} municipal accounts + 1 regional"
        )
        return {"machine": machine, "db": self.db, "application_version": version}

    def _db_log(self) -> str:
        logfile = self.db.get("logfile")
        if logfile:
            return logfile if logfile.startswith("/") else f"{self.db['data_directory']}/{logfile}"
        return "/var/log/postgresql/postgresql-15-main.log"  # Debian's pg_ctlcluster

    def finish(self) -> None:
        try:
            self.target.manage_json("calibration_accounts", "--deactivate")
        except TargetError as exc:  # the figures are already taken
            self.say(f"warning: calibration accounts not deactivated: {exc}")

    # --- readings -----------------------------------------------------------------------
    def snapshot(self) -> dict:
        snap = self.target.probe(
            "snapshot", groups=self.target.groups, logs=list(self.log_paths.values())
        )
        snap.update(self.target.sql_json(LSN_SQL))
        return snap

    def stats(self) -> dict:
        return self.target.sql_json(stats_sql(bool(self.db.get("pg_stat_statements"))))

    def cpu_seconds(self, snap: dict) -> dict:
        groups = {name: (group or {}).get("cpu_s") for name, group in snap["groups"].items()}
        return {
            "server": snap["server_cpu_s"],
            "processes": sum(v for v in groups.values() if v is not None),
            **{f"group:{k}": v for k, v in groups.items()},
        }

    # --- a phase ------------------------------------------------------------------------
    def load_config(self, phase: Phase, out: Path) -> dict:
        types = {}
        for kind, rate in phase.rates.items():
            if rate <= 0:
                continue
            if kind == "read":
                accounts = self.accounts["municipal"] + self.accounts["regional"]
            elif kind == "write":
                accounts = self.accounts["municipal"]
            else:
                accounts = self.accounts["regional"]
            users = users_for(rate, self.settings.users_per_rps, self.settings.max_users)
            types[kind] = {"rate": rate, "users": users, "accounts": accounts}
            if kind == "analytics":
                types[kind]["query"] = phase.analytics_query
        return {
            "out": str(out),
            "host_header": self.target.host_header,
            "verify": self.target.verify,
            "types": types,
        }

    def run_phase(self, phase: Phase) -> dict:
        s = self.settings
        self.say(
            f"phase {phase.name}: "
            + (", ".join(f"{k} {v:g}/s" for k, v in phase.rates.items() if v) or "no load")
            + f", {s.measure_s:g} s measured"
        )
        out = s.work_dir / f"{phase.name}.jsonl"
        out.unlink(missing_ok=True)
        stats0 = self.stats()
        locust = None
        users = 0
        if any(v > 0 for v in phase.rates.values()):
            config = self.load_config(phase, out)
            users = sum(t["users"] for t in config["types"].values())
            locust = self._start_locust(phase, config, users)
            try:
                self._wait_warm(locust, out, users, phase)
            except BaseException:
                self._stop_locust(locust)
                (s.work_dir / f"{phase.name}.load.json").unlink(missing_ok=True)
                raise
        snap0 = self.snapshot()
        time.sleep(s.measure_s)
        snap1 = self.snapshot()
        if locust is not None:
            self._stop_locust(locust)
            (s.work_dir / f"{phase.name}.load.json").unlink(missing_ok=True)  # passwords
        time.sleep(SETTLE_S)
        stats1 = self.stats()
        records = read_records(out)
        requests = summarise(records, snap0["time"], snap1["time"])
        for kind, summary in requests.items():
            if (
                kind != "login"
                and summary["n"]
                and summary["errors"] / summary["n"] > MAX_ERROR_SHARE
            ):
                raise TargetError(
                    f"phase {phase.name}: {summary['errors']} of {summary['n']} {kind} requests "
                    f"failed; see {out}"
                )
        for kind, rate in phase.rates.items():
            if rate > 0 and not requests.get(kind, {}).get("n_window"):
                raise TargetError(
                    f"phase {phase.name}: no {kind} request completed in the window; "
                    f"see {out} and {s.work_dir / (phase.name + '.locust.log')}"
                )
        cpu0, cpu1 = self.cpu_seconds(snap0), self.cpu_seconds(snap1)
        result = {
            "rates": phase.rates,
            "note": phase.note,
            "analytics_query": phase.analytics_query,
            "users": users,
            "t0": snap0["time"],
            "t1": snap1["time"],
            "seconds": snap1["time"] - snap0["time"],
            "cpu_s": {
                k: (cpu1[k] - cpu0[k])
                if cpu0.get(k) is not None and cpu1.get(k) is not None
                else None
                for k in cpu1
            },
            "cpu_source": snap1["server_cpu_source"],
            "wal_bytes": snap1["lsn"] - snap0["lsn"],
            "walfiles": [snap0["walfile"], snap1["walfile"]],
            "wal_range": [snap0["lsn"], snap1["lsn"]],
            "log_bytes": {
                role: _delta(snap0["logs"].get(path), snap1["logs"].get(path))
                for role, path in self.log_paths.items()
            },
            "log_offsets": {role: snap0["logs"].get(path) for role, path in self.log_paths.items()},
            "stats": counters_delta(stats0, stats1),
            "requests": requests,
            "memory": _memory(snap1),
        }
        if self.target.app_journal_unit:
            journal = self.target.probe(
                "journal",
                unit=self.target.app_journal_unit,
                since=snap0["time"],
                until=snap1["time"],
            )
            result["log_bytes"]["app"] = journal["bytes"]
        summary = ", ".join(
            f"{k} {v['n_window']} in window" for k, v in sorted(requests.items()) if k != "login"
        )
        self.say(f"  {summary or 'idle'}; CPU {result['cpu_s'][self.settings.cpu_scope]:.2f} s")
        return result

    def _start_locust(self, phase: Phase, config: dict, users: int) -> subprocess.Popen:
        s = self.settings
        config_path = s.work_dir / f"{phase.name}.load.json"
        config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        config_path.chmod(0o600)  # the accounts' passwords
        run_time = int(s.warmup_s * 4 + s.measure_s + 60)  # a cap: stopped after the window
        argv = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            self.target.base_url,
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{run_time}s",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ]
        log = open(s.work_dir / f"{phase.name}.locust.log", "wb")  # noqa: SIM115
        try:
            return subprocess.Popen(
                argv,
                env={**os.environ, "REGBANK_CALIBRATE_LOAD": str(config_path)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    def _wait_warm(self, locust, out: Path, users: int, phase: Phase) -> None:
        """Warm-up: every user logged in and sending, then the configured extra seconds."""
        started = time.monotonic()
        limit = max(120.0, self.settings.warmup_s * 6)
        while True:
            if locust.poll() is not None:
                raise TargetError(
                    f"locust stopped during the warm-up of {phase.name}; see "
                    f"{self.settings.work_dir / (phase.name + '.locust.log')}"
                )
            records = read_records(out)
            logged_in = sum(1 for r in records if r["type"] == "login" and r["status"] == 302)
            working = sum(1 for r in records if r["type"] in REQUEST_TYPES)
            if logged_in >= users and working >= users:
                break
            if time.monotonic() - started > limit:
                raise TargetError(
                    f"phase {phase.name}: only {logged_in} of {users} users logged in and "
                    f"{working} requests in {limit:.0f} s; see {out}"
                )
            time.sleep(0.5)
        time.sleep(self.settings.warmup_s)

    @staticmethod
    def _stop_locust(locust: subprocess.Popen) -> None:
        if locust.poll() is None:
            os.killpg(locust.pid, signal.SIGTERM)
            try:
                locust.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(locust.pid, signal.SIGKILL)
                locust.wait()

    # --- after the phases ---------------------------------------------------------------
    def storage(self, since: float) -> dict:
        t = self.target
        tables = t.sql_json(TABLES_SQL)
        facts = t.manage_json("calibration_facts", "--since", f"{float(since):.3f}")
        tables["run_audit"] = facts["run_audit"]
        tables["rollup"] = facts["rollup"]
        return tables

    def compression(self, phases: dict) -> dict:
        """gzip ratios of the logs written during the run, the database's files and WAL."""
        t = self.target
        first = next(iter(phases.values()))
        log_files = [
            {"path": path, "offset": first["log_offsets"].get(role) or 0}
            for role, path in self.log_paths.items()
            if first["log_offsets"].get(role) is not None
        ]
        out = {"logs": t.probe("compress", files=log_files, cap_bytes=64 << 20)}
        data_dir = self.db["data_directory"]
        t.sql("CHECKPOINT")  # pages still only in shared_buffers are zeros in the files
        base = t.probe("files_under", folders=[f"{data_dir}/base/{self.db['db_oid']}"])
        out["database"] = t.probe(
            "compress", files=[{"path": f["path"]} for f in base["files"]], cap_bytes=256 << 20
        )
        ranges = [p["wal_range"] for p in phases.values()]
        files = wal_ranges(ranges[0][0], ranges[-1][1], phases_walfile(phases), self.db)
        out["wal"] = t.probe(
            "compress",
            files=[{**f, "path": f"{data_dir}/pg_wal/{f['name']}"} for f in files],
            cap_bytes=64 << 20,
        )
        return out

    def scope_rollup_rows(self, query: str) -> int:
        """Rows of the monthly rollup an analytics request of a regional officer reads
        for a period of whole months."""
        params = dict(item.split("=", 1) for item in query.split("&") if "=" in item)
        period = (params["date_from"], params["date_to"])
        return self.target.manage_json("calibration_facts", "--rollup-rows", *period)["rollup_rows"]


def phases_walfile(phases: dict) -> str:
    return next(iter(phases.values()))["walfiles"][0]


def wal_ranges(start: int, end: int, walfile: str, db: dict) -> list[dict]:
    """The WAL written between two LSNs as (segment file, offset, length) pieces."""
    segment = int(db.get("wal_segment_bytes") or 16 << 20)
    per_id = 0x100000000 // segment
    timeline = walfile[:8]
    pieces = []
    position = start
    while position < end:
        number = position // segment
        offset = position % segment
        length = min(segment - offset, end - position)
        name = f"{timeline}{number // per_id:08X}{number % per_id:08X}"
        pieces.append({"name": name, "offset": offset, "length": length})
        position += length
    return pieces


def _delta(before, after):
    if before is None or after is None:
        return None
    return after - before if after >= before else after  # rotated meanwhile


def _memory(snap: dict) -> dict:
    app = (snap["groups"].get("app") or {}).get("processes", [])
    db = (snap["groups"].get("db") or {}).get("processes", [])
    root = (snap["groups"].get("app") or {}).get("root")
    backends = [
        p
        for p in db
        if f" {DATABASE} " in p["cmdline"] and ("[local]" in p["cmdline"] or "(" in p["cmdline"])
    ]
    return {
        "worker_rss_kib": [p["rss_kib"] for p in app if p["pid"] != root],
        "backend_rss_anon_kib": [p["rss_anon_kib"] for p in backends],
    }


DEFAULT_RATES = {"read": 4.0, "write": 1.5, "analytics": 0.5}


def analytics_periods(db: dict) -> tuple[str, str]:
    """A wide period (the whole months of every audit event the server holds, within the
    views' 10-year limit: the views read them from the monthly rollup) and an empty one
    (a year before the first event)."""
    import datetime

    audit = db.get("audit") or {}
    last = (
        datetime.date.fromisoformat(audit["last"]) if audit.get("last") else datetime.date.today()
    )
    first = datetime.date.fromisoformat(audit["first"]) if audit.get("first") else last
    first = max(first, datetime.date(last.year - 9, 1, 1)).replace(day=1)
    last = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last -= datetime.timedelta(days=1)
    empty_year = first.year - 5
    wide = f"date_from={first.isoformat()}&date_to={last.isoformat()}"
    empty = f"date_from={empty_year}-01-01&date_to={empty_year}-12-31"
    return wide, empty


def calibration_phases(rates: dict[str, float], wide: str, empty: str) -> list[Phase]:
    phases = [Phase("idle", {}, note="без нагрузки: фон")]
    # writes first, so the read phase finds the cards they made
    phases.append(Phase("write", {"write": rates["write"]}))
    phases.append(Phase("read", {"read": rates["read"]}))
    if rates.get("analytics", 0) > 0:
        phases.append(Phase("analytics_wide", {"analytics": rates["analytics"]}, wide))
        phases.append(Phase("analytics_empty", {"analytics": rates["analytics"]}, empty))
    return phases


def measure(target: Target, settings: RunSettings, rates: dict[str, float]) -> dict:
    """Every raw figure of a calibration run (see coefficients.py for what becomes what)."""
    import datetime

    run = Run(target, settings)
    started = time.time()
    info = run.prepare()
    analytics_ok = rates.get("analytics", 0) > 0 and run.facts["analytics"]
    if rates.get("analytics", 0) > 0 and not analytics_ok:
        settings.say("  no analytics views at /analytics/: that coefficient stays provisional")
    wide, empty = analytics_periods(run.db)
    phases = calibration_phases(
        {**rates, "analytics": rates["analytics"] if analytics_ok else 0}, wide, empty
    )
    try:
        results = {phase.name: run.run_phase(phase) for phase in phases}
        if "analytics_wide" in results:
            results["analytics_wide"]["scope_rollup_rows"] = run.scope_rollup_rows(wide)
            results["analytics_empty"]["scope_rollup_rows"] = run.scope_rollup_rows(empty)
        storage = run.storage(started)
        compression = run.compression(results)
    finally:
        run.finish()
    return {
        "date": datetime.date.today().isoformat(),
        "target": {
            "name": target.name,
            "kind": "ssh" if isinstance(target, SshTarget) else "local",
            "base_url": target.base_url,
            "host_header": target.host_header,
            "cpu_scope": settings.cpu_scope,
            "groups": target.groups,
            "logs": run.log_paths,
            "app_journal_unit": target.app_journal_unit,
        },
        "settings": {
            "rates": rates,
            "warmup_s": settings.warmup_s,
            "measure_s": settings.measure_s,
            "analytics_measured": analytics_ok,
        },
        **info,
        "phases": results,
        "storage": storage,
        "compression": compression,
    }
