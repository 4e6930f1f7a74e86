"""The side-by-side reports of `make bench-deploy` (--workstations N, --online) and
its reading of the JSON callback."""

import json

import pytest

from regbank.bench_deploy import (
    Run,
    _breakdown,
    parse_json_output,
    report,
    report_online,
    report_workstations,
)
from regbank_foundation.errors import RegbankError


def results(cold: float, nochange: list[float], check: list[float], hosts: int = 5) -> dict:
    def run(what: str, seconds: float) -> Run:
        tasks = [("baseline : Packages", seconds / 2)]
        return Run(what, seconds, 0.5, {}, tasks, pairs=100 * hosts, cpu=seconds / 2)

    return {
        "date": "2026-12-04 14:00 UTC",
        "machine": "2 vCPU",
        "cold": run("cold", cold),
        "nochange": [run("no-change", s) for s in nochange],
        "check": [run("check", s) for s in check],
    }


def test_each_figure_side_by_side_with_its_ratio():
    text = report_workstations(
        results(600, [180, 200, 190], [200]),
        results(900, [300, 280, 290], [330], hosts=23),
        (2, 20),
    )
    assert "| показатель | 2 АРМ | 20 АРМ | отношение |" in text
    assert "| первое развёртывание на свежих узлах | 600 с | 900 с | 1.50× |" in text
    assert "| повторный прогон `site.yml` (changed=0) | 190 с | 290 с | 1.53× |" in text
    assert "| `site.yml --check --diff` (changed=0) | 200 с | 330 с | 1.65× |" in text
    assert 'BENCH_ARGS="--workstations 18"' in text
    # what the controller did in the median no-change runs: 500 against 2300 pairs
    assert "| пар «узел, задача», повторный прогон | 500 | 2300 | 4.60× |" in text
    assert (
        "| процессорное время управляющей машины, повторный прогон | 95 с | 145 с | 1.53× |" in text
    )
    assert "По ролям, повторный прогон с 20 АРМ (290 с" in text


def test_task_names_with_a_bar_stay_in_their_table_cell():
    run = Run("no-change", 95, 0.5, {}, [("pki : Pki | Install the CA certificate", 1.5)])
    rows = [line for line in _breakdown("повторный прогон", run) if "Install" in line]
    assert rows == ["| pki : Pki \\| Install the CA certificate | 1.5 |"]


def test_the_json_callbacks_document_is_read_between_other_callbacks_lines():
    def entry(host: str, start: str, end: str) -> dict:
        duration = {"start": f"2026-12-04T10:00:{start}Z", "end": f"2026-12-04T10:00:{end}Z"}
        task = {"id": "t1", "name": "baseline : Baseline | Packages", "duration": duration}
        return {"task": task, "hosts": {host: {"changed": False}}}

    # mitogen: one entry per host; the task lasts from the first start to the last end
    document = {"plays": [{"tasks": [entry("a", "01", "03"), entry("b", "02", "05")]}],
                "stats": {"a": {"changed": 0}, "b": {"changed": 0}}}  # fmt: skip
    output = "Thursday 04 December 2026  10:00:00\n" + json.dumps(document, indent=4) + "\n==="
    run = parse_json_output("no-change", 9.0, 0.3, output)
    assert run.tasks == [("baseline : Baseline | Packages", 4.0)] and run.changed == 0
    assert run.pairs == 2
    with pytest.raises(RegbankError, match="no-change: no JSON document"):
        parse_json_output("no-change", 9.0, 0.3, "ERROR! the playbook could not be read")


def test_offline_against_online_with_the_bundles_build(tmp_path):
    (tmp_path / "pool.deb").write_bytes(b"x" * 3_000_000)
    offline = results(450, [90, 95, 100], [92]) | {"bundle": (35.0, tmp_path)}
    online = results(300, [90, 88, 85], [92]) | {"bundle": (4.0, None)}
    text = report_online(offline, online, 5)
    assert "| показатель | из комплекта | из зеркала | отношение |" in text
    assert "| первое развёртывание на свежих узлах | 450 с | 300 с | 1.50× |" in text
    assert "| повторный прогон `site.yml` (changed=0) | 95 с | 88 с | 1.08× |" in text
    assert "| сборка перед развёртыванием | 35 с (комплект, 3 МБ) | 4 с (пакет приложения)" in text
    assert "BENCH_ARGS=--online" in text and "узлов лаборатории: 5" in text


def test_the_report_says_what_the_controller_did():
    text = report(results(600, [84, 90, 80], [70]) | {"floor": 300.0}, 5)
    assert (
        "| повторный прогон `site.yml` (changed=0) | ≤ 60 с | 84 с (прогоны: 84, 90, 80 с)" in text
    )
    assert "| первое развёртывание на свежих узлах | ≤ 1,5× нижней границы | 600 с (2.0×" in text
    assert (
        "Управляющая машина, повторный прогон с медианным временем: 500 пар «узел, задача», "
        "процессорное время ansible-playbook и его процессов 42 с за 84 с (84 мс на пару)."
    ) in text
