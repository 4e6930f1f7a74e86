"""Which tables replicate which way (docs/architecture.md, replication rules).

* down (regional → every municipal server): directories, user accounts, the
  completeness thresholds and the regional officer's inspection visits;
* up (each municipal server → regional): its card files, ИПР, commission, raids,
  reconciliations and audit events;
* everything else (migrations, sessions, content types, lockout attempts) stays local.

The deploy role builds its publications from `manage.py replication_tables`; the tests
check the rules these sets rely on.
"""

from __future__ import annotations

from django.apps import apps

DOWN_APPS = ("directory", "accounts", "quality", "inspections")
UP_APPS = ("registry", "prevention", "commission", "raids", "reconciliation", "audit")


def models_of(app_labels):
    for label in app_labels:
        yield from apps.get_app_config(label).get_models(include_auto_created=True)


def tables(direction: str) -> list[str]:
    labels = {"down": DOWN_APPS, "up": UP_APPS}[direction]
    return sorted(m._meta.db_table for m in models_of(labels))


def publication_sql(name: str, direction: str) -> str:
    """CREATE PUBLICATION for one direction: inserts, updates, deletes — never TRUNCATE,
    which would empty the subscriber's table; partitioned tables via their root."""
    listed = ", ".join(tables(direction))
    return (
        f"CREATE PUBLICATION {name} FOR TABLE {listed} "
        "WITH (publish = 'insert, update, delete', publish_via_partition_root = true)"
    )
