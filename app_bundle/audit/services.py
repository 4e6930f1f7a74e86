"""Writing audit events, and describing what changed in an object."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

from regbank_app import site
from regbank_app.net import client_ip

from .models import AuditEvent

# Fields never copied into the audit trail.
SKIP_FIELDS = {"id", "password", "created_at", "updated_at", "created_by", "updated_by"}


def record(
    request,
    action: str,
    obj: models.Model | None = None,
    *,
    user=None,
    changes: dict | None = None,
    details: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Write one audit event in the current transaction.

    The user is the request's authenticated user, or `user` (login, failed login).
    `obj` gives the object type, id, name and МО; its `audit_card` (if any) names the
    card whose history the event belongs to.
    """
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    event = AuditEvent(
        site=site.site_code(),
        action=action,
        changes=changes or {},
        details=details or {},
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
        event.object_repr = str(obj)[:300]
        event.object_mo_id = getattr(obj, "mo_id", None)
        card = getattr(obj, "audit_card", None)
        event.card_id = card.pk if card is not None else None
    event.save()
    return event


def display_value(obj: models.Model, field: models.Field):
    """A field's value as a person reads it (JSON-safe)."""
    if isinstance(field, models.ManyToManyField):
        return sorted(str(item) for item in getattr(obj, field.name).all()) if obj.pk else []
    value = getattr(obj, field.name)
    if value is None or value == "":
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return str(value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def audited_fields(obj: models.Model) -> list[models.Field]:
    exclude = SKIP_FIELDS | set(getattr(obj, "audit_exclude", ()))
    fields = [
        f
        for f in obj._meta.get_fields()
        if getattr(f, "concrete", False) and not f.auto_created and f.name not in exclude
    ]
    fields += [f for f in obj._meta.many_to_many if f.name not in exclude and f not in fields]
    return fields


def snapshot(obj: models.Model) -> dict:
    """{field name: (label, value)} of an object's audited fields."""
    return {
        f.name: (str(f.verbose_name), display_value(obj, f))
        for f in audited_fields(obj)
        if not (f.name == "mo" and obj.pk is None and not obj.mo_id)
    }


def diff(before: dict, after: dict) -> dict:
    """Changed fields: {name: {"label", "old", "new"}}."""
    changes = {}
    for name in after.keys() | before.keys():
        label, new = after.get(name, (before.get(name, ("", None))[0], None))
        old = before.get(name, (label, None))[1]
        if old != new:
            changes[name] = {"label": label, "old": old, "new": new}
    return changes


def created(obj: models.Model) -> dict:
    return diff({}, snapshot(obj))


def deleted(obj: models.Model) -> dict:
    return diff(snapshot(obj), {})
