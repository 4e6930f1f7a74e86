"""The restore drill on the deployed lab: a point in time of the regional server,
restored into a fresh drill host, equals the source table by table.

Uses the session's lab (conftest: inventory/lab or REGBANK_LAB_INVENTORY, site.yml
run once). The drill host is recreated first, so it has never held PostgreSQL data.
About 4 minutes on the project's machine, most of it installing PostgreSQL on the
fresh host. The drill host is left holding the restored copy, not deployed like the
others (conftest.py runs the drill after every test that runs site.yml over the lab);
`regbank lab up --recreate drill-srv` and site.yml --limit drill-srv bring it back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import recap, regbank, run

DRILL_HOST = "drill-srv"
# Part of `make lab-test` (and so CI); `make lab-drill` runs it alone.
pytestmark = [pytest.mark.drill, pytest.mark.full_site]


@pytest.fixture(scope="module")
def drill(deployed, tmp_path_factory) -> tuple[dict, str]:
    regbank("up", "--recreate", DRILL_HOST)
    report = tmp_path_factory.mktemp("drill") / "report.json"
    result = run(
        "ansible-playbook",
        "playbooks/backup-drill.yml",
        "-e",
        f"backup_drill_report_file={report}",
    )
    return json.loads(Path(report).read_text()), result.stdout


def test_every_table_matches_the_source_at_the_target_time(drill):
    report, stdout = drill
    assert report["differences"] == []
    assert report["compared"], "the source had no table to compare"
    assert report["restored"] == report["compared"]
    # The application's database came back, not only the drill's own marker table.
    assert any(not name.startswith("regbank_drill/") for name in report["compared"])
    assert "Итог: ВОССТАНОВЛЕНО ВЕРНО" in stdout


def test_rows_written_after_the_target_time_are_absent(drill):
    report, _ = drill
    assert report["markers"]["before"] > 0
    assert report["markers"]["after"] == 0


def test_drill_refuses_a_host_that_already_held_data(drill):
    again = run("ansible-playbook", "playbooks/backup-drill.yml", check=False)
    assert again.returncode != 0
    assert "never held PostgreSQL data" in again.stdout + again.stderr
    assert f"regbank lab up --recreate {DRILL_HOST}" in again.stdout + again.stderr
    # refused before anything was written: no marker rows, no copy of the repository
    assert all(counts["changed"] == 0 for counts in recap(again.stdout).values()), again.stdout
