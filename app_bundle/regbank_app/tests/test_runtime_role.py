"""The views' statements run as the application's run-time database role, not the owner.

The tests' own connection is the owner's (it migrates). Here every statement the views
run for every write of every travelling model and for every list, search and export is
captured, then run again on a connection of the run-time role (REGBANK_DB_APP_ROLE, with
`manage.py grant_app_role`, as deployed), each in a transaction rolled back. A table,
sequence or column the grants miss fails the test with the statement.
"""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from regbank_app.testing import factories

from .test_audited_writes import CASES, REGIONAL, World
from .test_scope_walk import _plain_routes

pytestmark = pytest.mark.django_db

DML = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@pytest.fixture(scope="module")
def granted(django_db_setup, django_db_blocker):
    """The deploy's grants, committed: the run-time role's own connection must see them."""
    with django_db_blocker.unblock():
        call_command("grant_app_role", verbosity=0)


class _Undo(Exception):
    pass


def _captured(run) -> list[str]:
    """The data statements `run()` makes, its changes undone afterwards."""
    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                run()
                raise _Undo
        except _Undo:
            pass
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(DML)]


def _replayed(statements: list[str]) -> tuple[list[tuple[str, str]], int]:
    """(statements the run-time role was refused, with the error; how many ran through)."""
    db = connection.settings_dict
    denied = []
    ran = 0
    with psycopg.connect(
        dbname=db["NAME"], user=settings.REGBANK_DB_APP_ROLE, host=db["HOST"],
        port=db["PORT"] or None,
        # a row the test's open transaction holds would wait for ever: give up at once
        options="-c lock_timeout=50ms -c statement_timeout=5s",
    ) as conn:  # fmt: skip
        for sql in dict.fromkeys(statements):
            try:
                with conn.transaction(force_rollback=True), conn.cursor() as cursor:
                    cursor.execute(sql)
                ran += 1
            except psycopg.errors.InsufficientPrivilege as exc:
                denied.append((sql[:300], str(exc).strip()))
            except psycopg.Error:
                pass  # the test's uncommitted rows are missing or locked there: no grant issue
    return denied, ran


def test_every_view_statement_is_allowed_to_the_runtime_role(client, granted):
    kdn = factories.user(Role.MUNICIPAL, "MO-1", username="kdn1", can_manage_users=True)
    regional = factories.user(Role.REGIONAL, None, username="reg1", can_manage_users=True)
    world = World(client, kdn, regional)
    statements = []
    for case in CASES:
        _label, (action, drive, *who) = case.values
        (world.as_regional if who == [REGIONAL] else world.as_kdn)()
        statements += _captured(lambda drive=drive: drive(world))
    factories.family("MO-1")
    routes = [
        r
        for r in _plain_routes()
        if not r.startswith(("/accounts/log", "/health"))
        and not r.endswith((".pdf", ".png"))  # the same queries as the HTML report, drawn
    ]
    for viewer in (kdn, regional):
        client.force_login(viewer)
        for route in routes:
            statements += _captured(lambda route=route: client.get(route))
    tables = {"registry_family", "prevention_measure", "audit_auditevent", "accounts_user"}
    assert all(any(t in s for s in statements) for t in tables)  # the walk reached them
    denied, ran = _replayed(statements)
    assert denied == []
    assert ran > len(set(statements)) // 2  # most statements really ran as the role


def test_the_replay_reports_a_statement_the_role_may_not_run(granted):
    """The check can fail: pg_authid (the roles' passwords) is closed to the run-time role."""
    [(sql, error)], ran = _replayed(["SELECT rolname FROM pg_authid"])
    assert ran == 0
    assert "pg_authid" in sql and "permission denied" in error
