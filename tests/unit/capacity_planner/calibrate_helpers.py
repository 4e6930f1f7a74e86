"""A calibration run's raw figures with round numbers, to check the arithmetic."""

import copy


def _requests(kind: str, n_window: int, n: int, wire: float, ms: list[float]) -> dict:
    return {
        kind: {
            "n": n,
            "errors": 0,
            "wire_mean": wire,
            "n_window": n_window,
            "ms_window": ms,
            "names": [kind],
        },
        "login": {"n": 4, "errors": 0, "wire_mean": 900, "n_window": 0, "ms_window": []},
    }


def _phase(rates, cpu_server, cpu_processes, wal, requests, **extra) -> dict:
    phase = {
        "rates": rates,
        "note": "",
        "analytics_query": "",
        "users": 4,
        "t0": 1000.0,
        "t1": 1100.0,
        "seconds": 100.0,
        "cpu_s": {"server": cpu_server, "processes": cpu_processes},
        "cpu_source": "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage",
        "wal_bytes": wal,
        "walfiles": ["000000010000000000000003", "000000010000000000000003"],
        "wal_range": [50_000_000, 50_000_000 + wal],
        "log_bytes": {"db": 0, "web": 0, "app": 0},
        "log_offsets": {"db": 0, "web": 0, "app": 0},
        "stats": {"wal_sync": 0, "blks_read": 0, "blks_dirtied": 0},
        "requests": requests,
        "memory": {"worker_rss_kib": [102400, 81920], "backend_rss_anon_kib": [5120, 7168]},
    }
    phase.update(extra)
    return phase


RAW = {
    "date": "2026-11-23",
    "application_version": "0.1.0",
    "target": {
        "name": "region-srv",
        "kind": "ssh",
        "base_url": "https://10.89.0.10",
        "host_header": "bank.lab.regbank.test",
        "cpu_scope": "server",
        "groups": {},
        "logs": {"db": "/var/log/postgresql/postgresql-15-main.log", "web": "/n.log"},
        "app_journal_unit": "regbank-app.service",
    },
    "settings": {
        "rates": {"read": 4, "write": 2, "analytics": 0.5},
        "warmup_s": 15,
        "measure_s": 100,
        "analytics_measured": True,
    },
    "machine": {
        "hostname": "region-srv",
        "cpu_model": "AMD EPYC",
        "cores": 2,
        "ram_gib": 23.5,
        "kernel": "6.1.0",
        "virtualization": "docker",
    },
    "db": {
        "version": "15.9",
        "data_directory": "/var/lib/postgresql/15/main",
        "db_oid": "16385",
        "preload": "pgaudit,pg_stat_statements",
        "pg_stat_statements": True,
        "full_page_writes": "on",
        "wal_compression": "off",
        "synchronous_commit": "on",
        "checkpoint_timeout": "15min",
        "wal_segment_bytes": 16 << 20,
    },
    "phases": {
        # idle: 1 core-second in 100 s = 0.01 cores, 10 000 B of WAL = 100 B/s
        "idle": _phase({}, 1.0, 0.5, 10_000, {}),
        # read: 400 requests, 17 core-seconds: (17 - 1) / 400 = 40 ms; WAL (810 000 - 10 000) / 400
        "read": _phase(
            {"read": 4},
            17.0,
            15.0,
            810_000,
            _requests("read", 400, 420, 30_000, [10.0] * 380 + [100.0] * 20),
            log_bytes={"db": 320_000, "web": 100_000, "app": 80_000},
            stats={"wal_sync": 420, "blks_read": 84, "blks_dirtied": 212},
        ),
        # write: 200 requests, 21 core-seconds: (21 - 1) / 200 = 100 ms; WAL 4 000 010 000 -> 20 000
        "write": _phase(
            {"write": 2},
            21.0,
            20.0,
            4_010_000,
            _requests("write", 200, 204, 5_000, [50.0] * 200),
            log_bytes={"db": 600_000, "web": 50_000, "app": 70_000},
            stats={"wal_sync": 208, "blks_read": 10, "blks_dirtied": 1224},
        ),
        # analytics: 50 requests; empty period 6 s -> (6-1)/50 = 100 ms; wide 11 s -> 200 ms
        "analytics_wide": _phase(
            {"analytics": 0.5},
            11.0,
            10.0,
            10_000,
            _requests("analytics", 50, 52, 80_000, [300.0] * 50),
            scope_rollup_rows=100_000,
        ),
        "analytics_empty": _phase(
            {"analytics": 0.5},
            6.0,
            5.0,
            10_000,
            _requests("analytics", 50, 52, 20_000, [120.0] * 50),
            scope_rollup_rows=0,
        ),
    },
    "storage": {
        "database_bytes": 100_000_000,
        "tables": [
            # 1000 cards: 1 000 000 tuple bytes + 4 000 pointer bytes over 1000 cards
            {
                "table": "registry_family",
                "rows": 600,
                "tuple_bytes": 700_000,
                "heap_bytes": 819_200,
                "toast_bytes": 0,
                "index_bytes": 409_600,
                "total_bytes": 1_228_800,
            },
            {
                "table": "registry_minor",
                "rows": 400,
                "tuple_bytes": 300_000,
                "heap_bytes": 409_600,
                "toast_bytes": 0,
                "index_bytes": 204_800,
                "total_bytes": 614_400,
            },
            {
                "table": "prevention_measure",
                "rows": 500,
                "tuple_bytes": 298_000,
                "heap_bytes": 327_680,
                "toast_bytes": 0,
                "index_bytes": 163_840,
                "total_bytes": 491_520,
            },
            {
                "table": "audit_auditevent",
                "rows": 10_000,
                "tuple_bytes": 4_960_000,
                "heap_bytes": 5_242_880,
                "toast_bytes": 0,
                "index_bytes": 7_340_032,
                "total_bytes": 12_582_912,
            },
            # 2000 rollup rows in 16 pages plus indexes: 409 600 bytes, 204.8 a row
            {
                "table": "analytics_monthly",
                "rows": 2_000,
                "tuple_bytes": 120_000,
                "heap_bytes": 131_072,
                "toast_bytes": 0,
                "index_bytes": 278_528,
                "total_bytes": 409_600,
            },
            {
                "table": "accounts_user",
                "rows": 100,
                "tuple_bytes": 49_600,
                "heap_bytes": 57_344,
                "toast_bytes": 0,
                "index_bytes": 65_536,
                "total_bytes": 122_880,
            },
            {
                "table": "directory_municipality",
                "rows": 10,
                "tuple_bytes": 2_000,
                "heap_bytes": 8_192,
                "toast_bytes": 0,
                "index_bytes": 16_384,
                "total_bytes": 24_576,
            },
        ],
        "run_audit": {"n": 600, "bytes": 300_000},
        # 2000 rows over 20 months of 25 users: 4 rows per user and month
        "rollup": {"rows": 2_000, "months": 20, "users": 25},
    },
    "compression": {
        "logs": {"raw_bytes": 1_000_000, "gzip_bytes": 100_000},
        "database": {"raw_bytes": 10_000_000, "gzip_bytes": 3_000_000},
        "wal": {"raw_bytes": 4_000_000, "gzip_bytes": 1_000_000},
    },
}


def raw() -> dict:
    return copy.deepcopy(RAW)
