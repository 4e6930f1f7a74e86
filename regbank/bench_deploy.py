"""`make bench-deploy`: how long site.yml takes on the lab, against what it must do.

Measures, on a lab brought up fresh (issue 16's figures):
  - the cold deploy of site.yml on fresh hosts;
  - its floor: `apt-get install` of the same packages on the same fresh hosts (every
    package the deploy added, installed as apt installs them, through the same proxy);
  - the no-change run and the `--check --diff` run on the deployed lab, RUNS times each
    (the median is the figure; every run must report changed=0);
  - with --workstations N, instead: the lab as it is and the lab with N more
    workstations, each brought up fresh and measured as above (no floor), side by side;
  - with --online, instead: the lab as it is (offline: from the bundle, egress cut) and
    its online copy (the Debian mirror through the machine's proxy), each brought up
    fresh and measured as above (no floor), side by side, with the bundle's build time.
Each run is read from Ansible's JSON callback: wall time per task (first start to
last host's result) and per role. The results, with the date, the machine and the
load, go between the markers of docs/deploy-speed.md; the ten slowest tasks of the
no-change run are printed.

    python -m regbank.bench_deploy [--runs 3] [--workstations N | --online] [--skip-cold] [--no-doc]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from regbank import lab
from regbank.inventory import load_inventory
from regbank.lab_image import IMAGE
from regbank_devtools.machine import machine
from regbank_foundation.errors import RegbankError
from regbank_foundation.inventory_hosts import json_document, play_tasks
from regbank_foundation.paths import KIT_ROOT

DOC = KIT_ROOT / "docs" / "deploy-speed.md"
OFFLINE_DOC = KIT_ROOT / "docs" / "offline.md"  # where --online writes
# The results go between <!-- bench-deploy:begin --> and <!-- bench-deploy:end -->, or
# bench-deploy-wsN for a lab with N extra workstations, bench-deploy-online for --online.
MARKER = "<!-- bench-deploy{}:{} -->"
BIN = Path(sys.executable).parent
PACKAGES = "dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' | awk '$1 == \"ii\" {print $2}'"


@dataclass
class Run:
    """One ansible-playbook run read from the JSON callback."""

    what: str
    seconds: float
    load: float
    stats: dict[str, dict[str, int]]
    tasks: list[tuple[str, float]] = field(default_factory=list)
    # Host-task pairs (a result of one host for one task): the controller's work grows
    # with them. cpu: user+system seconds of ansible-playbook and every process it
    # waited for (its workers, ssh, mitogen) - the controller's share, not the hosts'.
    pairs: int = 0
    cpu: float = 0.0

    @property
    def changed(self) -> int:
        return sum(host["changed"] for host in self.stats.values())

    def faults(self) -> dict[str, dict[str, int]]:
        keys = ("failures", "unreachable", "rescued", "ignored")
        return {
            name: {key: host[key] for key in keys if host.get(key)}
            for name, host in self.stats.items()
            if any(host.get(key) for key in keys)
        }

    def roles(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for name, seconds in self.tasks:
            role = name.split(" : ", 1)[0] if " : " in name else "(playbook)"
            totals[role] = totals.get(role, 0.0) + seconds
        return totals


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z"))


def parse_json_output(what: str, seconds: float, load: float, output: str, cpu: float = 0.0) -> Run:
    """The JSON callback's document: per-task wall times (tasks of the same name summed)."""
    try:
        document = json_document(output)
    except ValueError:
        raise RegbankError(f"{what}: no JSON document in ansible-playbook's output") from None
    tasks: dict[str, float] = {}
    pairs = 0
    for play in document["plays"]:
        for task in play_tasks(play):
            pairs += len(task["hosts"])
            duration = task["task"]["duration"]
            if "end" in duration:
                spent = (_stamp(duration["end"]) - _stamp(duration["start"])).total_seconds()
                name = task["task"]["name"]
                tasks[name] = tasks.get(name, 0.0) + spent
    ordered = sorted(tasks.items(), key=lambda item: -item[1])
    return Run(what, seconds, load, document["stats"], ordered, pairs, cpu)


