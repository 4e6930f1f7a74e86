# ruff: noqa: S608 - SQL from the bench's own constants and numbers, run through psql
"""`make bench-replication`: a municipal server's catch-up after a long outage (issue 13).

The busiest МО with its own server in the planner's large region
(capacity_planner/examples/large_region.yaml) is the volume: its actions per working
day at the plan's horizon, OUTAGE_DAYS working days of them. On the deployed lab the
link between mo3-srv and region-srv is cut (nftables, both ways, and the replication
connections ended); at mo3-srv that volume is written at the database as the
application writes it — one audit event per action, and one card row updated for each
entry action; then the link returns. Measured per run:
  - the WAL the regional server's slot at mo3-srv retained over the outage, against the
    planner's prediction for that server (WAL per working day × the outage days);
  - the seconds from the link's return until region-srv confirmed everything mo3-srv had
    written, and holds every event of the outage.
The figure is the median of the runs; the lab must be deployed (`make lab`).

    python -m regbank.bench_catch_up [--runs 3] [--days 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from dataclasses import dataclass

import docker

from capacity_planner.calibration import load_calibration
from capacity_planner.planner import plan_region
from capacity_planner.region import load_region
from regbank import lab
from regbank_devtools.machine import machine
from regbank_foundation.errors import RegbankError
from regbank_foundation.paths import KIT_ROOT

REGION_FILE = KIT_ROOT / "capacity_planner" / "examples" / "large_region.yaml"
INVENTORY = KIT_ROOT / "inventory" / "lab"
REGIONAL, MUNICIPAL, MO = "region-srv", "mo3-srv", "MO-3"
SLOT = "regbank_up_mo3_srv"
LEVEL_TIMEOUT = 1800
CUT = """table inet bench_partition {
  chain input { type filter hook input priority -50; policy accept; ip saddr PEER drop; }
  chain output { type filter hook output priority -50; policy accept; ip daddr PEER drop; }
}"""
ENDED = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE backend_type IN ('walsender', 'logical replication worker')"""
# One action of the МО: an audit event, a copy of one of its events with a new key and
# time in the outage; entry actions also rewrite a card row of the МО.
EVENTS = """
INSERT INTO audit_auditevent
SELECT (jsonb_populate_record(NULL::audit_auditevent, to_jsonb(e) || jsonb_build_object(
  'id', gen_random_uuid(), 'time', now() - interval '1 second' * g))).*
FROM generate_series(1, {count}) g
CROSS JOIN LATERAL (SELECT * FROM audit_auditevent WHERE site = '{mo}'
                    OFFSET (g % 1000) LIMIT 1) e
"""
CARDS = """
DO $$ BEGIN FOR i IN 1..{rounds} LOOP
  UPDATE registry_family SET circumstances = circumstances
  WHERE mo_id = (SELECT id FROM directory_municipality WHERE code = '{mo}');
END LOOP; END $$
"""


@dataclass(frozen=True)
class Volume:
    source_mo: str  # the planner's МО whose volume is replayed
    actions_per_day: int
    entries_per_day: int
    predicted_wal_per_day: float  # bytes, the planner's for that МО's server


@dataclass(frozen=True)
class Result:
    events: int
    retained_bytes: int
    catch_up_seconds: float


def busiest_volume() -> Volume:
    """The busiest МО with its own server in the planner's large region, at the horizon."""
    region = load_region(REGION_FILE)
    plan = plan_region(region, load_calibration().coefficients)
    municipal = [s for s in plan.sites if s.layout.mo_code]
    if not municipal:
        raise RegbankError(f"{REGION_FILE}: the plan has no municipal server")
    site = max(municipal, key=lambda s: s.years[-1].wal_bytes_per_working_day)
    mo = next(m for m in region.municipalities if m.code == site.layout.mo_code)
    last = max(mo.actions.all)
    grown = (1 + region.growth.actions_per_year) ** (region.horizon_end - last)
    days = region.load_profile.working_days_per_year
    entry_share = mo.actions.entry[last] / mo.actions.all[last] if mo.actions.entry else 0.5
    actions = round(mo.actions.all[last] * grown / days)
    return Volume(mo.code, actions, round(actions * entry_share),
                  site.years[-1].wal_bytes_per_working_day)  # fmt: skip


