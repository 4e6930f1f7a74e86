# ruff: noqa: S608 - SQL from the test's own table names and values, run through psql
"""The lab's mixed region: mo3-srv is МО-3's municipal server, with its own database
and application, and PostgreSQL's logical replication flows both ways with region-srv
(issue 13). Then the link is cut and healed: МО-3 keeps working at mo3-srv while cut,
and afterwards every replicated table is the same on both sides.

Rows are read straight from each server's database through `docker exec` (psql as
postgres): the test looks at what replication left, as an engineer would with psql.
Users act through the web application over HTTPS, as they do.
"""

from __future__ import annotations

import functools
import re
import secrets
import time

import docker
import pytest
from conftest import INVENTORY, run
from test_https import https, post_login, site  # noqa: F401 - the regional site's name and CA

from regbank import lab
from regbank.inventory import load_inventory
from security_profiles.checks.replication import down_subscription, up_subscription

pytestmark = pytest.mark.full_site

HOSTS = {host.name: host for host in lab.load_lab(INVENTORY).hosts}
# Where the servers reach each other: their tunnel addresses (docs/vpn.md).
SITE_ADDRESS = {
    name: host.vars.get("vpn_address") or host.vars["ansible_host"]
    for name, host in load_inventory(INVENTORY).hosts.items()
}
REGIONAL, MUNICIPAL = "region-srv", "mo3-srv"
MO = "MO-3"
CATCH_UP_SECONDS = 180


def exec_on(host: str, *argv: str) -> tuple[int, str]:
    """A command on a lab host as root: its exit code and output."""
    container = docker.from_env().containers.get(HOSTS[host].container)
    code, output = container.exec_run(list(argv), demux=False)
    return code, output.decode()


def on(host: str, *argv: str) -> str:
    """A command on a lab host as root; its output (the test fails on a non-zero exit)."""
    code, text = exec_on(host, *argv)
    assert code == 0, f"{host}: {' '.join(argv)} exited {code}:\n{text[-3000:]}"
    return text


def sql(host: str, query: str) -> str:
    return on(
        host, "runuser", "-u", "postgres", "--",
        "psql", "-d", "regbank", "-AtXq", "-v", "ON_ERROR_STOP=1", "-c", query,
    ).strip()  # fmt: skip


def manage_shell(host: str, code: str) -> str:
    return on(host, "/usr/local/sbin/regbank-manage", "shell", "-c", code).strip()


def mo_id() -> str:
    return sql(REGIONAL, f"SELECT id FROM directory_municipality WHERE code = '{MO}'")


def has_column(table: str, column: str) -> bool:
    return (
        sql(
            REGIONAL,
            "SELECT count(*) FROM information_schema.columns "
            f"WHERE table_name = '{table}' AND column_name = '{column}'",
        )
        == "1"
    )


@functools.cache
def compared_rows() -> tuple[tuple[str, str], ...]:
    """Each replicated table and the rows of it both servers must hold alike: down tables
    in full; up tables as МО-3's rows (the regional server also holds the other МО's)."""
    manage = "/usr/local/sbin/regbank-manage"
    pairs = [
        (table, "true") for table in on(REGIONAL, manage, "replication_tables", "down").split()
    ]
    mo = mo_id()
    for table in on(REGIONAL, manage, "replication_tables", "up").split():
        # audit events say where they were written: МО-3 users' events at the regional
        # server stay there; the others carry their МО
        if has_column(table, "site"):
            pairs.append((table, f"site = '{MO}'"))
        else:
            assert has_column(table, "mo_id"), f"{table} flows up without an МО column"
            pairs.append((table, f"mo_id = '{mo}'"))
    return tuple(pairs)


def fingerprints(host: str) -> dict[str, str]:
    """Rows and a checksum of the compared rows of every replicated table, in one query."""
    selects = [
        f"SELECT '{table}', count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' "
        f"ORDER BY t::text)), '-') FROM {table} t WHERE {where}"
        for table, where in compared_rows()
    ]
    lines = sql(host, " UNION ALL ".join(selects)).splitlines()
    return dict(line.split("|", 1) for line in lines)


