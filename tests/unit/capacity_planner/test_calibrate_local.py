"""A short real calibration: gunicorn and a throwaway PostgreSQL 15 started here, locust
driving read, write and analytics phases, the file written and read back by the planner.

Takes about two minutes (most of it starting the app and loading the sample region).
The figures of a run this short on a shared machine mean nothing; the test checks that
the whole path works and what the file says about itself.
"""

import json

from capacity_planner.calibration import load_calibration
from regbank.cli import main


def test_short_local_calibration_writes_a_measured_file(tmp_path, capsys):
    out = tmp_path / "calibration.yaml"
    code = main(
        [
            "calibrate",
            "--local",
            "--local-activity",
            "0.005",
            "--duration",
            "6",
            "--warmup",
            "1",
            # Poisson arrivals: at 2/s a 6 s window is empty once in e^12 runs (at
            # 0.5/s it was once in 20).
            "--rate",
            "read=2,write=2,analytics=2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    calibration = load_calibration(out)
    assert calibration.measured is True
    assert "locust" in calibration.method
    assert "PostgreSQL 15" in calibration.machine
    measured = {n for n, e in calibration.entries.items() if e.source.startswith("измерено")}
    for name in (
        "cpu_ms_per_read_request",
        "cpu_ms_per_write_request",
        "cpu_ms_per_analytics_request",
        "wire_bytes_per_read_request",
        "wal_bytes_per_entry_action",
        "card_row_bytes",
        "audit_event_row_bytes",
        "gunicorn_worker_rss_mib",
    ):
        assert name in measured, calibration.entries[name].source
    c = calibration.coefficients
    assert c.cpu_ms_per_read_request > 0
    assert c.wire_bytes_per_read_request > 1000  # a real page came back
    raw = json.loads(out.with_name("calibration.raw.json").read_text(encoding="utf-8"))
    assert raw["phases"]["write"]["requests"]["write"]["errors"] == 0
    assert raw["storage"]["run_audit"]["n"] > 0  # the app wrote audit events for the load
    assert "calibrate.regional" not in capsys.readouterr().out  # no account details printed
