"""Fill a database with the sample region's activity (Tables 1 and 2 of the methodology).

Directories of the sample region, users of every agency of its 10 МО, the cards on
record at the end of 2020 (Table 1, plus deregistered ones) and the audit events of
2018-2020 whose yearly counts per МО are those of Table 2 exactly. With --large, the
benchmarks' large region instead (analytics/large_region.py: 60 МО, 2023-2025, 100 000
cards, 5 million events), on which the capacity planner is calibrated. For a lab or a
demo at the regional server; refuses to run twice.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from analytics import large_region, synthetic
from regbank_app import site


class Command(BaseCommand):
    help = (
        "Заполнить базу синтетическими данными образцового региона: карточки (таблица 1) и "
        "события журнала 2018–2020 (таблица 2)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="share of Table 2's events to generate (default 1: exactly the published "
            "figures; e.g. 0.02 for a quick demonstration)",
        )
        parser.add_argument(
            "--large",
            action="store_true",
            help=f"the benchmarks' large region ({large_region.MO} МО, "
            f"{large_region.YEARS[0]}-{large_region.YEARS[-1]}) instead of the sample",
        )
        parser.add_argument(
            "--events",
            type=int,
            default=large_region.EVENTS,
            help=f"with --large: audit events (default {large_region.EVENTS})",
        )
        parser.add_argument(
            "--cards",
            type=int,
            default=large_region.CARDS,
            help=f"with --large: cards (default {large_region.CARDS})",
        )

    def handle(self, *args, seed, scale, large, events, cards, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale: a number in (0, 1]")
        if large and (events < 1 or cards < large_region.MO):
            raise CommandError(f"--events: at least 1; --cards: at least {large_region.MO}")
        if not site.masters_reference_data():
            raise CommandError("sample activity is loaded at the regional server only")
        if User.objects.filter(username__startswith="mo1.").exists():
            raise CommandError("the sample activity is already loaded (users mo1.* exist)")
        started = time.monotonic()
        if large:
            specs = synthetic.large_specs(
                large_region.MO, large_region.YEARS, events, cards, seed=large_region.SEED
            )
            end = datetime.date(large_region.YEARS[-1], 12, 31)
        else:
            specs, end = synthetic.sample_specs(scale), datetime.date(2020, 12, 31)
        with transaction.atomic():
            counts = synthetic.generate(specs, end=end, seed=seed)
        self.stdout.write(
            "loaded: {mo} МО, {users} users, {cards} cards, {events} audit events".format(**counts)
            + f" in {time.monotonic() - started:.1f} s"
        )