def differences() -> dict[str, tuple[str, str]]:
    """Every replicated table whose compared rows differ between the two servers."""
    regional, municipal = fingerprints(REGIONAL), fingerprints(MUNICIPAL)
    return {t: (regional[t], municipal[t]) for t in regional if regional[t] != municipal[t]}


def wait_level(what: str) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while (found := differences()) and time.monotonic() < deadline:
        time.sleep(3)
    assert not found, f"{what}: tables differ after {CATCH_UP_SECONDS} s: {found}"


def apply_errors(host: str) -> str:
    return sql(
        host,
        "SELECT coalesce(sum(apply_error_count + sync_error_count), 0) "
        "FROM pg_stat_subscription_stats",
    )


OFFICER = "lab-mo3-kdn"
MAKE_OFFICER = """
from accounts.models import Role, User
from directory.models import Agency, AgencyType, Municipality
mo = Municipality.objects.get(code={mo!r})
user = User.objects.filter(username={name!r}).first() or User(
    username={name!r}, last_name="Сверкина", first_name="Ольга", role=Role.MUNICIPAL, mo=mo,
    agency=Agency.objects.filter(mo=mo, type=AgencyType.KDN).order_by("name").first())
user.set_password({password!r})
user.must_change_password = False
user.is_active = True
user.save()
"""


@pytest.fixture(scope="module")
def region(site):  # noqa: F811
    """The deployed mixed region, its replication caught up after the first deploy."""
    wait_level("after the first deploy")
    return site


@pytest.fixture(scope="module")
def mo3_site(region) -> dict:
    """How a browser reaches МО-3's bank: mo3-srv's address under its own name
    (<мо>.<public name>, playbooks/group_vars/all/site.yml), the region's CA."""
    return {**region, "address": HOSTS[MUNICIPAL].address, "name": f"{MO.lower()}.{region['name']}"}


@pytest.fixture(scope="module")
def officer(region) -> str:
    """An МО-3 КДН officer with a known password, made where accounts are mastered (the
    regional server); its password. It reaches mo3-srv by replication."""
    password = f"Lab-{secrets.token_hex(8)}-Zz9"
    manage_shell(REGIONAL, MAKE_OFFICER.format(mo=MO, name=OFFICER, password=password))
    wait_level("the officer's account")
    return password


def session(site, username, password):  # noqa: F811
    pool = https(site)
    answer, jar = post_login(pool, site, username, password)
    assert answer.status == 302, f"{username} at {site['name']}: {answer.data.decode()[:1500]}"
    return pool, {"Cookie": jar, "Host": site["name"]}


def post_form(site, username, password, path: str, fields: dict) -> str:  # noqa: F811
    """The officer opens the form at path, fills it and saves it; where the site sends
    the browser after saving (the saved record's page)."""
    pool, headers = session(site, username, password)
    form = pool.request("GET", path, headers=headers)
    assert form.status == 200, f"{path}: {form.data.decode()[:1500]}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.data.decode())[1]
    answer = pool.request_encode_body(
        "POST", path, fields={"csrfmiddlewaretoken": token, **fields}, encode_multipart=False,
        redirect=False, headers={**headers, "Referer": f"https://{site['name']}{path}"},
    )  # fmt: skip
    assert answer.status == 302, f"{path}: {answer.data.decode()[:3000]}"
    return answer.headers["Location"]


def create_family(site, username, password, name) -> None:  # noqa: F811
    """The officer fills the new family card form at the site and saves it."""
    category = sql(MUNICIPAL, "SELECT id FROM directory_category WHERE code = 'F01'")
    ground = sql(MUNICIPAL, "SELECT id FROM directory_ground WHERE code = 'R01'")
    fields = {
        "family_name": name,
        "address_registration": "г. Образцов, ул. Лесная, д. 3",
        "address_actual": "г. Образцов, ул. Лесная, д. 3",
        "categories": category,
        "circumstances": "Записано на муниципальном сервере",
        "reg-registered_on": "2026-11-02",
        "reg-registration_ground": ground,
        "reg-registration_resolution": "№ 11/2 от 02.11.2026",
    }
    post_form(site, username, password, "/families/new/", fields)


