"""Benchmark of the first filling and the completeness report (not a test).

    cd app_bundle && ../.venv/bin/python -m bank_import.tests.bench_first_filling [--no-region]

Starts its own throwaway PostgreSQL (bench/run.py's), migrates, times the import of a
generates the bench's large region (60 МО, 100 000 cards), gives half of the families an
ИПР plan with a measure, times the completeness report for the regional officer and a
municipal officer, then times the import of a 10 000-row XLSX file of minors and of a
families file into МО-1 (the command's path: read, check against the МО's cards, write
with one import event per record).
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

from bench.run import _machine, _start_cluster

ROWS = 10_000


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-region", action="store_true", help="only the imports")
    region = not parser.parse_args().no_region
    print(f"{datetime.date.today()} · {_machine()} · load {os.getloadavg()[0]:.1f}")
    cluster = _start_cluster()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _run(region)
    finally:
        cluster.stop()


def _run(region: bool) -> None:
    from accounts.models import Role
    from directory.sample_loader import load as load_directories
    from regbank_app.testing import factories

    load_directories()
    if region:
        _completeness()
    _imports(factories.user(Role.MUNICIPAL, "MO-1", username="bench-kdn1"))


def _completeness() -> None:
    from django.db import connection, transaction

    from accounts.models import Role
    from analytics import large_region, synthetic
    from quality import report
    from regbank_app.testing import factories

    specs = synthetic.large_specs(
        large_region.MO, large_region.YEARS, 100_000, large_region.CARDS, seed=large_region.SEED
    )
    with transaction.atomic():
        counts = synthetic.generate(specs, end=datetime.date(2025, 12, 31), seed=large_region.SEED)
        with connection.cursor() as cursor:  # half the families get a plan, most with a measure
            cursor.execute(
                """
                INSERT INTO prevention_plan (id, mo_id, created_at, updated_at, family_id,
                    start_date, end_date, goal, approval, status)
                SELECT gen_random_uuid(), mo_id, now(), now(), id, '2025-01-01', '2025-12-31',
                       'цель', '', CASE WHEN seq % 5 = 0 THEN 'completed' ELSE 'active' END
                FROM registry_family WHERE seq % 2 = 0
                """
            )
            cursor.execute(
                """
                INSERT INTO prevention_measure (id, mo_id, created_at, updated_at, plan_id,
                    title, agency_id, executor, due_date, status)
                SELECT gen_random_uuid(), p.mo_id, now(), now(), p.id, 'мероприятие',
                       (SELECT a.id FROM directory_agency a WHERE a.mo_id = p.mo_id LIMIT 1),
                       '', '2025-06-01', 'planned'
                FROM prevention_plan p WHERE p.status = 'active'
                """
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("SELECT count(*) FROM registry_family")
        families = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_minor")
        minors = cursor.fetchone()[0]
    print(f"large region: {counts['mo']} МО, {families} families, {minors} minors")
    regional = factories.user(Role.REGIONAL, None, username="bench-regional")
    municipal = factories.user(Role.MUNICIPAL, "MO-60", username="bench-kdn60")
    for label, user in (("regional officer", regional), ("municipal officer МО-60", municipal)):
        runs = [_timed(lambda user=user: report.build(user))[0] for _ in range(3)]
        print(f"completeness report, {label}: " + ", ".join(f"{s:.2f} s" for s in runs))


def _imports(officer) -> None:
    from bank_import.checking import Scope
    from bank_import.kinds import FAMILIES, MINORS
    from bank_import.loading import load

    from . import files

    for kind, rows, name in (
        (MINORS, files.minor_rows(ROWS), "minors"),
        (FAMILIES, files.family_rows(ROWS // 3), "families"),
    ):
        data = files.xlsx(kind, rows)

        def once(kind=kind, data=data, name=name):
            scope = Scope(officer.mo)
            return load(data, f"{name}.xlsx", kind, scope, write=True, request=None, user=officer)

        seconds, (checked, written) = _timed(once)
        records = written["cards"] * 2 + written["members"]
        print(
            f"import {name}: {len(rows)} rows, {len(data) >> 10} KiB, {records} records "
            f"and events: {seconds:.1f} s"
        )
        seconds, (checked, _) = _timed(once)
        print(f"  again (all {len(checked.skipped)} skipped): {seconds:.1f} s")


if __name__ == "__main__":
    main()
