"""Writing a checked file: every card, registration and member in one transaction,
each through the audited write path as an import event of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import groupby

from django.db import transaction

from regbank_app import audit_trail

from .checking import Checked

BATCH = 500


def commit(
    checked: Checked,
    request,
    *,
    user,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Create everything `checked` holds, or nothing; returns counts by what was created."""
    if not checked.ok:
        raise ValueError("a file with problems is never written")
    batch = str(uuid.uuid4())
    cards = checked.cards
    with transaction.atomic():
        _number(cards)
        for new in cards:
            new.card.created_by = new.card.updated_by = user
            setattr(new.registration, new.card.kind, new.card)
        rows = {}  # the file's row of each object, for its event
        for new in cards:
            rows[id(new.card)] = rows[id(new.registration)] = new.rows[0]
            for member, row in zip(new.members, new.rows, strict=False):
                rows[id(member)] = row

        def details(obj) -> dict:
            return {"import": batch, "file": filename[:200], "row": rows[id(obj)]}

        for start in range(0, len(cards), BATCH):
            chunk = cards[start : start + BATCH]
            for objects in (
                [n.card for n in chunk],
                [n.registration for n in chunk],
                [m for n in chunk for m in n.members],
            ):
                audit_trail.bulk_create(request, objects, user=user, details=details)
            if progress:
                progress(start + len(chunk), len(cards))
    return {
        "cards": len(cards),
        "registrations": len(cards),
        "members": sum(len(n.members) for n in cards),
        "batch": batch,
    }


def _number(cards) -> None:
    """Card numbers per МО: the first card takes the МО's lock and next number, the rest
    follow it (the lock is held to the end of the transaction)."""
    key = lambda new: new.card.mo_id  # noqa: E731
    for _, group in groupby(sorted(cards, key=key), key=key):
        group = list(group)
        first = group[0].card
        first.assign_number()
        for offset, new in enumerate(group[1:], start=1):
            new.card.seq = first.seq + offset