def create_plan(site, username, password, family: str, mark: str) -> None:  # noqa: F811
    """The officer opens an ИПР plan from the family card (found by its name at mo3-srv),
    its goal naming mark, and adds a measure titled with mark for an МО-3 agency."""
    family_id = sql(MUNICIPAL, f"SELECT id FROM registry_family WHERE family_name = '{family}'")
    plan = post_form(
        site, username, password, f"/plans/new/?family={family_id}",
        {"start_date": "2026-11-03", "end_date": "2027-05-03", "goal": f"Цели плана {mark}",
         "approval": "№ 11/3 от 03.11.2026"},
    )  # fmt: skip
    plan_id = re.fullmatch(r"/plans/([0-9a-f-]{36})/", plan)
    assert plan_id, f"after saving the plan the site sent the browser to {plan}"
    agency = sql(
        MUNICIPAL,
        "SELECT a.id FROM directory_agency a JOIN directory_municipality m ON m.id = a.mo_id "
        f"WHERE m.code = '{MO}' AND a.type = 'social' ORDER BY a.name LIMIT 1",
    )
    post_form(
        site, username, password, f"/plans/{plan_id[1]}/measures/new/",
        {"title": f"Мероприятие {mark}", "agency": agency, "executor": "Иванова А. А., психолог",
         "due_date": "2026-12-15"},
    )  # fmt: skip


def create_meeting(site, username, password, number: str) -> None:  # noqa: F811
    """The officer plans a commission meeting with the given number."""
    post_form(
        site, username, password, "/meetings/new/",
        {"date": "2026-11-10", "number": number, "place": "г. Образцов, ул. Центральная, д. 1",
         "chair": "Петров П. П.", "secretary": "Сверкина О. А.", "status": "planned",
         "notes": "Записано на муниципальном сервере"},
    )  # fmt: skip


def test_replication_flows_both_ways_after_the_deploy(region):
    subscriptions = {REGIONAL: up_subscription(MUNICIPAL), MUNICIPAL: down_subscription(MO)}
    for host, name in subscriptions.items():
        running = sql(
            host,
            "SELECT s.subname FROM pg_subscription s JOIN pg_stat_subscription w "
            "ON w.subid = s.oid AND w.relid IS NULL WHERE s.subenabled AND w.pid IS NOT NULL",
        )
        assert running == name, f"{host}: running subscriptions {running!r}"
    # the directories came down: МО-3's server knows the region's МО and agencies
    assert sql(MUNICIPAL, "SELECT count(*) FROM directory_municipality") == "10"
    assert apply_errors(REGIONAL) == apply_errors(MUNICIPAL) == "0"


def test_replication_status_command_sees_both_directions_healthy(region):
    out = run("regbank", "replication", "status", "-i", str(INVENTORY)).stdout.splitlines()
    assert out[-1] == "репликация в порядке: муниципальных серверов 1", out
    assert sum("работает" in line and "reserved" in line for line in out) == 2, out


def test_municipal_server_serves_its_mo_under_its_own_name(mo3_site, officer):
    name = f"Лесные-{secrets.token_hex(3)}"
    create_family(mo3_site, OFFICER, officer, name)
    # the card reached the regional server, where МО-3's rows are read-only
    wait_level("the card filed at mo3-srv")
    assert (
        sql(REGIONAL, f"SELECT count(*) FROM registry_family WHERE family_name = '{name}'") == "1"
    )


def test_an_mo3_officer_at_the_regional_server_is_sent_to_mo3(region, mo3_site, officer):
    pool, headers = session(region, OFFICER, officer)
    location, page = "/families/", None
    for _ in range(3):
        page = pool.request("GET", location, headers=headers, redirect=False)
        if page.status != 302:
            break
        location = page.headers["Location"]
    text = page.data.decode()
    assert page.status == 200 and location.endswith("/accounts/municipal-server/"), location
    assert "Банк данных вашего МО ведётся на муниципальном сервере" in text
    assert f"https://{mo3_site['name']}" in text


