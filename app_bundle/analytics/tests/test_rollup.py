# ruff: noqa: S608 - SQL from our own table names and fixed fragments; values are parameters
"""The monthly rollup stays exact: local inserts, bulk inserts, replicated rows, rebuilds."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings

from accounts.models import Role
from analytics import queries, rollup
from audit.models import Action, AuditEvent
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def _event(mo_code, when, action=Action.VIEW, agency_type="kdn", user=None):
    mo = factories.mo(mo_code) if mo_code else None
    return AuditEvent(
        site="regional",
        action=action,
        mo=mo,
        agency_type=agency_type,
        user=user,
        time=when,
    )


def _rollup_total(month=None):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(sum(n), 0) FROM {rollup.TABLE}"
            + (" WHERE month = %s" if month else ""),
            [month] if month else [],
        )
        return cursor.fetchone()[0]


def test_every_insert_is_counted_once_in_its_local_month():
    before = _rollup_total()
    # 31 January 22:30 UTC is already 1 February in Moscow
    late = datetime.datetime(2024, 1, 31, 22, 30, tzinfo=datetime.UTC)
    AuditEvent.objects.create(
        **{
            f: getattr(_event("MO-1", late), f)
            for f in ("site", "action", "mo", "agency_type", "time")
        }
    )
    AuditEvent.objects.bulk_create(
        [_event("MO-2", datetime.datetime(2024, 3, d, 10, tzinfo=MSK)) for d in range(1, 8)]
    )
    AuditEvent.objects.create(site="regional", action=Action.LOGIN_FAILED, username="x")  # no МО
    assert _rollup_total() == before + 8
    assert _rollup_total(datetime.date(2024, 2, 1)) >= 1
    assert rollup.differences(connection) == []


def test_whole_months_and_edges_give_the_same_answer_as_the_events():
    user = factories.user(Role.MUNICIPAL, "MO-1")
    events = []
    for day in (
        datetime.date(2023, 12, 31),
        datetime.date(2024, 1, 1),
        datetime.date(2024, 2, 15),
        datetime.date(2024, 2, 29),
        datetime.date(2024, 3, 1),
    ):
        for hour, action in ((9, Action.CREATE), (23, Action.VIEW)):
            when = datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=MSK)
            events.append(_event("MO-1", when, action, user=user))
    AuditEvent.objects.bulk_create(events)
    flt = queries.EventFilter(user_ids=(user.pk,))
    for start, end in [
        (datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)),  # whole months only
        (datetime.date(2023, 12, 31), datetime.date(2024, 3, 1)),  # a day on each side
        (datetime.date(2024, 2, 15), datetime.date(2024, 2, 15)),  # one day
        (datetime.date(2024, 2, 16), datetime.date(2024, 2, 28)),  # nothing
    ]:
        by = ("mo", "year", "entry")
        fast = queries.count_events(flt, start, end, by)
        assert fast == queries.count_events(flt, start, end, by, use_rollup=False), (start, end)
    total = queries.count_events(flt, datetime.date(2023, 12, 31), datetime.date(2024, 3, 1), ())
    assert total == {(): 10}


def test_month_pieces():
    d = datetime.date
    assert queries.month_pieces(d(2024, 1, 1), d(2024, 2, 29)) == [
        (d(2024, 1, 1), d(2024, 2, 1), True),
        (d(2024, 2, 1), d(2024, 3, 1), True),
    ]
    assert queries.month_pieces(d(2023, 12, 20), d(2024, 1, 10)) == [
        (d(2023, 12, 20), d(2024, 1, 1), False),
        (d(2024, 1, 1), d(2024, 1, 11), False),
    ]
    assert queries.month_pieces(d(2024, 2, 2), d(2024, 2, 27)) == [
        (d(2024, 2, 2), d(2024, 2, 28), False)
    ]


def test_replicated_rows_are_counted_by_the_replica_trigger(pg_cluster):
    """The apply worker of logical replication runs as `replica` and fires row triggers only."""
    if pg_cluster is None:
        pytest.skip("needs the test session's own cluster (to allow session_replication_role)")
    pg_cluster.psql("GRANT SET ON PARAMETER session_replication_role TO regbank")
    mo = factories.mo("MO-3")
    before = _rollup_total()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for _ in range(3):
            cursor.execute(
                "INSERT INTO audit_auditevent (id, time, site, action, username, user_name, role, "
                "agency_type, object_type, object_repr, changes, details, mo_id) VALUES "
                "(%s, now(), 'MO-3', 'view', 'u', '', '', 'kdn', '', '', '{}', '{}', %s)",
                [uuid.uuid4(), mo.pk],
            )
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert _rollup_total() == before + 3
    assert rollup.differences(connection) == []


def test_rebuild_and_a_changed_time_zone():
    AuditEvent.objects.bulk_create(
        [_event("MO-4", datetime.datetime(2022, 6, 30, 23, 30, tzinfo=MSK)) for _ in range(4)]
    )
    before = _rollup_total()
    assert rollup.rebuild(connection) > 0
    assert _rollup_total() == before and rollup.differences(connection) == []
    start, end = datetime.date(2022, 6, 1), datetime.date(2022, 6, 30)
    expected = queries.count_events(queries.EventFilter(), start, end, ("mo",), use_rollup=False)
    with override_settings(TIME_ZONE="Asia/Vladivostok"):
        assert not rollup.usable(connection)  # months cut in Moscow time: not used
        in_vladivostok = queries.count_events(queries.EventFilter(), start, end, ("mo",))
        assert in_vladivostok != expected  # 23:30 in Moscow is already July there
        rollup.rebuild(connection)
        assert rollup.usable(connection) and rollup.differences(connection) == []
        assert queries.count_events(queries.EventFilter(), start, end, ("mo",)) == in_vladivostok


def test_audit_events_stay_append_only_with_the_rollup_triggers():
    event = AuditEvent.objects.create(site="regional", action=Action.VIEW, mo=factories.mo("MO-1"))
    from django.db import DatabaseError, transaction

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.id])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
            "AND NOT tgisinternal ORDER BY 1"
        )
        triggers = dict(cursor.fetchall())
    assert triggers == {
        "analytics_rollup": "O",  # local inserts
        "analytics_rollup_replica": "R",  # inserts applied by logical replication
        "audit_event_append_only": "O",
    }


def test_management_command_check_and_rebuild(capsys):
    from django.core.management import call_command

    call_command("analytics_rollup", "check")
    assert "agrees" in capsys.readouterr().out
    call_command("analytics_rollup", "rebuild")
    assert "rebuilt" in capsys.readouterr().out
