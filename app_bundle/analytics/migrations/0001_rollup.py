"""The monthly rollup of audit events and the triggers that keep it (see analytics/rollup.py).

Adds triggers on audit events for INSERT only: the append-only trigger, the revoked
privileges and the table's key stay as the audit app made them.
"""

from django.db import migrations

from analytics import rollup


def build(apps, schema_editor):
    rollup.rebuild(schema_editor.connection)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(rollup.DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(rollup.CREATE_TABLES, rollup.DROP_TABLES),
        migrations.RunPython(build, drop, elidable=False),
    ]