PARTITION = """
table inet lab_partition {
  chain input { type filter hook input priority -50; policy accept; ip saddr PEER drop; }
  chain output { type filter hook output priority -50; policy accept; ip daddr PEER drop; }
}
"""


def cut(host: str, peer: str) -> None:
    rules = PARTITION.replace("PEER", HOSTS[peer].address)
    on(host, "sh", "-c", f"printf '%s' '{rules}' | nft -f -")


def heal(host: str) -> None:
    on(host, "sh", "-c", "nft list table inet lab_partition >/dev/null 2>&1 && "
       "nft delete table inet lab_partition || true")  # fmt: skip


def drop_replication_connections(host: str) -> None:
    """End the connections the cut left open on both ends (walsenders and apply workers):
    the drop alone would leave them waiting for a time-out."""
    sql(
        host,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE backend_type IN ('walsender', 'logical replication worker')",
    )


def offline_records(host: str, mark: str) -> tuple[int, int, int]:
    """How many ИПР plans, measures and commission meetings at host carry mark."""
    counts = sql(
        host,
        f"SELECT (SELECT count(*) FROM prevention_plan WHERE goal = 'Цели плана {mark}'), "
        f"(SELECT count(*) FROM prevention_measure WHERE title = 'Мероприятие {mark}'), "
        f"(SELECT count(*) FROM commission_meeting WHERE number = 'К-{mark}')",
    )
    return tuple(int(n) for n in counts.split("|"))


def test_partition_and_heal(mo3_site, officer):
    before = int(sql(REGIONAL, f"SELECT count(*) FROM audit_auditevent WHERE site = '{MO}'"))
    try:
        for host, peer in ((REGIONAL, MUNICIPAL), (MUNICIPAL, REGIONAL)):
            cut(host, peer)
        for host in (REGIONAL, MUNICIPAL):
            drop_replication_connections(host)
        # the link is down: mo3-srv cannot reach the regional server
        probe, _ = exec_on(
            MUNICIPAL,
            "timeout",
            "5",
            "bash",
            "-c",
            f"echo > /dev/tcp/{SITE_ADDRESS[REGIONAL]}/5432",
        )
        assert probe != 0, "the cut left the regional server reachable"
        # while cut: МО-3 works at its server, the region changes a directory entry and a user
        offline = [f"Отрезанные-{secrets.token_hex(3)}" for _ in range(3)]
        for name in offline[:2]:
            create_family(mo3_site, OFFICER, officer, name)
        on(MUNICIPAL, "systemctl", "restart", "postgresql")
        create_family(mo3_site, OFFICER, officer, offline[2])
        # an ИПР plan with a measure for one of the offline cards, and a commission meeting
        mark = f"офлайн-{secrets.token_hex(4)}"
        create_plan(mo3_site, OFFICER, officer, offline[0], mark)
        create_meeting(mo3_site, OFFICER, officer, f"К-{mark}")
        assert offline_records(MUNICIPAL, mark) == (1, 1, 1)
        assert offline_records(REGIONAL, mark) == (0, 0, 0)
        manage_shell(
            REGIONAL,
            "from directory.models import Agency\n"
            f"a = Agency.objects.filter(mo__code={MO!r}).order_by('name').first()\n"
            "a.short_name = 'Переименована без связи'\na.save()",
        )
        manage_shell(
            REGIONAL,
            "from accounts.models import User\n"
            f"User.objects.filter(username={OFFICER!r}).update(middle_name='Петровна')",
        )
        assert (
            sql(
                REGIONAL,
                "SELECT count(*) FROM registry_family WHERE family_name IN "
                "(" + ", ".join(f"'{n}'" for n in offline) + ")",
            )
            == "0"
        )
    finally:
        for host in (REGIONAL, MUNICIPAL):
            heal(host)
    wait_level("after the link returned")
    assert apply_errors(REGIONAL) == apply_errors(MUNICIPAL) == "0"
    assert (
        sql(MUNICIPAL, f"SELECT middle_name FROM accounts_user WHERE username = '{OFFICER}'")
        == "Петровна"
    )
    # the plan, its measure and the meeting arrived once each, the measure under the plan
    assert offline_records(REGIONAL, mark) == (1, 1, 1)
    assert (
        sql(
            REGIONAL,
            "SELECT count(*) FROM prevention_measure m JOIN prevention_plan p ON p.id = m.plan_id "
            "JOIN registry_family f ON f.id = p.family_id "
            f"WHERE m.title = 'Мероприятие {mark}' AND p.goal = 'Цели плана {mark}' "
            f"AND f.family_name = '{offline[0]}'",
        )
        == "1"
    )
    renamed = "SELECT count(*) FROM directory_agency WHERE short_name = 'Переименована без связи'"
    assert sql(MUNICIPAL, renamed) == "1"
    # the offline period's audit events are in the regional analytics' rollup
    after = int(sql(REGIONAL, f"SELECT count(*) FROM audit_auditevent WHERE site = '{MO}'"))
    assert after >= before + 3
    on(REGIONAL, "/usr/local/sbin/regbank-manage", "analytics_rollup", "check")


