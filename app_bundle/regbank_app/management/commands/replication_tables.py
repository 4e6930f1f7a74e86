from django.core.management.base import BaseCommand

from regbank_app import replication


class Command(BaseCommand):
    help = (
        "Tables replicated down (regional → municipal) or up (municipal → regional), "
        "one per line, or the CREATE PUBLICATION statement with --sql NAME."
    )

    def add_arguments(self, parser):
        parser.add_argument("direction", choices=["up", "down"])
        parser.add_argument("--sql", metavar="PUBLICATION", help="print CREATE PUBLICATION")

    def handle(self, *args, direction, sql=None, **options):
        if sql:
            self.stdout.write(replication.publication_sql(sql, direction))
        else:
            self.stdout.write("\n".join(replication.tables(direction)))
