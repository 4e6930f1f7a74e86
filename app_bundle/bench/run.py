"""Benchmarks of the registry application (`make bench`; not a test).

    cd app_bundle && ../.venv/bin/python -m bench.run [--events 5000000] [--cards 100000]

Starts its own throwaway PostgreSQL 15 cluster (regbank_devtools.pgcluster, memory
settings of a real server), migrates, generates a large region in SQL (60 МО, three
years, 100 000 cards, 5 million audit events: analytics/synthetic.py) and measures,
through the whole Django stack (middleware, sessions, views, templates, audit writes;
the test client, without HTTP and gunicorn):

* (a) the five analytics views: the page (table and chart), for a regional officer
  (every МО; one year, three years, a period cut inside months, a user filter) and a
  municipal officer — goal under 1 s each; the PNG export; and the same pages without
  the monthly rollup, to show what it buys;
* (b) card view and search (families and minors; by name, birth date, address) — goal
  p95 under 150 ms;
* the cost of the rollup triggers on one audit insert.

Prints a table and, with --json, writes the figures to a file. The cluster is removed at
the end (--keep leaves it running for a look, and prints its DSN).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from regbank_devtools.pgcluster import TempCluster, free_port_hint
from regbank_devtools.stats import percentile

from analytics import large_region

YEARS = large_region.YEARS
EMPTY = YEARS[0] - 5  # a year without events
SERVER_SETTINGS = {  # a regional server's memory, scaled to the bench machine
    "shared_buffers": "4GB",
    "effective_cache_size": "16GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "random_page_cost": "1.1",
    "max_connections": "50",
}
GOAL_VIEW_S = 1.0
GOAL_CARD_P95_MS = 150.0


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} vCPU {cpu}{mem}"


def _start_cluster():
    cluster = TempCluster(port=free_port_hint(), server_settings=SERVER_SETTINGS).start()
    cluster.psql("CREATE ROLE regbank LOGIN CREATEDB")
    cluster.psql("CREATE DATABASE regbank OWNER regbank")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "regbank_app.settings",
            "REGBANK_SECRET_KEY": "bench-only-secret-key",
            "REGBANK_DATABASE_URL": (
                f"postgresql://regbank@/regbank?host={cluster.socket_dir}&port={cluster.port}"
            ),
            "REGBANK_ALLOWED_HOSTS": "testserver",
            "REGBANK_SECURE_COOKIES": "false",
            "REGBANK_LOG_LEVEL": "WARNING",
            "REGBANK_SITE_ROLE": "regional",
            "REGBANK_REGION_NAME": "Большой регион (60 МО)",
        }
    )
    for key in ("REGBANK_ENV_FILE", "REGBANK_DEBUG", "REGBANK_DB_APP_ROLE", "REGBANK_SITE_MO"):
        os.environ.pop(key, None)
    return cluster


def _say(text: str) -> None:
    print(text, flush=True)


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


# --- data -------------------------------------------------------------------------------
def generate(n_mo: int, events: int, cards: int) -> dict:
    from django.db import connection, transaction

    from analytics import synthetic

    specs = synthetic.large_specs(n_mo, YEARS, events, cards, seed=large_region.SEED)
    last = [0]

    def progress(n):
        if n - last[0] >= 500_000 or n == events:
            _say(f"  … {n:,} events".replace(",", " "))
            last[0] = n

    started = time.perf_counter()
    with transaction.atomic():
        counts = synthetic.generate(
            specs, end=datetime.date(YEARS[-1], 12, 31), seed=large_region.SEED, progress=progress
        )
    generated = time.perf_counter() - started
    # what autovacuum does on a live server: statistics and the visibility map
    connection.ensure_connection()
    with connection.cursor() as cursor:
        vacuum, _ = _timed(lambda: cursor.execute("VACUUM (ANALYZE)"))
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('audit_auditevent')), "
            "pg_size_pretty(pg_total_relation_size('analytics_monthly')), "
            "(SELECT count(*) FROM analytics_monthly)"
        )
        audit_size, rollup_size, rollup_rows = cursor.fetchone()
    return {
        **counts,
        "generate_s": round(generated, 1),
        "vacuum_s": round(vacuum, 1),
        "audit_size": audit_size,
        "rollup_size": rollup_size,
        "rollup_rows": rollup_rows,
    }


def _users():
    from django.db.models import Count

    from accounts.models import Role, User
    from directory.models import Municipality

    regional = User.objects.create_user(
        "bench.regional",
        None,
        last_name="Регионова",
        first_name="Ирина",
        role=Role.REGIONAL,
        must_change_password=False,
    )
    # the municipal officer of the largest МО (the most rows to count and to search)
    big = Municipality.objects.annotate(n=Count("users")).order_by("-n", "sort_order").first()
    municipal = User.objects.filter(mo=big, role=Role.MUNICIPAL).order_by("username").first()
    return regional, municipal, big


# --- (a) analytics ----------------------------------------------------------------------
def bench_analytics(regional, municipal, repeats: int) -> list[dict]:
    from django.test import Client

    from analytics import reports, rollup

    y = YEARS[-1]
    scenarios = [
        ("регион, год", regional, f"date_from={y}-01-01&date_to={y}-12-31"),
        ("регион, 3 года", regional, f"date_from={YEARS[0]}-01-01&date_to={y}-12-31"),
        ("регион, 15.03–10.02", regional, f"date_from={y - 1}-03-15&date_to={y}-02-10"),
        (
            "регион, КДН, пользователь",
            regional,
            f"date_from={y}-01-01&date_to={y}-12-31&agency_kind=kdn&user={municipal.username}",
        ),
        ("МО, год", municipal, f"date_from={y}-01-01&date_to={y}-12-31"),
        # the fixed part of a page, for the planner's cost per rollup row
        (
            "регион, пустой год",
            regional,
            f"date_from={EMPTY}-01-01&date_to={EMPTY}-12-31",
        ),
    ]
    results = []
    clients = {}
    for who in (regional, municipal):
        client = Client()
        client.force_login(who)
        clients[who.pk] = client
    for view in reports.VIEWS:
        for label, who, query in scenarios:
            client = clients[who.pk]
            parts = [("страница", f"/analytics/{view.slug}/?{query}")]
            if label == scenarios[0][0]:
                parts.append(("PNG", f"/analytics/{view.slug}/chart.png?{query}"))
            for part, url in parts:
                times = []
                for _ in range(repeats):
                    elapsed, response = _timed(lambda url=url, client=client: client.get(url))
                    if response.status_code != 200:
                        raise RuntimeError(f"{url}: HTTP {response.status_code}")
                    times.append(elapsed)
                results.append(
                    {
                        "view": f"{view.number}. {view.title}",
                        "scenario": label,
                        "part": part,
                        "first_s": round(times[0], 3),
                        "median_s": round(statistics.median(times), 3),
                        "max_s": round(max(times), 3),
                    }
                )
    # the same pages counted from the events alone (the rollup switched off)
    original = rollup.usable
    rollup.usable = lambda connection: False
    try:
        client = clients[regional.pk]
        for view in reports.VIEWS:
            url = f"/analytics/{view.slug}/?date_from={y}-01-01&date_to={y}-12-31"
            runs = max(2, repeats // 2)
            times = [_timed(lambda url=url: client.get(url))[0] for _ in range(runs)]
            results.append(
                {
                    "view": f"{view.number}. {view.title}",
                    "scenario": "регион, год, без итогов (по событиям)",
                    "part": "страница",
                    "first_s": round(times[0], 3),
                    "median_s": round(statistics.median(times), 3),
                    "max_s": round(max(times), 3),
                }
            )
    finally:
        rollup.usable = original
    return results


def rollup_row_cost(analytics: list[dict]) -> dict:
    """What a regional page costs per monthly rollup row it adds up: (median of a year's
    page - median of an empty year's page), averaged over the views, per row of the year.
    Wall time of one process (Django and PostgreSQL take turns): the capacity planner's
    cpu_us_per_rollup_row, at the large region's scale."""
    from django.db import connection

    from analytics import rollup

    y = YEARS[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {rollup.TABLE} WHERE month >= %s AND month < %s",  # noqa: S608
            [datetime.date(y, 1, 1), datetime.date(y + 1, 1, 1)],
        )
        (rows,) = cursor.fetchone()
    pages = {
        (r["view"], r["scenario"]): r["median_s"] for r in analytics if r["part"] == "страница"
    }
    views = sorted({view for view, _ in pages})
    year = statistics.mean(pages[(v, "регион, год")] for v in views)
    empty = statistics.mean(pages[(v, "регион, пустой год")] for v in views)
    return {
        "rollup_rows_year": rows,
        "page_year_s": round(year, 4),
        "page_empty_s": round(empty, 4),
        "us_per_rollup_row": round(max(0.0, year - empty) * 1e6 / rows, 3) if rows else None,
    }


# --- (b) card view and search -------------------------------------------------------------
def _percentiles(times_ms: list[float]) -> dict:
    ordered = sorted(times_ms)
    p95 = percentile(ordered)  # as the calibration computes it
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def _card_cases(rng, families, minors) -> dict:
    from analytics.synthetic import STREETS, SURNAMES

    first_names = ["Иван", "Анна", "Мария", "Дмитрий"]
    return {
        "карточка семьи": lambda: f"/families/{rng.choice(families)}/",
        "карточка несовершеннолетнего": lambda: f"/minors/{rng.choice(minors)[0]}/",
        "поиск семей по фамилии": lambda: f"/families/?name={rng.choice(SURNAMES)}",
        "поиск несовершеннолетних по фамилии и имени": lambda: (
            f"/minors/?name={rng.choice(SURNAMES)}+{rng.choice(first_names)}"
        ),
        "поиск несовершеннолетних по дате рождения": lambda: (
            f"/minors/?birth_date={rng.choice(minors)[1]:%Y-%m-%d}"
        ),
        "поиск семей по адресу": lambda: f"/families/?address=ул.+{rng.choice(STREETS)}",
    }


def bench_cards(regional, municipal, big, samples: int) -> list[dict]:
    from django.test import Client

    from registry.models import Family, Minor

    rng = random.Random(11)  # noqa: S311 - picks test URLs
    results = []
    for who, scope in ((municipal, f"МО ({big.name})"), (regional, "регион")):
        client = Client()
        client.force_login(who)
        families = list(Family.objects.visible_to(who).values_list("pk", flat=True)[:50000])
        minors = list(Minor.objects.visible_to(who).values_list("pk", "birth_date")[:50000])
        for label, make_url in _card_cases(rng, families, minors).items():
            for _ in range(3):  # warm-up
                client.get(make_url())
            times = []
            for _ in range(samples):
                url = make_url()
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status_code}")
            results.append({"case": label, "scope": scope, **_percentiles(times)})
    return results