class LabDatabases:
    """psql as postgres on the lab's servers, through docker exec."""

    def __init__(self):
        self.hosts = {h.name: h for h in lab.load_lab(INVENTORY).hosts}
        client = docker.from_env()
        try:
            self.containers = {n: client.containers.get(h.container) for n, h in self.hosts.items()}
        except docker.errors.NotFound as error:
            raise RegbankError("the lab is not up: run `make lab` first") from error

    def sh(self, host: str, *argv: str) -> str:
        code, out = self.containers[host].exec_run(list(argv))
        if code != 0:
            raise RegbankError(
                f"{host}: {' '.join(argv)[:200]} exited {code}: {out.decode()[-800:]}"
            )
        return out.decode().strip()

    def sql(self, host: str, query: str) -> str:
        return self.sh(host, "runuser", "-u", "postgres", "--", "psql", "-d", "regbank",
                       "-AtXq", "-v", "ON_ERROR_STOP=1", "-c", query)  # fmt: skip

    def cut(self) -> None:
        for host, peer in ((REGIONAL, MUNICIPAL), (MUNICIPAL, REGIONAL)):
            rules = CUT.replace("PEER", self.hosts[peer].address)
            self.sh(host, "sh", "-c", f"printf '%s' '{rules}' | nft -f -")
        for host in (REGIONAL, MUNICIPAL):
            self.sql(host, ENDED)

    def heal(self) -> None:
        for host in (REGIONAL, MUNICIPAL):
            self.sh(host, "sh", "-c", "nft list table inet bench_partition >/dev/null 2>&1 && "
                    "nft delete table inet bench_partition || true")  # fmt: skip

    def events(self, host: str) -> int:
        return int(self.sql(host, f"SELECT count(*) FROM audit_auditevent WHERE site = '{MO}'"))


def one_run(db: LabDatabases, volume: Volume, days: int) -> Result:
    if db.events(MUNICIPAL) == 0:
        raise RegbankError(f"{MUNICIPAL} holds no audit events of {MO}: run `make lab` (sample)")
    start_lsn = db.sql(MUNICIPAL, "SELECT pg_current_wal_lsn()")
    db.cut()
    try:
        for _ in range(days):
            db.sql(MUNICIPAL, EVENTS.format(count=volume.actions_per_day, mo=MO))
            families = int(db.sql(MUNICIPAL, "SELECT count(*) FROM registry_family f JOIN "
                                  "directory_municipality m ON m.id = f.mo_id "
                                  f"WHERE m.code = '{MO}'"))  # fmt: skip
            rounds = max(1, round(volume.entries_per_day / max(families, 1)))
            db.sql(MUNICIPAL, CARDS.format(rounds=rounds, mo=MO))
        db.sql(MUNICIPAL, "CHECKPOINT")
        end_lsn = db.sql(MUNICIPAL, "SELECT pg_current_wal_lsn()")
        retained = int(
            db.sql(MUNICIPAL, f"SELECT pg_wal_lsn_diff('{end_lsn}', '{start_lsn}')::bigint")
        )
        expected = db.events(MUNICIPAL)
    finally:
        db.heal()
    healed = time.monotonic()
    deadline = healed + LEVEL_TIMEOUT
    while time.monotonic() < deadline:
        confirmed = db.sql(MUNICIPAL, "SELECT coalesce(confirmed_flush_lsn >= "
                           f"'{end_lsn}'::pg_lsn, false) FROM pg_replication_slots "
                           f"WHERE slot_name = '{SLOT}'")  # fmt: skip
        if confirmed == "t" and db.events(REGIONAL) == expected:
            return Result(volume.actions_per_day * days, retained, time.monotonic() - healed)
        time.sleep(0.5)
    raise RegbankError(f"{REGIONAL} did not catch up within {LEVEL_TIMEOUT} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regbank.bench_catch_up")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=int, default=7, help="working days of outage")
    args = parser.parse_args(argv)
    try:
        volume = busiest_volume()
        db = LabDatabases()
        results = [one_run(db, volume, args.days) for _ in range(args.runs)]
    except RegbankError as error:
        print(f"bench-replication: {error}", file=sys.stderr)
        return 1
    predicted = volume.predicted_wal_per_day * args.days
    retained = statistics.median(r.retained_bytes for r in results)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{dt.date.today():%d.%m.%Y}, {machine()}, load average {load}")
    print(f"volume: {volume.source_mo} of the large region at the horizon, "
          f"{volume.actions_per_day} actions ({volume.entries_per_day} entries) per working day, "
          f"{args.days} days: {results[0].events} audit events")  # fmt: skip
    for number, r in enumerate(results, 1):
        print(f"  run {number}: WAL retained {r.retained_bytes / 2**20:.1f} MiB, "
              f"level in {r.catch_up_seconds:.1f} s")  # fmt: skip
    level = statistics.median(r.catch_up_seconds for r in results)
    mib = 2**20
    print(
        f"median: WAL retained {retained / mib:.1f} MiB (planner: {predicted / mib:.1f} MiB, "
        f"ratio {retained / predicted:.2f}); level {level:.1f} s after the link returned"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
