"""regbank calibrate: the arithmetic from raw figures, the written file, the queue model."""

import json
import math
import os
import sys

import pytest
from calibrate_helpers import raw

from capacity_planner.calibrate import coefficients, runner, validate
from capacity_planner.calibrate.target import PROBE
from capacity_planner.calibration import COEFFICIENT_FIELDS, load_calibration
from regbank.commands.calibrate import CalibrateError, parse_rates


def _written(tmp_path, data):
    path = tmp_path / "calibration.yaml"
    coefficients.write(coefficients.build(data), path)
    return load_calibration(path)


def test_written_file_loads_as_a_measured_calibration(tmp_path):
    calibration = _written(tmp_path, raw())
    assert calibration.measured is True
    assert calibration.method.startswith("regbank calibrate: locust")
    assert "2 ядра AMD EPYC" in calibration.machine
    assert str(calibration.date) == "2026-11-23"
    assert set(calibration.entries) == set(COEFFICIENT_FIELDS)
    for name, entry in calibration.entries.items():
        assert entry.unit == COEFFICIENT_FIELDS[name].metadata["unit"]
        assert entry.source


def test_cpu_per_request_subtracts_the_idle_background(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    assert c.background_cpu_cores == pytest.approx(0.01)
    assert c.cpu_ms_per_read_request == pytest.approx(40)
    assert c.cpu_ms_per_write_request == pytest.approx(100)
    assert c.cpu_ms_per_analytics_request == pytest.approx(100)
    # (200 - 100) ms over 100 000 rollup rows = 1 us per row
    assert c.cpu_us_per_rollup_row == pytest.approx(1.0)


def test_rollup_size_and_rows_per_user_month(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    assert c.rollup_row_bytes == pytest.approx(204.8)
    assert c.rollup_rows_per_user_month == pytest.approx(4)


def test_time_beyond_cpu_is_the_p95_response_time_less_the_cpu(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    # analytics on an empty period: every response 120 ms, 100 ms of it CPU
    assert c.non_cpu_ms_per_analytics_request == pytest.approx(20)
    # reads answered faster than their CPU share says: never below zero
    assert c.non_cpu_ms_per_read_request == 0


def test_processes_scope_uses_the_process_trees(tmp_path):
    data = raw()
    data["target"]["cpu_scope"] = "processes"
    calibration = _written(tmp_path, data)
    # (15 - 0.5) / 400
    assert calibration.coefficients.cpu_ms_per_read_request == pytest.approx(36.25, rel=1e-3)
    assert "gunicorn и PostgreSQL" in calibration.entries["cpu_ms_per_read_request"].source


def test_wal_per_action_is_composed_from_requests(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    # read: (810 000 - 10 000) / 400 = 2 000; write: (4 010 000 - 10 000) / 200 = 20 000
    assert c.wal_bytes_per_entry_action == pytest.approx(20_000 + 2 * 2_000)
    assert c.wal_bytes_per_other_action == pytest.approx(2_000)


def test_storage_figures(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    assert c.card_row_bytes == pytest.approx(1004)
    assert c.registry_row_bytes == pytest.approx(600)
    assert c.audit_event_row_bytes == pytest.approx(504)  # events of the run: 500 + pointer
    assert c.audit_heap_fill == pytest.approx((4_960_000 + 40_000) / 5_242_880, rel=1e-3)
    assert c.audit_index_factor == pytest.approx(1.4, rel=1e-3)
    assert c.registry_index_factor == pytest.approx(0.5)
    # minus the data tables (the rollup among them): 15 040 512 + 409 600
    assert c.empty_database_bytes == pytest.approx(100_000_000 - 15_450_112)


def test_logs_memory_disk_and_compression(tmp_path):
    c = _written(tmp_path, raw()).coefficients
    assert c.pgaudit_bytes_per_read_request == pytest.approx(800)
    assert c.pgaudit_bytes_per_write_request == pytest.approx(3000)
    assert c.app_log_bytes_per_request == pytest.approx(300_000 / 700, rel=1e-3)
    assert c.log_compression_ratio == pytest.approx(0.1)
    assert c.backup_compression_ratio == pytest.approx(0.3)
    assert c.wal_archive_compression_ratio == pytest.approx(0.25)
    assert c.gunicorn_worker_rss_mib == pytest.approx(90)
    assert c.postgresql_backend_mib == pytest.approx(6)
    assert c.wal_flushes_per_request == pytest.approx(628 / 632, rel=1e-3)  # logins count
    assert c.page_writes_per_write_request == pytest.approx(1224 / 208, rel=1e-3)
    assert c.page_reads_per_read_request == pytest.approx(84 / 424, rel=1e-3)


def test_what_is_not_measured_keeps_the_estimate_and_says_why(tmp_path):
    data = raw()
    data["db"]["preload"] = "pg_stat_statements"
    del data["phases"]["analytics_wide"], data["phases"]["analytics_empty"]
    calibration = _written(tmp_path, data)
    shipped = load_calibration()
    for name in (
        "pgaudit_bytes_per_read_request",
        "cpu_ms_per_analytics_request",
        "cpu_ms_per_replicated_action",
        "os_and_agents_mib",
    ):
        entry = calibration.entries[name]
        assert entry.value == shipped.entries[name].value
        assert entry.source.startswith("не измер"), entry.source
    assert "pgaudit не загружен" in calibration.entries["pgaudit_bytes_per_read_request"].source
    assert "аналитики" in calibration.entries["cpu_ms_per_analytics_request"].source


def test_cli_rebuilds_from_raw(tmp_path):
    from regbank.cli import main

    raw_path = tmp_path / "run.raw.json"
    raw_path.write_text(json.dumps(raw()), encoding="utf-8")
    out = tmp_path / "out.yaml"
    # No server is needed to rebuild the file.
    assert main(["calibrate", "--from-raw", str(raw_path), "--out", str(out)]) == 0
    assert load_calibration(out).measured


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("read=4,write=1.5", {"read": 4.0, "write": 1.5, "analytics": 0.0}),
        ("analytics=0.25", {"read": 0.0, "write": 0.0, "analytics": 0.25}),
    ],
)
def test_parse_rates(text, expected):
    assert parse_rates(text) == expected


@pytest.mark.parametrize("text", ["reads=4", "read", "read=x", "write=-1"])
def test_parse_rates_refuses_bad_input(text):
    with pytest.raises(CalibrateError, match="--rate/--load"):
        parse_rates(text)


def test_summarise_counts_the_window_per_type(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [
        {"t": 5, "type": "login", "ok": True, "ms": 1, "wire": 10, "name": "вход"},
        {"t": 9, "type": "read", "ok": True, "ms": 20, "wire": 100, "name": "a"},
        {"t": 11, "type": "read", "ok": True, "ms": 30, "wire": 300, "name": "b"},
        {"t": 15, "type": "read", "ok": False, "ms": 40, "wire": 200, "name": "b"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + '\n{"t": 1', encoding="utf-8")
    summary = runner.summarise(runner.read_records(path), 10, 20)
    assert summary["read"]["n"] == 3
    assert summary["read"]["n_window"] == 2
    assert summary["read"]["errors"] == 1
    assert summary["read"]["wire_mean"] == 200
    assert summary["read"]["ms_window"] == [30, 40]


def test_wal_ranges_split_at_segment_ends():
    segment = 16 << 20
    pieces = runner.wal_ranges(3 * segment - 100, 4 * segment + 50, "000000020000000000000002", {})
    assert pieces == [
        {"name": "000000020000000000000002", "offset": segment - 100, "length": 100},
        {"name": "000000020000000000000003", "offset": 0, "length": segment},
        {"name": "000000020000000000000004", "offset": 0, "length": 50},
    ]


def test_analytics_periods_are_whole_months_of_the_events_and_an_empty_year():
    wide, empty = runner.analytics_periods({"audit": {"first": "2018-01-09", "last": "2020-02-11"}})
    # whole months: the views read them from the rollup, not from the events
    assert wide == "date_from=2018-01-01&date_to=2020-02-29"
    assert empty == "date_from=2013-01-01&date_to=2013-12-31"


def test_users_for_rate():
    assert runner.users_for(0.2, 2, 60) == 1
    assert runner.users_for(4, 2, 60) == 8
    assert runner.users_for(100, 2, 60) == 60


def test_probe_reads_this_process_tree_and_log_sizes(tmp_path):
    import subprocess

    log = tmp_path / "x.log"
    log.write_bytes(b"x" * 123)
    args = {"mode": "snapshot", "groups": {"me": {"pid": os.getpid()}}, "logs": [str(log)]}
    out = subprocess.run(
        [sys.executable, str(PROBE), json.dumps(args)], capture_output=True, text=True, check=True
    )
    snap = json.loads(out.stdout)
    assert snap["logs"][str(log)] == 123
    assert snap["groups"]["me"]["cpu_s"] > 0
    assert snap["server_cpu_s"] > 0
    assert any(p["pid"] == os.getpid() for p in snap["groups"]["me"]["processes"])


def test_erlang_c_known_values():
    assert validate.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert validate.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert validate.erlang_c(2, 2.5) == 1.0


def test_prediction_at_low_load_is_the_service_time():
    calibration = load_calibration()
    prediction = validate.predict(calibration, {"read": 0.1, "write": 0, "analytics": 0}, 8)
    c = calibration.coefficients
    assert prediction.utilisation == pytest.approx(
        (0.1 * c.cpu_ms_per_read_request / 1000 + c.background_cpu_cores) / 8
    )
    stretch = 8 / (8 - c.background_cpu_cores)
    expected = c.cpu_ms_per_read_request * stretch + c.non_cpu_ms_per_read_request
    assert prediction.p95_ms == pytest.approx(expected, rel=1e-3)


def test_prediction_grows_with_load_and_saturates():
    calibration = load_calibration()
    light = validate.predict(calibration, {"read": 5, "write": 1, "analytics": 0}, 2)
    heavy = validate.predict(calibration, {"read": 30, "write": 4, "analytics": 0}, 2)
    assert heavy.p95_ms > light.p95_ms
    assert heavy.utilisation > light.utilisation
    over = validate.predict(calibration, {"read": 100, "write": 0, "analytics": 0}, 2)
    assert over.saturated and math.isinf(over.p95_ms)


def test_markdown_table_says_whether_within_goal():
    calibration = load_calibration()
    prediction = validate.predict(calibration, {"read": 4, "write": 1, "analytics": 0}, 2)
    result = {
        "target": "region-srv",
        "machine": {"cores": 2, "cpu_model": "AMD EPYC", "ram_gib": 4},
        "load": {"read": 4, "write": 1, "analytics": 0},
        "seconds": 120,
        "calibration": "calibration.yaml",
        "calibration_measured": False,
        "scope": "server",
        "prediction": prediction,
        "measured": {
            "utilisation": prediction.utilisation * 1.1,
            "p95_ms": prediction.p95_ms * 2,
            "p95_ms_by_type": {"read": prediction.p95_ms_by_type["read"], "write": 1.0},
            "rates": {"read": 4.01, "write": 0.98},
        },
    }
    table = validate.markdown(result)
    assert "| величина | прогноз | измерено | отклонение | в пределах ±25 % |" in table
    assert "ПРЕДВАРИТЕЛЬНАЯ" in table
    lines = {
        line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")
    }
    assert lines["загрузка ЦП"].endswith("| да |")
    assert lines["p95 всех запросов"].endswith("| нет |")
    assert lines["p95: чтение"].endswith("| да |")