def bench_insert_cost(count: int = 2000) -> dict:
    """One audit insert per statement (as a request writes it), with and without the
    rollup's statement trigger; each series in a transaction that is rolled back."""
    import uuid

    from django.db import connection, transaction

    sql = (
        "INSERT INTO audit_auditevent (id, time, site, action, username, user_name, role, "
        "agency_type, object_type, object_repr, changes, details, mo_id, user_id, agency_id) "
        "SELECT %s, now(), 'regional', 'view', u.username, '', u.role, 'kdn', '', '', '{}', "
        "'{}', u.mo_id, u.id, u.agency_id FROM accounts_user u WHERE u.id = %s"
    )
    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_user WHERE mo_id IS NOT NULL LIMIT 1")
        user_id = cursor.fetchone()[0]
    for label, toggle in (("с триггером итогов", "ENABLE"), ("без триггера", "DISABLE")):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditevent {toggle} TRIGGER analytics_rollup")
            started = time.perf_counter()
            for _ in range(count):
                cursor.execute(sql, [uuid.uuid4(), user_id])
            out[label] = round((time.perf_counter() - started) / count * 1000, 3)
            transaction.set_rollback(True)
    return out


def bench_partitions(repeats: int = 5) -> list[dict]:
    """Would monthly partitions of audit events help the reads? The same events copied into
    a table partitioned by month (same key, the indexes these queries use), the same
    queries on both."""
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_audit_part (LIKE audit_auditevent INCLUDING DEFAULTS) "
            'PARTITION BY RANGE ("time")'
        )
        month = datetime.date(YEARS[0] - 1, 12, 1)
        while month <= datetime.date(YEARS[-1] + 1, 1, 1):
            after = (month + datetime.timedelta(days=32)).replace(day=1)
            cursor.execute(
                f"CREATE TABLE bench_audit_part_{month:%Y%m} PARTITION OF bench_audit_part "
                f"FOR VALUES FROM ('{month}') TO ('{after}')"
            )
            month = after
        cursor.execute("CREATE TABLE bench_audit_part_other PARTITION OF bench_audit_part DEFAULT")
        copy_s, _ = _timed(
            lambda: cursor.execute("INSERT INTO bench_audit_part SELECT * FROM audit_auditevent")
        )
        for ddl in (
            'ALTER TABLE bench_audit_part ADD PRIMARY KEY (id, "time")',
            'CREATE INDEX ON bench_audit_part ("time")',
            'CREATE INDEX ON bench_audit_part (mo_id, "time")',
            'CREATE INDEX ON bench_audit_part (card_id, "time")',
            'CREATE INDEX ON bench_audit_part (user_id, "time")',
        ):
            cursor.execute(ddl)
        cursor.execute("VACUUM ANALYZE bench_audit_part")
        cursor.execute(
            "SELECT card_id FROM audit_auditevent WHERE card_id IS NOT NULL "
            "ORDER BY md5(card_id::text) LIMIT 50"
        )
        cards = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT mo_id FROM audit_auditevent WHERE mo_id IS NOT NULL LIMIT 1")
        mo_id = cursor.fetchone()[0]
        y = YEARS[-1]
        queries = [
            (
                "15 дней, по МО (края периода)",
                'SELECT mo_id, count(*) FROM {t} WHERE "time" >= %s AND "time" < %s GROUP BY mo_id',
                lambda: [f"{y}-03-01", f"{y}-03-16"],
            ),
            (
                "год, по МО и действию (без итогов)",
                'SELECT mo_id, action, count(*) FROM {t} WHERE "time" >= %s AND "time" < %s '
                "GROUP BY 1, 2",
                lambda: [f"{y}-01-01", f"{y + 1}-01-01"],
            ),
            (
                "история карточки",
                'SELECT id, "time", action FROM {t} WHERE card_id = %s ORDER BY "time" DESC',
                lambda: [random.choice(cards)],  # noqa: S311
            ),
            (
                "журнал МО, первая страница",
                'SELECT * FROM {t} WHERE mo_id = %s ORDER BY "time" DESC, id DESC LIMIT 101',
                lambda: [mo_id],
            ),
        ]
        for label, sql, params in queries:
            row = {"query": label}
            for table, key in (("audit_auditevent", "plain_ms"), ("bench_audit_part", "part_ms")):
                runs = repeats * (10 if label == "история карточки" else 1)
                times = []
                for _ in range(runs + 1):
                    started = time.perf_counter()
                    cursor.execute(sql.format(t=table), params())
                    times.append((time.perf_counter() - started) * 1000)
                row[key] = round(statistics.median(times[1:]), 2)
            out.append(row)
        cursor.execute("DROP TABLE bench_audit_part")
    out.append(
        {
            "query": "копирование всех событий в секции",
            "plain_ms": None,
            "part_ms": round(copy_s * 1000),
        }
    )
    return out


