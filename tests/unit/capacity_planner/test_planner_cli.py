"""`regbank plan` end to end through the real CLI entry, writing into tmp_path."""

import re

import pytest
import yaml
from planner_helpers import LARGE_REGION, SAMPLE_REGION

from capacity_planner.calibration import SHIPPED_CALIBRATION
from regbank.cli import main

CHARTS = ("storage", "load", "links", "scale")


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory):
    """One run of the sample region with the provisional estimates (the figures below
    follow from them), shared by the checks below."""
    out = tmp_path_factory.mktemp("plan") / "sample"
    capture = pytest.MonkeyPatch()
    printed: list[str] = []
    capture.setattr("builtins.print", lambda *args, **_: printed.append(" ".join(map(str, args))))
    try:
        argv = ["plan", str(SAMPLE_REGION), "--out", str(out)]
        assert main([*argv, "--calibration", str(SHIPPED_CALIBRATION)]) == 0
    finally:
        capture.undo()
    return out, "\n".join(printed)


def test_writes_reports_charts_and_host_vars(sample_plan):
    out, _ = sample_plan
    expected = {"report.md", "report.html", "host_vars"}
    expected |= {f"{chart}.{ext}" for chart in CHARTS for ext in ("png", "svg")}
    assert {path.name for path in out.iterdir()} == expected
    assert sorted(p.name for p in (out / "host_vars").iterdir()) == [
        "mo3-srv.yml",
        "region-srv.yml",
    ]
    for chart in CHARTS:
        assert (out / f"{chart}.png").read_bytes().startswith(b"\x89PNG")
        assert "<svg" in (out / f"{chart}.svg").read_text()


def test_host_vars_carry_the_settings_the_roles_consume(sample_plan):
    out, _ = sample_plan
    regional = yaml.safe_load((out / "host_vars" / "region-srv.yml").read_text())
    municipal = yaml.safe_load((out / "host_vars" / "mo3-srv.yml").read_text())
    assert regional["regbank_sizing_vcpu"] == 2
    assert regional["regbank_sizing_ram_gib"] == 6
    assert regional["registry_app_gunicorn_workers"] == 5
    assert regional["postgresql_shared_buffers"] == "1536MB"  # a quarter of 6 GiB
    assert regional["postgresql_effective_cache_size"] == "4608MB"
    assert regional["postgresql_max_connections"] == 30
    assert regional["postgresql_wal_level"] == "logical"
    assert regional["regbank_sizing_calibration_measured"] is False
    assert municipal["regbank_sizing_mo"] == "MO-3"
    assert municipal["postgresql_max_slot_wal_keep_size"] == "1024MB"
    for key in ("data", "wal", "logs", "backup"):
        assert municipal[f"regbank_sizing_disk_{key}_gib"] >= 1
    header = (out / "host_vars" / "mo3-srv.yml").read_text().splitlines()[1]
    assert "PROVISIONAL, not measured" in header


def test_prints_a_concise_plan(sample_plan):
    _, printed = sample_plan
    assert "ПРЕДВАРИТЕЛЬНЫЕ" in printed
    assert re.search(r"region-srv\s+региональный\s+2\s+6", printed)
    assert re.search(r"mo3-srv\s+муниципальный\s+2\s+6", printed)
    assert re.search(r"MO-3 .*муниципальный сервер: канал 0,50 Мбит/с ниже", printed)
    assert re.search(r"MO-1 .*онлайн", printed)
    assert "report.html" in printed


def test_reports_say_the_figures_are_provisional_and_show_the_charts(sample_plan):
    out, _ = sample_plan
    markdown = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for text in (markdown, html):
        assert "План мощностей: Образцовый регион (10 МО)" in text
        assert "ПРЕДВАРИТЕЛЬНЫЕ оценки, не измерены" in text
        assert "regbank calibrate" in text
        assert "cpu_ms_per_read_request" in text
        assert "max_slot_wal_keep_size" in text
    assert "![Рост дискового пространства по годам](storage.png)" in markdown
    assert '<img src="storage.svg" alt="Рост дискового пространства по годам">' in html
    assert "<code>regbank calibrate</code>" in html
    assert "| MO-3 | 158 | 29 | 18 166 |" in markdown.replace("\u00a0", " ")


