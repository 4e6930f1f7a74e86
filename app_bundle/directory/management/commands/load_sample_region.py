"""Load the sample region's directories (МО, agencies, categories, grounds).

Idempotent: rows are keyed by deterministic UUIDs and updated in place. Runs only at the
regional server, where directories are mastered.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory import sample_region as sample
from directory.models import Agency, Category, Ground, Municipality
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
        counts = load(own_server=set(options["own_server"]))
        self.stdout.write(
            "loaded: {mo} МО, {agencies} agencies, {categories} categories, "
            "{grounds} grounds".format(**counts)
        )


def load(own_server: set[str] | frozenset = frozenset()) -> dict:
    codes = {mo["code"] for mo in sample.MUNICIPALITIES}
    unknown = set(own_server) - codes
    if unknown:
        raise CommandError(f"--own-server: unknown МО code(s) {sorted(unknown)}; known: MO-1…MO-10")
    counts = {"mo": 0, "agencies": 0, "categories": 0, "grounds": 0}
    for order, mo in enumerate(sample.MUNICIPALITIES, 1):
        municipality, _ = Municipality.objects.update_or_create(
            id=sample.row_id("mo", mo["code"]),
            defaults={
                "code": mo["code"],
                "name": mo["name"],
                "full_name": f"Муниципальное образование {mo['name']}",
                "own_server": mo["code"] in own_server,
                "sort_order": order,
            },
        )
        counts["mo"] += 1
        for agency in sample.municipal_agencies(mo):
            _agency(sample.row_id("agency", mo["code"], agency["key"]), municipality, agency)
            counts["agencies"] += 1
    for key, type_, name, short in sample.REGIONAL_AGENCIES:
        agency = {"type": type_, "name": name, "short_name": short}
        _agency(sample.row_id("agency", "region", key), None, agency)
        counts["agencies"] += 1
    for order, (code, applies_to, name) in enumerate(sample.CATEGORIES, 1):
        Category.objects.update_or_create(
            id=sample.row_id("category", code),
            defaults={"code": code, "applies_to": applies_to, "name": name, "sort_order": order},
        )
        counts["categories"] += 1
    for order, (code, kind, applies_to, name) in enumerate(sample.GROUNDS, 1):
        Ground.objects.update_or_create(
            id=sample.row_id("ground", code),
            defaults={
                "code": code,
                "kind": kind,
                "applies_to": applies_to,
                "name": name,
                "sort_order": order,
            },
        )
        counts["grounds"] += 1
    return counts


def _agency(pk, municipality, agency):
    Agency.objects.update_or_create(
        id=pk,
        defaults={
            "mo": municipality,
            "type": agency["type"],
            "name": agency["name"],
            "short_name": agency["short_name"],
        },
    )