# --- report -----------------------------------------------------------------------------
def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mo", type=int, default=large_region.MO)
    parser.add_argument("--events", type=int, default=large_region.EVENTS)
    parser.add_argument("--cards", type=int, default=large_region.CARDS)
    parser.add_argument("--repeats", type=int, default=5, help="requests per analytics page")
    parser.add_argument("--samples", type=int, default=200, help="requests per card case")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    parser.add_argument(
        "--no-partitions", action="store_true", help="skip the monthly partitions experiment"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a goal is missed"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    machine = _machine()
    _say(f"regbank bench — {datetime.date.today():%Y-%m-%d}, {machine}")
    load_before = os.getloadavg()
    _say("load average at start: " + " ".join(f"{x:.1f}" for x in load_before))
    cluster = _start_cluster()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _say(
            f"data: {args.mo} МО, {args.cards:,} cards, {args.events:,} audit events, "
            f"{YEARS[0]}–{YEARS[-1]}".replace(",", " ")
        )
        data = generate(args.mo, args.events, args.cards)
        _say(
            f"  generated in {data['generate_s']} s (+ VACUUM ANALYZE {data['vacuum_s']} s); "
            f"audit table {data['audit_size']}, rollup {data['rollup_size']} "
            f"({data['rollup_rows']:,} rows)".replace(",", " ")
        )
        regional, municipal, big = _users()

        _say("\n(a) analytics views, seconds per request (goal < 1 s)")
        analytics = bench_analytics(regional, municipal, args.repeats)
        _say(
            _table(
                [
                    [r["view"], r["scenario"], r["part"], r["first_s"], r["median_s"], r["max_s"]]
                    for r in analytics
                ],
                ["представление", "сценарий", "часть", "первый", "медиана", "макс."],
            )
        )
        worst = max(
            r["max_s"]
            for r in analytics
            if "без итогов" not in r["scenario"] and r["part"] == "страница"
        )
        _say(f"worst with the rollup: {worst:.3f} s — {'OK' if worst < GOAL_VIEW_S else 'OVER'}")
        per_row = rollup_row_cost(analytics)
        rows_text = f"{per_row['rollup_rows_year']:,}".replace(",", " ")
        _say(
            f"regional page, mean of the views: a year {per_row['page_year_s']} s, an empty "
            f"year {per_row['page_empty_s']} s; {rows_text} rollup rows in the year → "
            f"{per_row['us_per_rollup_row']} µs per row (the planner's cpu_us_per_rollup_row)"
        )

        _say("\n(b) card view and search, ms per request (goal p95 < 150 ms)")
        cards = bench_cards(regional, municipal, big, args.samples)
        _say(
            _table(
                [
                    [r["case"], r["scope"], r["n"], r["p50_ms"], r["p95_ms"], r["max_ms"]]
                    for r in cards
                ],
                ["случай", "область", "n", "p50", "p95", "макс."],
            )
        )
        worst_p95 = max(r["p95_ms"] for r in cards)
        _say(f"worst p95: {worst_p95:.1f} ms — {'OK' if worst_p95 < GOAL_CARD_P95_MS else 'OVER'}")

        _say("\nmonthly partitions of audit events: the same queries, ms (median)")
        partitions = bench_partitions() if not args.no_partitions else []
        if partitions:
            _say(
                _table(
                    [[r["query"], r["plain_ms"], r["part_ms"]] for r in partitions],
                    ["запрос", "одна таблица", "по месяцам"],
                )
            )
        insert = bench_insert_cost()
        _say("\naudit insert, ms per event: " + ", ".join(f"{k} {v}" for k, v in insert.items()))
        total = time.perf_counter() - started
        load_after = os.getloadavg()
        _say(
            f"\nbench finished in {total / 60:.1f} min; load average at the end: "
            + " ".join(f"{x:.1f}" for x in load_after)
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "date": f"{datetime.date.today():%Y-%m-%d}",
                        "machine": machine,
                        "server_settings": SERVER_SETTINGS,
                        "data": data,
                        "analytics": analytics,
                        "rollup_row_cost": per_row,
                        "cards": cards,
                        "insert_ms": insert,
                        "partitions": partitions,
                        "total_min": round(total / 60, 1),
                        "load_average": {"start": load_before, "end": load_after},
                    },
                    ensure_ascii=False,
                    indent=2,
                ),
                encoding="utf-8",
            )
            _say(f"figures written to {args.json}")
        if args.keep:
            _say(
                f"cluster kept: {os.environ['REGBANK_DATABASE_URL']} (stop: pg_ctl -D "
                f"{cluster.data_dir} stop)"
            )
            cluster.base_dir = None  # stop() does nothing now
        missed = worst >= GOAL_VIEW_S or worst_p95 >= GOAL_CARD_P95_MS
        return 1 if missed and args.strict else 0
    finally:
        from django.db import connections

        connections.close_all()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
