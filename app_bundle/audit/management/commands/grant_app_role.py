from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit import dbprivileges


class Command(BaseCommand):
    help = (
        "Grant the application's database role its run-time privileges (after every migrate); "
        "audit events stay SELECT/INSERT only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default=None, help="default: setting REGBANK_DB_APP_ROLE")

    def handle(self, *args, role=None, **options):
        role = role or settings.REGBANK_DB_APP_ROLE
        if not role:
            raise CommandError("no role: pass --role or set REGBANK_DB_APP_ROLE")
        try:
            dbprivileges.grant_app_role(connection, role)
        except dbprivileges.MissingRole as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"granted run-time privileges to {role}; audit events: SELECT, INSERT")
