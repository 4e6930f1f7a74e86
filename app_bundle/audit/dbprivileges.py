"""Database-level protection of audit events.

* A trigger refuses UPDATE and DELETE on audit events for everyone, the table's owner
  included (logical replication applies rows with triggers off, and only inserts).
* The application's run-time role (setting REGBANK_DB_APP_ROLE) may only SELECT and
  INSERT them: UPDATE, DELETE and TRUNCATE are revoked.

Old events are removed only by the database owner detaching monthly partitions (DDL),
never by the application.
"""

from __future__ import annotations

AUDIT_TABLE = "audit_auditevent"

CREATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_event_append_only ON {AUDIT_TABLE};
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON {AUDIT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP_TRIGGER = f"""
DROP TRIGGER IF EXISTS audit_event_append_only ON {AUDIT_TABLE};
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


class MissingRole(RuntimeError):
    pass


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def restrict_audit(connection, role: str) -> None:
    """Allow `role` only SELECT and INSERT on audit events."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not role_exists(cursor, role):
            raise MissingRole(
                f"REGBANK_DB_APP_ROLE names the database role {role!r}, which does not exist; "
                "create it first (the deploy role does) or leave the setting empty"
            )
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {quote(role)}")
        cursor.execute(f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {quote(role)}")


def grant_app_role(connection, role: str) -> None:
    """Run-time privileges of the application's role on every table of the schema, then the
    audit restriction. Safe to repeat; run after every migration."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not role_exists(cursor, role):
            raise MissingRole(f"database role {role!r} does not exist")
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {quote(role)}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} "
            f"TO {quote(role)}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quote(role)}")
    restrict_audit(connection, role)