def playbook(inventory: Path, *options: str, what: str) -> Run:
    network = lab.load_lab(inventory).network
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(KIT_ROOT / "ansible.cfg"),
        "ANSIBLE_INVENTORY": str(inventory),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(lab.STATE_DIR / network / "vault-password"),
        "ANSIBLE_STDOUT_CALLBACK": "regbank_json",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [str(BIN / "ansible-playbook"), "playbooks/site.yml", *options]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(command, cwd=KIT_ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RegbankError(
            f"{what}: ansible-playbook exited {done.returncode}\n{done.stdout[-3000:]}"
            f"\n{done.stderr[-2000:]}"
        )
    run = parse_json_output(what, seconds, load, done.stdout, cpu)
    print(f"{what}: {seconds:.0f} s, changed={run.changed}, load {load:.1f}, "
          f"{run.pairs} host-task pairs, controller CPU {cpu:.0f} s", flush=True)  # fmt: skip
    return run


def _exec(container: str, script: str) -> str:
    done = subprocess.run(
        ["docker", "exec", container, "sh", "-c", script], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RegbankError(f"{container}: {script[:80]}… exited {done.returncode}: {done.stderr}")
    return done.stdout


def added_packages(hosts: list[lab.LabHost]) -> dict[str, list[str]]:
    """Every package a host has that the base image has not: what the deploy installed."""
    base = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "sh", IMAGE, "-c", PACKAGES],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return {host.name: sorted(set(_exec(host.container, PACKAGES).split()) - set(base))
            for host in hosts}  # fmt: skip


# A throwaway host for the floor: the lab's image booted as the lab boots it (systemd as
# PID 1, so packages start their services as on a lab host), on Docker's default bridge.
FLOOR_RUN = [
    "docker", "run", "-d", "--rm", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--stop-signal", "SIGRTMIN+3",
]  # fmt: skip
INSTALL = (
    "set -e; proxy=http://$(ip route show default | awk '{print $3}'):3142; "
    "export DEBIAN_FRONTEND=noninteractive; "
    'apt-get -qq -o Acquire::http::Proxy="$proxy" update; '
    'apt-get -qq -o Acquire::http::Proxy="$proxy" install -y --no-install-recommends '
)


def floor(packages: dict[str, list[str]]) -> float:
    """apt-get install of each host's packages on a fresh host of the same image, all
    hosts at once, through the same proxy; the lab itself is left as it is."""
    containers = {}
    try:
        for host in packages:
            containers[host] = subprocess.run(
                [*FLOOR_RUN, "--name", f"regbank-bench-floor-{host}", IMAGE,
                 "/lib/systemd/systemd"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
        for container in containers.values():
            _exec(container, "for i in $(seq 60); do systemctl is-system-running 2>/dev/null "
                             "| grep -Eq 'running|degraded' && break; sleep 1; done")  # fmt: skip
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(containers)) as pool:
            jobs = [pool.submit(_exec, containers[host], INSTALL + " ".join(names))
                    for host, names in packages.items() if names]  # fmt: skip
            for job in jobs:
                job.result()
        seconds = time.monotonic() - start
    finally:
        for container in containers.values():
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    print(f"floor (apt-get install on fresh hosts): {seconds:.0f} s", flush=True)
    return seconds


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def _median(runs: list[Run]) -> str:
    seconds = [run.seconds for run in runs]
    each = ", ".join(f"{s:.0f}" for s in seconds)
    return f"{statistics.median(seconds):.0f} с (прогоны: {each} с)" if runs else "—"


def _loads(runs: list[Run]) -> str:
    return ", ".join(f"{run.load:.1f}" for run in runs) or "—"


def _controller(title: str, run: Run) -> str:
    return (
        f"Управляющая машина, {title}: {run.pairs} пар «узел, задача», процессорное время "
        f"ansible-playbook и его процессов {run.cpu:.0f} с за {run.seconds:.0f} с "
        f"({run.cpu / run.pairs * 1000:.0f} мс на пару)."
        if run.pairs
        else ""
    )


def _breakdown(title: str, run: Run) -> list[str]:
    lines = ["", f"По ролям, {title} ({run.seconds:.0f} с; сумма времени задач роли):", ""]
    lines += ["| роль | с |", "|---|---|"]
    lines += [f"| {role} | {s:.1f} |" for role, s in
              sorted(run.roles().items(), key=lambda item: -item[1])]  # fmt: skip
    lines += ["", f"Двадцать самых долгих задач, {title}:", "", "| задача | с |", "|---|---|"]
    # Task names carry "|" (the roles' "Role | What" names): escaped for the table.
    rows = [(name.replace("|", "\\|"), s) for name, s in run.tasks[:20]]
    return lines + [f"| {name} | {s:.1f} |" for name, s in rows]


def report(results: dict, hosts: int) -> str:
    cold, floor_s = results["cold"], results["floor"]
    nochange, check = results["nochange"], results["check"]
    rows = [
        ("повторный прогон `site.yml` (changed=0)", "≤ 60 с", _median(nochange), _loads(nochange)),
        ("`site.yml --check --diff` (changed=0)", "≤ 60 с", _median(check), _loads(check)),
    ]
    if cold:
        ratio = f" ({cold.seconds / floor_s:.1f}× нижней границы)" if floor_s else ""
        rows.append(("первое развёртывание на свежих узлах", "≤ 1,5× нижней границы",
                     f"{cold.seconds:.0f} с{ratio}", f"{cold.load:.1f}"))  # fmt: skip
    if floor_s:
        rows.append(("нижняя граница: `apt-get install` тех же пакетов на свежих узлах", "—",
                     f"{floor_s:.0f} с", "—"))  # fmt: skip
    lines = [
        f"Замер `make bench-deploy` {results['date']}: {results['machine']}; узлов "
        f"лаборатории: {hosts}. Нагрузка — load average за минуту перед каждым прогоном.",
        "",
        "| показатель | цель | результат | нагрузка |",
        "|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
        _controller("повторный прогон с медианным временем", median_run(nochange)),
    ]
    lines += _breakdown("повторный прогон с медианным временем", median_run(nochange))
    if cold:
        lines += _breakdown("первое развёртывание", cold)
    return "\n".join(lines)


def write_doc(text: str, suffix: str = "", path: Path = DOC) -> None:
    """Between the markers bench-deploy<suffix>:begin and :end of the doc."""
    begin, end = (MARKER.format(suffix, edge) for edge in ("begin", "end"))
    doc = path.read_text(encoding="utf-8")
    if begin not in doc or end not in doc:
        raise RegbankError(f"{path}: the markers {begin} and {end} are missing")
    head, rest = doc.split(begin, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")


def bench(inventory: Path, runs: int, cold: bool, with_floor: bool = True) -> dict:
    results = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "cold": None, "floor": None, "bundle": None}  # fmt: skip
    hosts = lab.load_lab(inventory).hosts
    if cold:
        lab.down(inventory, log=lambda _: None)
        lab.up(inventory, log=lambda _: None)
        start = time.monotonic()
        folder = lab.build_bundle(inventory, log=lambda _: None)  # as `make lab` does
        results["bundle"] = (time.monotonic() - start, folder)
        print(f"bundle build: {results['bundle'][0]:.0f} s", flush=True)
        results["cold"] = playbook(inventory, what="cold deploy")
    results["nochange"] = [playbook(inventory, what=f"no-change run {i + 1}") for i in range(runs)]
    results["check"] = [
        playbook(inventory, "--check", "--diff", what=f"check run {i + 1}") for i in range(runs)
    ]
    for run in results["nochange"] + results["check"]:
        if run.changed or run.faults():
            raise RegbankError(f"{run.what}: changed={run.changed}, faults {run.faults()}")
    if cold and with_floor:
        results["floor"] = floor(added_packages(hosts))
    return results


def side_by_side(first: dict, second: dict):
    """Each figure of two bench results, one after the other in one bench run: (title,
    the first's seconds, the second's), medians of the no-change and check runs."""
    for title, key in (
        ("первое развёртывание на свежих узлах", "cold"),
        ("повторный прогон `site.yml` (changed=0)", "nochange"),
        ("`site.yml --check --diff` (changed=0)", "check"),
    ):
        yield (
            title,
            *(
                statistics.median(run.seconds for run in ([r[key]] if key == "cold" else r[key]))
                for r in (first, second)
            ),
        )


def workstation_count(inventory: Path) -> int:
    return sum("workstations" in host.groups for host in load_inventory(inventory).hosts.values())


def report_workstations(base: dict, more: dict, counts: tuple[int, int]) -> str:
    """The lab as it is against the lab with more workstations (same servers), measured
    one after the other in one bench run: each run's median and their ratio."""
    rows = [f"| {title} | {few:.0f} с | {many:.0f} с | {many / few:.2f}× |"
            for title, few, many in side_by_side(base, more)]  # fmt: skip
    few, many = counts
    base_run, more_run = median_run(base["nochange"]), median_run(more["nochange"])
    if base_run.pairs and more_run.pairs:
        rows += [
            f"| пар «узел, задача», повторный прогон | {base_run.pairs} | {more_run.pairs} | "
            f"{more_run.pairs / base_run.pairs:.2f}× |",
            f"| процессорное время управляющей машины, повторный прогон | {base_run.cpu:.0f} с | "
            f"{more_run.cpu:.0f} с | {more_run.cpu / max(base_run.cpu, 0.1):.2f}× |",
        ]
    return "\n".join([
        f"Замер `make bench-deploy BENCH_ARGS=\"--workstations {many - few}\"` "
        f"{base['date']}: {base['machine']}. Одна и та же лаборатория (те же серверы), "
        f"поднятая заново дважды: с {few} АРМ, затем с {many} АРМ. Цель — не больше 2×.",
        "",
        f"| показатель | {few} АРМ | {many} АРМ | отношение |",
        "|---|---|---|---|",
        *rows,
        *_breakdown(f"повторный прогон с {many} АРМ", more_run),
        *_breakdown(f"первое развёртывание с {many} АРМ", more["cold"]),
    ])  # fmt: skip


def _size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def report_online(offline: dict, online: dict, hosts: int) -> str:
    """The offline lab (from the bundle) against its online copy (from the mirror),
    measured one after the other in one bench run: each figure and their ratio."""
    rows = [f"| {title} | {closed:.0f} с | {open_:.0f} с | {closed / open_:.2f}× |"
            for title, closed, open_ in side_by_side(offline, online)]  # fmt: skip
    built, folder = offline["bundle"]
    app_built = online["bundle"][0]
    return "\n".join([
        f"Замер `make bench-deploy BENCH_ARGS=--online` {offline['date']}: "
        f"{offline['machine']}; узлов лаборатории: {hosts}. Одна и та же лаборатория, поднятая "
        "заново дважды: из комплекта (`regbank_package_source: offline`, выход из сети "
        "лаборатории закрыт), затем из зеркала Debian через прокси пакетов машины "
        "(`online`; кэш прокси прогрет сборкой комплекта). Отношение — «из комплекта» к "
        "«из зеркала».",
        "",
        "| показатель | из комплекта | из зеркала | отношение |",
        "|---|---|---|---|",
        *rows,
        f"| сборка перед развёртыванием | {built:.0f} с (комплект, {_size_mb(folder):.0f} МБ) "
        f"| {app_built:.0f} с (пакет приложения) | — |",
        *_breakdown("первое развёртывание из комплекта", offline["cold"]),
        *_breakdown("первое развёртывание из зеркала", online["cold"]),
    ])  # fmt: skip


def take_down(copy: Path) -> None:
    """The lab copy a side-by-side bench left deployed goes: its hosts hold the copy's
    secrets, which the next `make lab` would not share, so that starts from fresh hosts."""
    lab.down(copy, log=lambda _: None)
    print(f"{copy.name}: taken down; `make lab` brings the lab back", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m regbank.bench_deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-i", "--inventory", type=Path, default=KIT_ROOT / "inventory" / "lab")
    parser.add_argument("--runs", type=int, default=3, help="no-change and check runs (median)")
    variant = parser.add_mutually_exclusive_group()
    variant.add_argument(
        "--workstations",
        type=int,
        metavar="N",
        help="the lab as it is, then with N more workstations (regbank lab up "
        "--workstations N): cold deploy, no-change and check runs of each, side by side",
    )
    variant.add_argument(
        "--online",
        action="store_true",
        help="the offline lab (from the bundle), then its online copy (from the Debian "
        "mirror): cold deploy, no-change and check runs of each, side by side",
    )
    parser.add_argument(
        "--skip-cold",
        action="store_true",
        help="measure the deployed lab as it stands: no cold deploy, no floor",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help=f"print the results instead of writing {DOC.name}"
    )
    args = parser.parse_args(argv)
    try:
        if args.workstations is not None:
            # Side by side: the lab as it is, then the same lab with N more workstations.
            more = lab.with_workstations(args.inventory, args.workstations)
            base = bench(args.inventory, args.runs, cold=True, with_floor=False)
            results = bench(more, args.runs, cold=True, with_floor=False)
            take_down(more)
            counts = (workstation_count(args.inventory), workstation_count(more))
            text = report_workstations(base, results, counts)
        elif args.online:
            if not lab.load_lab(args.inventory).egress_cut:
                raise RegbankError(f"--online: {args.inventory} is online already")
            online = lab.online_copy(args.inventory)
            base = bench(args.inventory, args.runs, cold=True, with_floor=False)
            results = bench(online, args.runs, cold=True, with_floor=False)
            take_down(online)
            text = report_online(base, results, len(lab.load_lab(args.inventory).hosts))
        else:
            results = bench(args.inventory, args.runs, cold=not args.skip_cold)
            text = report(results, len(lab.load_lab(args.inventory).hosts))
        if args.no_doc:
            print(text)
        else:
            if args.online:
                write_doc(text, "-online", OFFLINE_DOC)
            else:
                write_doc(text, f"-ws{args.workstations}" if args.workstations else "")
    except RegbankError as error:
        print(f"bench-deploy: {error}", file=sys.stderr)
        return 1
    print("\nthe ten slowest tasks of the no-change run (the median one):")
    for name, seconds in median_run(results["nochange"]).tasks[:10]:
        print(f"  {seconds:6.1f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
