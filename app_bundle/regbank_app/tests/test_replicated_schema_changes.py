"""Schema changes to replicated tables in an order logical replication survives
(docs/replication.md, "Обновление схемы").

Sites are upgraded one after another, so for a while a publisher and its subscriber run
different releases. PostgreSQL applies a row by column names: a column the publisher
sends and the subscriber lacks stops the subscription; a NOT NULL column the publisher
does not send yet fails the row at the subscriber. So, for a replicated table:

* an added column is nullable or has a database default (`db_default`), and
  playbooks/upgrade.yml migrates the subscribers first;
* a dropped, renamed or retyped column, a column made NOT NULL or a dropped or renamed
  table is a contract change: a migration of its own, marked
  `replication_contract = "up"` or `"down"` (the direction of its tables, one only),
  shipped in a later release than the one that stopped using it, and rolled out
  publishers first (`upgrade.yml -e upgrade_contract=<direction>`).

The SQL each migration would run is read from Django itself (what `sqlmigrate` prints).
"""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from regbank_app import replication

# Shipped before any region replicated (this wave brings the first municipal servers):
# every site of a region is migrated past them before its first subscription.
BEFORE_REPLICATION = {("accounts", "0002_password_history")}

TABLE = r'(?:ALTER|DROP) TABLE (?:IF EXISTS )?"(?P<table>[^"]+)"'
CONTRACT = re.compile(
    r"DROP COLUMN|RENAME COLUMN|RENAME TO|ALTER COLUMN \"[^\"]+\" (?:TYPE|SET NOT NULL)"
    r"|^DROP TABLE",
)
ADD_NOT_NULL = re.compile(r'ADD COLUMN "(?P<column>[^"]+)" (?P<definition>[^;]*)NOT NULL')


def statements_by_migration():
    """Each migration of a replicated app, with the SQL statements it runs."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    replicated = set(replication.UP_APPS + replication.DOWN_APPS)
    for migration, _backwards in plan:
        if migration.app_label not in replicated:
            continue
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            migration.apply(state, editor, collect_sql=True)
        yield migration, [s for s in editor.collected_sql if not s.startswith("--")]


def problems(migration, statements, up: set, down: set) -> list[str]:
    found, contract_directions = [], set()
    for statement in statements:
        table = re.match(TABLE, statement)
        if not table or table["table"] not in up | down:
            continue
        name = table["table"]
        direction = "up" if name in up else "down"
        added = ADD_NOT_NULL.search(statement)
        if added:
            column = added["column"]
            dropped_default = any(
                f'ALTER COLUMN "{column}" DROP DEFAULT' in later and f'"{name}"' in later
                for later in statements
            )
            if "DEFAULT" not in added["definition"] or dropped_default:
                found.append(
                    f"{name}.{column}: added NOT NULL without a database default "
                    "(make it null=True or give it db_default)"
                )
        elif CONTRACT.search(statement):
            contract_directions.add(direction)
            marked = getattr(migration, "replication_contract", None)
            if marked != direction:
                found.append(
                    f"{name} ({direction}): a contract change ({statement[:80]}…) needs "
                    f'replication_contract = "{direction}" on the migration'
                )
    if len(contract_directions) > 1:
        found.append("contract changes to up and down tables in one migration: split them")
    return found


@pytest.mark.django_db
def test_migrations_change_replicated_tables_in_an_order_replication_survives():
    up, down = set(replication.tables("up")), set(replication.tables("down"))
    checked, found = 0, []
    for migration, statements in statements_by_migration():
        if migration.initial or (migration.app_label, migration.name) in BEFORE_REPLICATION:
            continue  # the tables are new on every site at once
        checked += 1
        found += [f"{migration.app_label}.{migration.name}: {p}" for p in problems(
            migration, statements, up, down)]  # fmt: skip
    assert checked > 0
    assert not found, "\n".join(found)


class _Migration:
    """A stand-in for a migration object: only its marker is read."""

    def __init__(self, contract=None):
        self.replication_contract = contract


FAMILY, AGENCY = 'ALTER TABLE "registry_family"', 'ALTER TABLE "directory_agency"'


@pytest.mark.parametrize(
    ("statements", "marker", "expected"),
    [
        ([f'{FAMILY} ADD COLUMN "note" text NULL'], None, []),
        ([f'{FAMILY} ADD COLUMN "n" integer DEFAULT 0 NOT NULL'], None, []),
        (
            [
                f'{FAMILY} ADD COLUMN "n" integer DEFAULT 0 NOT NULL',
                f'{FAMILY} ALTER COLUMN "n" DROP DEFAULT',
            ],
            None,
            ["registry_family.n: added NOT NULL without a database default"],
        ),
        ([f'{FAMILY} DROP COLUMN "note" CASCADE'], None, ['replication_contract = "up"']),
        ([f'{FAMILY} DROP COLUMN "note" CASCADE'], "up", []),
        ([f'{AGENCY} ALTER COLUMN "name" TYPE text'], "up", ['replication_contract = "down"']),
        (
            [f'{FAMILY} DROP COLUMN "a"', f'{AGENCY} DROP COLUMN "b"'],
            "up",
            ['replication_contract = "down"', "split them"],
        ),
        (['ALTER TABLE "django_session" DROP COLUMN "x"'], None, []),
    ],
)
def test_the_rules_read_the_sql_django_writes(statements, marker, expected):
    found = problems(_Migration(marker), statements, {"registry_family"}, {"directory_agency"})
    assert len(found) == len(expected), found
    for problem, words in zip(found, expected, strict=True):
        assert words in problem
