"""Audit events cannot be changed: not by the ORM, not by the owner, not by the app's role."""

import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def _event():
    return AuditEvent.objects.create(site="regional", action=Action.LOGIN, username="x")


def test_orm_refuses_update_and_delete():
    event = _event()
    event.username = "y"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(username="y")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_trigger_refuses_update_and_delete_even_by_the_owner():
    event = _event()
    for sql in (
        "UPDATE audit_auditevent SET username = 'y' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.id])
    assert AuditEvent.objects.get(id=event.id).username == "x"


def _app_role_connection():
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=settings.REGBANK_DB_APP_ROLE,
        host=db["HOST"],
        port=db["PORT"] or None,
        autocommit=False,
    )


def test_app_role_may_insert_and_read_but_not_update_delete_or_truncate():
    assert settings.REGBANK_DB_APP_ROLE == "regbank_app"
    row_id = uuid.uuid4()
    insert = (
        "INSERT INTO audit_auditevent (id, time, site, action, username, user_name, role, "
        "agency_type, object_type, object_repr, changes, details) VALUES "
        "(%s, %s, 'regional', 'login', 'app', '', '', '', '', '', '{}', '{}')"
    )
    with _app_role_connection() as conn:
        with conn.cursor() as cur:
            cur.execute(insert, [row_id, timezone.now()])
            cur.execute("SELECT count(*) FROM audit_auditevent WHERE id = %s", [row_id])
            assert cur.fetchone()[0] == 1
        conn.rollback()
        for sql in (
            "UPDATE audit_auditevent SET username = 'changed'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
        ):
            with conn.cursor() as cur, pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(sql)
            conn.rollback()


def test_grant_app_role_command_keeps_audit_restricted(capsys):
    from django.core.management import call_command

    call_command("grant_app_role")
    assert "SELECT, INSERT" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'audit_auditevent' ORDER BY 1",
            [settings.REGBANK_DB_APP_ROLE],
        )
        assert [r[0] for r in cursor.fetchall()] == ["INSERT", "SELECT"]
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'registry_family' ORDER BY 1",
            [settings.REGBANK_DB_APP_ROLE],
        )
        assert [r[0] for r in cursor.fetchall()] == ["DELETE", "INSERT", "SELECT", "UPDATE"]


def test_audit_table_is_indexed_for_analytics_and_keyed_for_partitioning():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent'")
        defs = " ".join(r[0] for r in cursor.fetchall())
    assert '(mo_id, "time")' in defs
    assert '(action, "time")' in defs
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'audit_auditevent'::regclass "
            "AND i.indisprimary"
        )
        assert {r[0] for r in cursor.fetchall()} == {"id", "time"}
