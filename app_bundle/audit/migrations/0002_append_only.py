"""Audit events are append-only at the database level (see audit/dbprivileges.py).

The trigger is always created. The privilege restriction runs when the setting
REGBANK_DB_APP_ROLE names the application's database role.
"""

from django.conf import settings
from django.db import migrations

from audit import dbprivileges


def restrict_app_role(apps, schema_editor):
    role = getattr(settings, "REGBANK_DB_APP_ROLE", "")
    if role:
        dbprivileges.restrict_audit(schema_editor.connection, role)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(dbprivileges.CREATE_TRIGGER, dbprivileges.DROP_TRIGGER),
        migrations.RunPython(restrict_app_role, migrations.RunPython.noop, elidable=False),
    ]
