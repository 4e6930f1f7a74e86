"""The 2-against-20 workstation report of `make bench-deploy --workstations N`."""

from regbank.bench_deploy import Run, report_workstations


def results(cold: float, nochange: list[float], check: list[float]) -> dict:
    def run(what: str, seconds: float) -> Run:
        return Run(what, seconds, 0.5, {}, [("baseline : Packages", seconds / 2)])

    return {
        "date": "2026-12-04 14:00 UTC",
        "machine": "2 vCPU",
        "cold": run("cold", cold),
        "nochange": [run("no-change", s) for s in nochange],
        "check": [run("check", s) for s in check],
    }


def test_each_figure_side_by_side_with_its_ratio():
    text = report_workstations(
        results(600, [180, 200, 190], [200]), results(900, [300, 280, 290], [330]), (2, 20)
    )
    assert "| показатель | 2 АРМ | 20 АРМ | отношение |" in text
    assert "| первое развёртывание на свежих узлах | 600 с | 900 с | 1.50× |" in text
    assert "| повторный прогон `site.yml` (changed=0) | 190 с | 290 с | 1.53× |" in text
    assert "| `site.yml --check --diff` (changed=0) | 200 с | 330 с | 1.65× |" in text
    assert 'BENCH_ARGS="--workstations 18"' in text


def test_task_names_with_a_bar_stay_in_their_table_cell():
    from regbank.bench_deploy import _breakdown

    run = Run("no-change", 95, 0.5, {}, [("pki : Pki | Install the CA certificate", 1.5)])
    rows = [line for line in _breakdown("повторный прогон", run) if "Install" in line]
    assert rows == ["| pki : Pki \\| Install the CA certificate | 1.5 |"]
