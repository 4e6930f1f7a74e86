"""Replication health: the servers' answers to STATUS_SQL turned into rows and problems
(`regbank replication status`), and the attest check that reads the same answer.

The answers are jsonb as PostgreSQL 15 prints it (keys by length, then by name); the
lab test runs the command against the lab's real mixed region.
"""

import shlex
from pathlib import Path

import pytest

from regbank.cli import main
from regbank.replication_status import build_rows, parse_results, problems, table
from security_profiles.checks import REGISTRY, HostContext
from security_profiles.checks.reader import READ_ONLY_PG, Output, Reader
from security_profiles.checks.replication import STATUS_SQL, parse_status

# region-srv: subscribes to mo3-srv (up) and keeps mo3-srv's down slot.
REGIONAL = (
    '{"slots": [{"name": "regbank_down_mo_3", "active": true, "lag_bytes": 0, '
    '"wal_status": "reserved", "lag_seconds": 0.000412, "safe_wal_size": 1073741824, '
    '"retained_bytes": 56}], "subscriptions": [{"name": "regbank_up_mo3_srv", "slot": '
    '"regbank_up_mo3_srv", "worker": true, "enabled": true, "sync_errors": 0, '
    '"apply_errors": 0}]}'
)
# mo3-srv: subscribes down, keeps the regional server's up slot.
MUNICIPAL = (
    '{"slots": [{"name": "regbank_up_mo3_srv", "active": true, "lag_bytes": 0, '
    '"wal_status": "reserved", "lag_seconds": 0, "safe_wal_size": null, '
    '"retained_bytes": 1840}], "subscriptions": [{"name": "regbank_down_mo_3", "slot": '
    '"regbank_down_mo_3", "worker": true, "enabled": true, "sync_errors": 0, '
    '"apply_errors": 0}]}'
)
# mo3-srv after a long cut: subscription disabled, slot lost on the regional server.
REGIONAL_LOST = REGIONAL.replace('"reserved"', '"lost"').replace(
    '"lag_bytes": 0', '"lag_bytes": 402653184'
)
MUNICIPAL_BROKEN = MUNICIPAL.replace('"enabled": true', '"enabled": false').replace(
    '"apply_errors": 0', '"apply_errors": 3'
)


def states(regional=REGIONAL, municipal=MUNICIPAL):
    return {"region-srv": parse_status(regional), "mo3-srv": parse_status(municipal)}


def test_a_healthy_pair_is_one_row_without_problems():
    rows = build_rows("region-srv", {"mo3-srv": "MO-3"}, states())
    assert [(r.mo, r.host) for r in rows] == [("MO-3", "mo3-srv")]
    assert rows[0].down.subscriber == "mo3-srv" and rows[0].down.publisher == "region-srv"
    assert rows[0].up.slot["retained_bytes"] == 1840
    assert problems(rows) == []
    lines = table(rows)
    assert lines[0].startswith("МО  ")
    assert "работает" in lines[1] and "вниз" in lines[1] and "1.0 ГБ" in lines[1]
    assert "вверх" in lines[2] and "1.8 КБ" in lines[2] and "0/0" in lines[2]


def test_a_lost_slot_a_disabled_subscription_and_errors_are_each_one_line():
    rows = build_rows("region-srv", {"mo3-srv": "MO-3"}, states(REGIONAL_LOST, MUNICIPAL_BROKEN))
    assert problems(rows) == [
        "MO-3 mo3-srv вниз: подписка regbank_down_mo_3 выключена",
        "MO-3 mo3-srv вниз: подписка regbank_down_mo_3: ошибок применения 3",
        "MO-3 mo3-srv вниз: слот regbank_down_mo_3: wal_status lost на region-srv",
        "MO-3 mo3-srv вниз: слот regbank_down_mo_3: отставание 402653184 байт > 268435456 "
        "на region-srv",
    ]
    assert "выключена" in table(rows)[1] and "lost" in table(rows)[1]


def test_lag_over_the_threshold_is_a_problem():
    slow = REGIONAL.replace('"lag_seconds": 0.000412', '"lag_seconds": 412.5')
    rows = build_rows("region-srv", {"mo3-srv": "MO-3"}, states(slow))
    assert problems(rows) == [
        "MO-3 mo3-srv вниз: слот regbank_down_mo_3: отставание 412 с > 300 на region-srv"
    ]
    assert problems(rows, max_lag_seconds=600) == []


def test_a_missing_subscription_and_slot_are_named():
    bare = '{"slots": [], "subscriptions": []}'
    rows = build_rows("region-srv", {"mo3-srv": "MO-3"}, states(municipal=bare))
    assert problems(rows) == [
        "MO-3 mo3-srv вниз: подписки regbank_down_mo_3 нет",
        "MO-3 mo3-srv вверх: слота regbank_up_mo3_srv нет на mo3-srv",
    ]
    assert "нет подписки" in table(rows)[1] and "нет слота" in table(rows)[2]


