"""Writing a checked file: every card, registration and member (or plan and measure,
agency, account) in one transaction, each through the audited write path as an import
event of its own."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from itertools import groupby

from django.db import transaction

from regbank_app import audit_trail

from .checking import Checked, NewCard, NewPlan

BATCH = 500


def commit(
    checked: Checked,
    request,
    *,
    user,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Create everything `checked` holds, or nothing; returns counts by what was created
    and `summary`, the counts in words."""
    if not checked.ok:
        raise ValueError("a file with problems is never written")
    batch = str(uuid.uuid4())
    new_records = checked.cards
    with transaction.atomic():
        cards = [new for new in new_records if isinstance(new, NewCard)]
        _number(cards)
        for new in cards:
            new.card.created_by = new.card.updated_by = user
            setattr(new.registration, new.card.kind, new.card)
        rows = {}  # the file's row of each object, for its event
        for new in new_records:
            *own, children = new.layers()  # a card or plan, and its members or measures
            for obj in (obj for layer in own for obj in layer):
                rows[id(obj)] = new.rows[0]
            for obj, row in zip(children, new.rows, strict=False):
                rows[id(obj)] = row
            if isinstance(new, NewPlan):
                new.plan.created_by = user

        def details(obj) -> dict:
            return {"import": batch, "file": filename[:200], "row": rows[id(obj)]}

        for start in range(0, len(new_records), BATCH):
            chunk = new_records[start : start + BATCH]
            for layer in zip(*(new.layers() for new in chunk), strict=True):
                objects = [obj for part in layer for obj in part]
                audit_trail.bulk_create(request, objects, user=user, details=details)
            if progress:
                progress(start + len(chunk), len(new_records))
    created = Counter()
    for new in new_records:
        for layer in new.layers():
            for obj in layer:
                created[obj._meta.model_name] += 1
    words = (
        ("карточек", created["family"] + created["minor"]),
        ("постановок на учёт", created["registration"]),
        ("членов семей", created["familymember"]),
        ("планов ИПР", created["plan"]),
        ("мероприятий", created["measure"]),
        ("субъектов профилактики", created["agency"]),
        ("учётных записей", created["user"]),
    )
    return {
        "summary": ", ".join(f"{label} {count}" for label, count in words if count),
        "cards": created["family"] + created["minor"],
        "registrations": created["registration"],
        "members": created["familymember"],
        "plans": created["plan"],
        "measures": created["measure"],
        "agencies": created["agency"],
        "users": created["user"],
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
