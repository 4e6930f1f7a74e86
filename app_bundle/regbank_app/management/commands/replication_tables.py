import json

from django.core.management.base import BaseCommand, CommandError

from regbank_app import replication


class Command(BaseCommand):
    help = (
        "Tables replicated down (regional → municipal) or up (municipal → regional), "
        "one per line; both as one JSON object with --json (the deploy role reads it, "
        "one start of the application instead of two); or the CREATE PUBLICATION "
        "statement with --sql NAME."
    )

    def add_arguments(self, parser):
        parser.add_argument("direction", nargs="?", choices=["up", "down"])
        parser.add_argument("--sql", metavar="PUBLICATION", help="print CREATE PUBLICATION")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help='both directions: {"down": [...], "up": [...]}',
        )

    def handle(self, *args, direction=None, sql=None, as_json=False, **options):
        if as_json:
            both = {way: replication.tables(way) for way in ("down", "up")}
            self.stdout.write(json.dumps(both))
        elif direction is None:
            raise CommandError("give a direction (up or down), or --json for both")
        elif sql:
            self.stdout.write(replication.publication_sql(sql, direction))
        else:
            self.stdout.write("\n".join(replication.tables(direction)))