def test_a_running_subscription_without_its_worker_is_a_problem():
    stopped = MUNICIPAL.replace('"worker": true', '"worker": false')
    rows = build_rows("region-srv", {"mo3-srv": "MO-3"}, states(municipal=stopped))
    assert problems(rows) == [
        "MO-3 mo3-srv вниз: у подписки regbank_down_mo_3 нет процесса применения"
    ]


def test_ansible_results_give_states_and_one_line_per_failed_host():
    results = {
        "region-srv": {"changed": False, "query_result": [{"status": parse_status(REGIONAL)}]},
        "mo3-srv": {
            "failed": True,
            "msg": "Module result deserialization failed: No start of json char found",
            "module_stderr": "sudo: unknown user postgres\nsudo: error initializing audit "
            "plugin sudoers_audit\n",
        },
        "mo7-srv": {
            "unreachable": True,
            "msg": "Failed to connect to the host via ssh: "
            "ssh: connect to host 10.20.7.10 port 22: No route to host",
        },  # fmt: skip
    }
    found, errors = parse_results(results)
    assert list(found) == ["region-srv"]
    assert found["region-srv"]["slots"][0]["name"] == "regbank_down_mo_3"
    assert errors["mo3-srv"].startswith("sudo: unknown user postgres sudo:")
    assert "No route to host" in errors["mo7-srv"]
    # A server that did not answer has no row: its problem is that line.
    assert build_rows("region-srv", {"mo3-srv": "MO-3"}, found) == []


@pytest.fixture
def centralized(tmp_path: Path) -> Path:
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "group_vars" / "all" / "main.yml").write_text(
        "regbank_topology: centralized\n", encoding="utf-8"
    )
    (tmp_path / "hosts.yml").write_text(
        "all:\n  children:\n    regional:\n      hosts:\n"
        "        region-srv: {ansible_host: 192.0.2.10}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_region_without_municipal_servers_says_so_in_one_line(centralized, capsys):
    assert main(["replication", "status", "-i", str(centralized / "hosts.yml")]) == 0
    assert capsys.readouterr().out == (
        f"{centralized / 'hosts.yml'}: муниципальных серверов нет, реплицировать нечего\n"
    )


def test_a_missing_inventory_is_refused(tmp_path, capsys):
    assert main(["replication", "status", "-i", str(tmp_path / "nowhere")]) == 2
    assert "inventory not found" in capsys.readouterr().err


def check_reader(answer: str) -> Reader:
    """A host whose PostgreSQL answers STATUS_SQL with ``answer`` (as psql prints jsonb)."""
    psql = shlex.join(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "env",
            f"PGOPTIONS={READ_ONLY_PG}",
            "psql",
            "-XAtq",
            "-d",
            "postgres",
            "-F",
            "\t",
            "-c",
            STATUS_SQL,
        ]
    )
    answers = {
        psql: answer + "\n",
        "dpkg-query -W -f '${db:Status-Status}' postgresql-15": "installed",
    }

    def execute(command: str) -> Output:
        found = answers.get(command)
        return Output(127, "", "not found") if found is None else Output(0, found, "")

    return Reader(execute)


REPLICATION = REGISTRY["replication_healthy"]
MO3 = HostContext("mo3-srv", ("municipal",), {"mo": "MO-3", "regbank_topology": "mixed"})
REGION = HostContext("region-srv", ("regional",), {"regbank_topology": "mixed"})


def test_the_check_passes_on_healthy_servers():
    for context, answer in ((MO3, MUNICIPAL), (REGION, REGIONAL)):
        result = REPLICATION.run(check_reader(answer), context)
        assert result.passed, result.observed
        assert result.observed.endswith("нарушений нет")


def test_the_check_fails_on_a_lost_slot_and_on_a_missing_subscription():
    lost = REPLICATION.run(check_reader(REGIONAL_LOST), REGION)
    assert not lost.passed and "слот regbank_down_mo_3: wal_status lost" in lost.observed
    bare = REPLICATION.run(check_reader('{"slots": [], "subscriptions": []}'), MO3)
    assert not bare.passed and "подписки regbank_down_mo_3 нет" in bare.observed
    regional = REPLICATION.run(check_reader('{"slots": [], "subscriptions": []}'), REGION)
    assert not regional.passed and "подписок regbank_up_* нет" in regional.observed


def test_the_check_does_not_apply_in_a_centralized_region():
    context = HostContext("region-srv", ("regional",), {"regbank_topology": "centralized"})
    result = REPLICATION.run(check_reader(""), context)
    assert result.passed
    assert result.observed == "не применяется: в регионе нет муниципальных серверов"
    assert REPLICATION.measures == ("ОДТ.3",)
