"""Fill a database with the sample region's activity (Tables 1 and 2 of the methodology).

Directories of the sample region, users of every agency of its 10 МО, the cards on
record at the end of 2020 (Table 1, plus deregistered ones) and the audit events of
2018-2020 whose yearly counts per МО are those of Table 2 exactly. Each site writes only
its own rows (docs/architecture.md, replication rules): the regional server the
directories, the users and the cards and events of the МО without their own server; a
municipal server its МО's cards and events, once the users have come down by
replication. After replication the regional server holds what one load of the whole
region would have written: the generator draws each МО's rows from their own seed.

With --large, the benchmarks' large region instead (analytics/large_region.py: 60 МО,
2023-2025, 100 000 cards, 5 million events), on which the capacity planner is
calibrated: written whole at the regional server. Refuses to run twice.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from analytics import large_region, synthetic
from regbank_app import site
from registry.models import Family, Minor


class Command(BaseCommand):
    help = (
        "Заполнить базу синтетическими данными образцового региона: карточки (таблица 1) и "
        "события журнала 2018–2020 (таблица 2) тех МО, которые ведутся на этом сервере"
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
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="at a municipal server: wait up to SECONDS for the МО's sample users to "
            "arrive from the regional server (default 0: do not wait)",
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

    def handle(self, *args, seed, scale, wait, large, events, cards, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale: a number in (0, 1]")
        if large and (events < 1 or cards < large_region.MO):
            raise CommandError(f"--events: at least 1; --cards: at least {large_region.MO}")
        regional = site.masters_reference_data()
        if large and not regional:
            raise CommandError("the large region is loaded at the regional server only")
        if regional and User.objects.filter(username__startswith="mo1.").exists():
            raise CommandError("the sample activity is already loaded (users mo1.* exist)")
        started = time.monotonic()
        if large:
            specs = synthetic.large_specs(
                large_region.MO, large_region.YEARS, events, cards, seed=large_region.SEED
            )
            end = datetime.date(large_region.YEARS[-1], 12, 31)
        else:
            specs, end = synthetic.sample_specs(scale), datetime.date(2020, 12, 31)
        if not regional:
            specs = self._own_mo(specs, wait)
        with transaction.atomic():
            counts = synthetic.generate(specs, end=end, seed=seed, home_only=not large)
        where = "the regional server" if regional else f"the municipal server of {site.site_code()}"
        self.stdout.write(
            f"loaded at {where}: "
            + "{mo} МО, {users} users, {cards} cards, {events} audit events".format(**counts)
            + f" in {time.monotonic() - started:.1f} s"
        )
        if counts["elsewhere"]:
            self.stdout.write(
                f"not loaded here: {', '.join(counts['elsewhere'])} (own servers; run "
                "load_sample_activity there with the same --seed and --scale)"
            )

    def _own_mo(self, specs, wait):
        """At a municipal server: its МО's spec, once its users are here and its cards not."""
        code = site.site_code()
        mine = [s for s in specs if s.code == code]
        if not mine:
            raise CommandError(f"{code} is not an МО of the sample region")
        deadline = time.monotonic() + wait
        prefix = synthetic.user_prefix(code)
        while not User.objects.filter(mo__code=code, username__startswith=prefix).exists():
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"no sample users of {code} here ({prefix}*): load the sample activity "
                    "at the regional server first, then here once replication has brought "
                    "them (--wait SECONDS waits for them)"
                )
            time.sleep(1)
        if (
            Family.objects.filter(mo__code=code).exists()
            or Minor.objects.filter(mo__code=code).exists()
        ):
            raise CommandError(
                f"the card file of {code} is not empty here: the sample activity is loaded "
                "already, or this МО has real cards"
            )
        return mine
