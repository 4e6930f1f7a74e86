# ruff: noqa: S608 - SQL from our own table names and fixed fragments; values are parameters
"""Monthly rollup of audit events: what makes the analytics fast on millions of events.

`analytics_monthly` holds, per calendar month (in the site's time zone), МО of the user,
agency, agency type, user and action, the number of audit events. It is kept exact by
triggers on `audit_auditevent`, in the same transaction as each insert:

* a statement-level trigger with a transition table adds up the rows of every local
  INSERT or COPY at once (one GROUP BY per statement, not one upsert per row);
* a row-level trigger enabled only as REPLICA does the same for events that arrive by
  logical replication: the apply worker runs with `session_replication_role = replica`
  and fires row triggers only (PostgreSQL docs, "Logical Replication — Architecture").

Each event is therefore counted exactly once, whichever way it arrives. Events without
an МО (regional users, failed logins of unknown names) are left out: the analytics are
per МО. The trigger functions are SECURITY DEFINER (the migration owner's): the
application's role needs no write privilege on the rollup, and the audit table keeps
its append-only protection untouched.

The rollup is local to each server (a derived table: it never replicates; the regional
server builds its own from all events). `manage.py analytics_rollup rebuild` recomputes
it from the events (after a change of REGBANK_TIME_ZONE, or a restore);
`analytics_rollup check` compares it with the events month by month.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings

TABLE = "analytics_monthly"
STATE = "analytics_state"
AUDIT = "audit_auditevent"

CREATE_TABLES = f"""
CREATE TABLE {TABLE} (
    month date NOT NULL,
    mo_id uuid NOT NULL,
    agency_id uuid,
    agency_type varchar(20) NOT NULL,
    user_id uuid,
    action varchar(20) NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT analytics_monthly_key
        UNIQUE NULLS NOT DISTINCT (month, mo_id, agency_id, agency_type, user_id, action)
);
CREATE INDEX analytics_monthly_mo ON {TABLE} (mo_id, month);
CREATE INDEX analytics_monthly_user ON {TABLE} (user_id, month);
COMMENT ON TABLE {TABLE} IS
    'Audit events per month, МО, agency, user and action; kept by triggers (analytics app)';
CREATE TABLE {STATE} (
    id int PRIMARY KEY CHECK (id = 1),
    time_zone text NOT NULL,
    rebuilt_at timestamptz NOT NULL DEFAULT now()
);
"""

DROP_TABLES = f"DROP TABLE IF EXISTS {TABLE}; DROP TABLE IF EXISTS {STATE};"

DROP_TRIGGERS = f"""
DROP TRIGGER IF EXISTS analytics_rollup ON {AUDIT};
DROP TRIGGER IF EXISTS analytics_rollup_replica ON {AUDIT};
DROP FUNCTION IF EXISTS analytics_rollup_statement();
DROP FUNCTION IF EXISTS analytics_rollup_row();
"""


def _zone(name: str) -> str:
    zoneinfo.ZoneInfo(name)  # refuse a name PostgreSQL would not know either
    if "'" in name:
        raise ValueError(f"bad time zone name {name!r}")
    return name


def month_expr(column: str, tz: str) -> str:
    return f"date_trunc('month', {column} AT TIME ZONE '{_zone(tz)}')::date"


def create_triggers_sql(tz: str) -> str:
    month = month_expr("time", tz)
    new_month = month_expr("NEW.time", tz)
    return f"""
CREATE OR REPLACE FUNCTION analytics_rollup_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO {TABLE} AS m (month, mo_id, agency_id, agency_type, user_id, action, n)
    SELECT {month}, mo_id, agency_id, agency_type, user_id, action, count(*)
    FROM new_events WHERE mo_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (month, mo_id, agency_id, agency_type, user_id, action)
    DO UPDATE SET n = m.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION analytics_rollup_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO {TABLE} AS m (month, mo_id, agency_id, agency_type, user_id, action, n)
    VALUES ({new_month}, NEW.mo_id, NEW.agency_id, NEW.agency_type, NEW.user_id, NEW.action, 1)
    ON CONFLICT (month, mo_id, agency_id, agency_type, user_id, action)
    DO UPDATE SET n = m.n + 1;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS analytics_rollup ON {AUDIT};
CREATE TRIGGER analytics_rollup AFTER INSERT ON {AUDIT}
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_rollup_statement();
DROP TRIGGER IF EXISTS analytics_rollup_replica ON {AUDIT};
CREATE TRIGGER analytics_rollup_replica AFTER INSERT ON {AUDIT}
    FOR EACH ROW WHEN (NEW.mo_id IS NOT NULL) EXECUTE FUNCTION analytics_rollup_row();
ALTER TABLE {AUDIT} ENABLE REPLICA TRIGGER analytics_rollup_replica;
"""


def fill_sql(tz: str) -> str:
    return f"""
INSERT INTO {TABLE} (month, mo_id, agency_id, agency_type, user_id, action, n)
SELECT {month_expr("time", tz)}, mo_id, agency_id, agency_type, user_id, action, count(*)
FROM {AUDIT} WHERE mo_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""


def rebuild(connection, tz: str | None = None) -> int:
    """Recompute the rollup from the events, with the triggers for `tz` (default: the
    setting TIME_ZONE). Blocks inserts of audit events meanwhile (SHARE lock); run inside
    a transaction. Returns the number of rollup rows."""
    tz = _zone(tz or settings.TIME_ZONE)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {AUDIT} IN SHARE MODE")
        cursor.execute(create_triggers_sql(tz))
        cursor.execute(f"TRUNCATE {TABLE}")
        cursor.execute(fill_sql(tz))
        cursor.execute(
            f"INSERT INTO {STATE} (id, time_zone, rebuilt_at) VALUES (1, %s, now()) "
            "ON CONFLICT (id) DO UPDATE SET time_zone = EXCLUDED.time_zone, rebuilt_at = now()",
            [tz],
        )
        cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def time_zone(connection) -> str | None:
    """The zone the rollup's months are cut in (None: no rollup yet)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT time_zone FROM {STATE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def usable(connection) -> bool:
    """The rollup answers only if its months are those of this site's time zone."""
    return time_zone(connection) == settings.TIME_ZONE


def differences(connection) -> list[tuple]:
    """Months where the rollup and the events disagree: (month, in rollup, in events)."""
    tz = time_zone(connection) or settings.TIME_ZONE
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH r AS (SELECT month, sum(n) AS n FROM {TABLE} GROUP BY month),
                 e AS (SELECT {month_expr("time", tz)} AS month, count(*) AS n
                       FROM {AUDIT} WHERE mo_id IS NOT NULL GROUP BY 1)
            SELECT coalesce(r.month, e.month), coalesce(r.n, 0), coalesce(e.n, 0)
            FROM r FULL JOIN e ON r.month = e.month
            WHERE coalesce(r.n, 0) <> coalesce(e.n, 0)
            ORDER BY 1
            """
        )
        return cursor.fetchall()
