"""Check or rebuild the monthly rollup of audit events behind the analytics.

`check` compares the rollup with the events month by month (read-only; exit status 1 on
any difference). `rebuild` recomputes it, with months cut in the current TIME_ZONE
(needed after a change of REGBANK_TIME_ZONE or a restore of the events without the
rollup); it blocks new audit events while it runs (about a minute per 5 million).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from analytics import rollup


class Command(BaseCommand):
    help = "Проверить или пересчитать помесячные итоги журнала действий для аналитики"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            with transaction.atomic():
                rows = rollup.rebuild(connection)
            self.stdout.write(f"rollup rebuilt: {rows} rows, months in {settings.TIME_ZONE}")
            return
        zone = rollup.time_zone(connection)
        if zone != settings.TIME_ZONE:
            raise CommandError(
                f"the rollup's months are cut in {zone}, the site runs in {settings.TIME_ZONE}: "
                "run `manage.py analytics_rollup rebuild` (until then the views count the events)"
            )
        wrong = rollup.differences(connection)
        if wrong:
            for month, in_rollup, in_events in wrong:
                self.stdout.write(f"{month:%Y-%m}: rollup {in_rollup}, events {in_events}")
            raise CommandError(
                f"{len(wrong)} month(s) differ: run `manage.py analytics_rollup rebuild`"
            )
        self.stdout.write("rollup agrees with the audit events")
