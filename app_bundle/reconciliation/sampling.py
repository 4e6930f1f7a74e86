"""Drawing the random sample of a reconciliation: N cards on record of one МО."""

from __future__ import annotations

import random

from registry.models import CardStatus, Family, Minor

from .models import CardKinds

_random = random.SystemRandom()  # no seed to guess: the officer cannot pick the cards


def cards_on_record(mo, kinds: str) -> list:
    """(model, pk) of every card of the МО on record, of the kinds asked for."""
    models = {
        CardKinds.BOTH: (Family, Minor),
        CardKinds.FAMILIES: (Family,),
        CardKinds.MINORS: (Minor,),
    }[kinds]
    return [
        (model, pk)
        for model in models
        for pk in model.objects.filter(mo=mo, status=CardStatus.ON_RECORD)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]


def draw(mo, size: int, kinds: str, rng: random.Random = _random) -> list:
    """Up to `size` cards drawn at random, families first, each kind by card number (the
    order the paper files are kept in)."""
    pool = cards_on_record(mo, kinds)
    chosen = rng.sample(pool, min(size, len(pool)))
    cards = []
    for model in (Family, Minor):
        ids = [pk for m, pk in chosen if m is model]
        if ids:
            cards += list(model.objects.filter(pk__in=ids).select_related("mo").order_by("seq"))
    return cards