def slot_status(host: str, slot: str) -> str:
    return sql(host, f"SELECT wal_status FROM pg_replication_slots WHERE slot_name = '{slot}'")


FILL_WAL = (  # about 60 MB of WAL in a table nothing publishes, then a checkpoint
    "CREATE TABLE lab_wal_filler AS SELECT repeat('x', 200) AS pad FROM generate_series(1, 200000)",
    "DROP TABLE lab_wal_filler",
    "SELECT pg_switch_wal()",
    "CHECKPOINT",
)


def test_a_lost_slot_is_resynchronised_with_nothing_lost(mo3_site, officer):
    """An outage outlives the slot's bound (max_slot_wal_keep_size, from the planner):
    PostgreSQL gives the slot up, and playbooks/replication-resync.yml rebuilds the pair."""
    slot = up_subscription(MUNICIPAL)  # a slot is named after its subscription
    name = f"Потерянные-{secrets.token_hex(3)}"
    try:
        sql(MUNICIPAL, "ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'")
        sql(MUNICIPAL, "SELECT pg_reload_conf()")
        sql(REGIONAL, f"ALTER SUBSCRIPTION {slot} DISABLE")  # the regional end is away
        create_family(mo3_site, OFFICER, officer, name)
        for _ in range(6):
            if slot_status(MUNICIPAL, slot) == "lost":
                break
            for statement in FILL_WAL:
                sql(MUNICIPAL, statement)
        assert slot_status(MUNICIPAL, slot) == "lost"
        sql(REGIONAL, f"ALTER SUBSCRIPTION {slot} ENABLE")
        # the engineer sees it: the status command names the lost slot and fails
        status = run("regbank", "replication", "status", "-i", str(INVENTORY), check=False)
        assert status.returncode == 1 and "wal_status lost" in status.stdout, status.stdout
    finally:
        sql(MUNICIPAL, "ALTER SYSTEM RESET max_slot_wal_keep_size")
        sql(MUNICIPAL, "SELECT pg_reload_conf()")
    run(
        "ansible-playbook", "playbooks/replication-resync.yml",
        "-e", f"replication_resync_host={MUNICIPAL}",
    )  # fmt: skip
    wait_level("after the resynchronisation")
    assert slot_status(MUNICIPAL, slot) == "reserved"
    assert apply_errors(REGIONAL) == apply_errors(MUNICIPAL) == "0"
    assert (
        sql(REGIONAL, f"SELECT count(*) FROM registry_family WHERE family_name = '{name}'") == "1"
    )
    on(REGIONAL, "/usr/local/sbin/regbank-manage", "analytics_rollup", "check")
