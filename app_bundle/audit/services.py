"""Storing audit events: the receiver of the base layer's `audit_trail.record`."""

from __future__ import annotations

from regbank_app import site
from regbank_app.net import client_ip

from .models import AuditEvent


def store_event(
    sender,
    *,
    request,
    action,
    obj=None,
    user=None,
    changes,
    details,
    username,
    object_repr=None,
    **kwargs,
) -> AuditEvent:
    """Write one audit event in the current transaction (see `audit_trail.record`)."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    event = AuditEvent(
        site=site.site_code(),
        action=action,
        changes=changes,
        details=details,
        client_ip=client_ip(request) if request is not None else None,
        username=username,
    )
    if user is not None:
        event.user_id = user.pk
        event.username = user.username
        event.user_name = user.full_name
        event.role = user.role
        event.mo_id = user.mo_id
        event.agency_id = user.agency_id
        event.agency_type = user.agency.type if user.agency_id else ""
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = obj.pk
        event.object_repr = (str(obj) if object_repr is None else object_repr)[:300]
        event.object_mo_id = getattr(obj, "mo_id", None)
        card = getattr(obj, "audit_card", None)
        event.card_id = card.pk if card is not None else None
    if kwargs.get("save", True):  # audit_trail.bulk_create inserts its events in batches
        event.save()
    return event