def test_default_output_directory_is_named_after_the_region(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plan", str(SAMPLE_REGION)]) == 0
    assert (tmp_path / "plan-sample-region" / "report.html").is_file()


def test_bad_region_file_writes_nothing(sample_data, write_region, tmp_path, capsys):
    sample_data["municipalities"][3]["link"]["bandwidth_mbps"] = "fast"
    region_file = write_region(sample_data)
    out = tmp_path / "out"
    assert main(["plan", str(region_file), "--out", str(out)]) == 2
    assert not out.exists()
    error = capsys.readouterr().err
    assert error.startswith(f"regbank: {region_file}: 1 problem, nothing was written")
    assert "municipalities[3].link.bandwidth_mbps: expected a number, got 'fast'" in error


def test_a_measured_calibration_replaces_the_provisional_one(tmp_path, capsys):
    calibration = yaml.safe_load(SHIPPED_CALIBRATION.read_text())
    calibration.update(
        method="locust against the application, pg_stat_statements, pg_stat_wal",
        measured=True,
        machine="lab: region-srv container, 2 vCPU",
        application_version="0.1.0",
    )
    calibration["coefficients"]["cpu_ms_per_read_request"]["value"] = 4000
    measured = tmp_path / "measured.yaml"
    measured.write_text(yaml.safe_dump(calibration, allow_unicode=True))
    out = tmp_path / "out"
    assert (
        main(["plan", str(SAMPLE_REGION), "--out", str(out), "--calibration", str(measured)]) == 0
    )
    regional = yaml.safe_load((out / "host_vars" / "region-srv.yml").read_text())
    assert regional["regbank_sizing_vcpu"] > 2  # a hundred times the CPU per page
    assert regional["regbank_sizing_calibration_measured"] is True
    assert "ПРЕДВАРИТЕЛЬНЫЕ" not in (out / "report.md").read_text()
    assert "ПРЕДВАРИТЕЛЬНЫЕ" not in capsys.readouterr().out


def test_the_large_region_plans_and_names_its_limit(tmp_path, capsys):
    out = tmp_path / "large"
    argv = ["plan", str(LARGE_REGION), "--out", str(out)]
    assert main([*argv, "--calibration", str(SHIPPED_CALIBRATION)]) == 0
    printed = capsys.readouterr().out
    host_vars = sorted(path.stem for path in (out / "host_vars").iterdir())
    assert "region-srv" in host_vars and "mo3-srv" in host_vars and len(host_vars) > 2
    regional = yaml.safe_load((out / "host_vars" / "region-srv.yml").read_text())
    servers = len(host_vars) - 1
    # One apply worker per municipal server's subscription, plus two table-sync workers.
    assert regional["postgresql_max_logical_replication_workers"] == servers + 2
    assert regional["postgresql_max_replication_slots"] == max(10, servers + 2)
    assert "Один региональный сервер (все МО онлайн) достаточен" in printed
    assert "первым кончается ОЗУ" in printed
    # the analytics add up the monthly rollup: a year of 60 МО stays under the threshold
    assert "самый тяжёлый отчёт аналитики" not in printed


def test_by_default_the_plan_uses_the_calibration_measured_on_the_lab(tmp_path, capsys):
    assert main(["plan", str(SAMPLE_REGION), "--out", str(tmp_path / "plan")]) == 0
    printed = capsys.readouterr().out
    assert "Коэффициенты: lab-2026-11-22.yaml от 2026-11-22 (измерены)" in printed
    assert "ПРЕДВАРИТЕЛЬНЫЕ" not in printed
