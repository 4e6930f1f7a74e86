"""What apps above the card file add to a card's page, through a signal.

The card file (registry) sits below commission; commission answers
`card_page_requested` with the parts it shows on a card (its resolutions), so the card
view needs no import of the apps that build on it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Receivers get `user` and `card` and return a dict of template context.
card_page_requested = Signal()


def card_page_parts(user, card) -> dict:
    """The context every connected app adds to `card`'s page, as seen by `user`."""
    parts: dict = {}
    for _receiver, part in card_page_requested.send(sender=type(card), user=user, card=card):
        parts.update(part)
    return parts
