"""Load the sample region's directories (МО, agencies, categories, grounds).

Idempotent (directory/sample_loader.py). Runs only at the regional server, where
directories are mastered.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.sample_loader import load
from regbank_app import site


class Command(BaseCommand):
    help = "Загрузить справочники образцового региона (10 МО, субъекты профилактики, основания)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--own-server",
            action="append",
            default=[],
            metavar="MO",
            help="МО code that has its own municipal server (repeatable), e.g. MO-3",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not site.masters_reference_data():
            raise CommandError("directories are loaded at the regional server only")
        try:
            counts = load(own_server=set(options["own_server"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            "loaded: {mo} МО, {agencies} agencies, {categories} categories, "
            "{grounds} grounds".format(**counts)
        )
