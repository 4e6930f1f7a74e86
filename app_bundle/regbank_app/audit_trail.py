"""The audited write path: every audit event and every create, update and delete.

Views never save a travelling or personal row and then record by hand; they call
`create`, `update` or `delete` here (or `crud`'s view helpers built on them), which save
and record in one step, in the request's transaction (`ATOMIC_REQUESTS`). Events that
are not writes (view, search, export, login) go through `record`.

The base layer does not import the audit app: `record` sends `event_requested`, which
the audit app answers with the stored `AuditEvent` (audit/apps.py). With no receiver
connected, `record` raises, so a write can never pass unrecorded.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.dispatch import Signal


class Action(models.TextChoices):
    LOGIN = "login", "Вход в систему"
    LOGOUT = "logout", "Выход из системы"
    LOGIN_FAILED = "login_failed", "Неудачная попытка входа"
    LOCKOUT = "lockout", "Блокировка входа"
    PASSWORD_CHANGE = "password_change", "Смена пароля"
    VIEW = "view", "Просмотр"
    SEARCH = "search", "Поиск"
    CREATE = "create", "Создание"
    UPDATE = "update", "Изменение"
    DELETE = "delete", "Удаление"
    EXPORT = "export", "Выгрузка"
    ACCESS_DENIED = "access_denied", "Отказ в доступе к записи"
    IMPORT = "import", "Импорт (первичное заполнение)"


# Actions that enter data: the "entry" actions of the activity analytics (plain strings,
# so SQL parameters and `in` tests take them alike).
ENTRY_ACTIONS = (Action.CREATE.value, Action.UPDATE.value, Action.DELETE.value)
# What a card's history page lists: every write of its rows, the first filling's too.
HISTORY_ACTIONS = (*ENTRY_ACTIONS, Action.IMPORT.value)

# Sent with the event's fields; the audit app's receiver stores it and returns the event.
event_requested = Signal()

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
    object_repr: str | None = None,
    save: bool = True,
):
    """Write one audit event in the current transaction and return it.

    The user is the request's authenticated user, or `user` (login, failed login).
    `obj` gives the object type, id, name and МО; its `audit_card` (if any) names the
    card whose history the event belongs to. `object_repr` replaces the object's name
    (a refused access must not show the user the name it was refused). `save=False`
    returns the event unsaved, for `bulk_create` to insert a batch in one statement.
    """
    responses = event_requested.send(
        sender=Action,
        request=request,
        action=action,
        obj=obj,
        user=user,
        changes=changes or {},
        details=details or {},
        username=username,
        object_repr=object_repr,
        save=save,
    )
    if not responses:
        raise ImproperlyConfigured("no audit recorder is connected: the audit app is not loaded")
    return responses[0][1]


# --- what changed --------------------------------------------------------------------------
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


# --- the writes ----------------------------------------------------------------------------
def create(request, obj: models.Model, *, save: Callable[[], object] | None = None, details=None):
    """Save a new `obj` (or run `save`, which saves it and its many-to-many) and record it."""
    (save or obj.save)()
    record(request, Action.CREATE, obj, changes=diff({}, snapshot(obj)), details=details)
    return obj


def update(
    request,
    obj: models.Model,
    before: dict,
    *,
    save: Callable[[], object] | None = None,
    unseen: dict | None = None,
):
    """Save `obj` (or run `save`) and record the fields changed since `before`.

    `before` is `snapshot(obj)` taken before a form touched the instance; `unseen` adds
    changes a snapshot never copies (a new password). Returns the changes; an unchanged
    object records nothing.
    """
    (save or obj.save)()
    changes = diff(before, snapshot(obj)) | (unseen or {})
    if changes:
        record(request, Action.UPDATE, obj, changes=changes)
    return changes


EVENT_BATCH = 1000  # events per INSERT: 20 parameters each, under PostgreSQL's 65 535


def bulk_create(
    request,
    objs: list[models.Model],
    *,
    action: str = Action.IMPORT,
    user=None,
    details: Callable[[models.Model], dict] | None = None,
) -> list[models.Model]:
    """Save many new rows of one model (card-file `RegistryModel`s, or directory and
    account `ReferenceModel`s) in one INSERT and record an event for each (inserted
    together, in one more).

    The first filling's path: `action` (the import's own, so analytics tell it from daily
    work), `details(obj)` per object (the file and row). A bulk INSERT skips `save()`, so
    the home-site check made there is made here, once per МО.
    """
    if not objs:
        return objs
    for obj in {obj.mo_id: obj for obj in objs}.values():
        obj._check_home()  # save()'s refusal off the home site, once per МО
    model = type(objs[0])
    model._default_manager.bulk_create(objs)
    m2m = [f.name for f in model._meta.many_to_many]
    if m2m:  # the snapshot names many-to-many values: one query per relation, not per object
        models.prefetch_related_objects(objs, *m2m)
    events = [
        record(
            request,
            action,
            obj,
            user=user,
            changes=diff({}, snapshot(obj)),
            details=details(obj) if details else None,
            save=False,
        )
        for obj in objs
    ]
    # An expression in the rows makes Django insert VALUES rows, not UNNEST of arrays:
    # psycopg escapes array text in Python, and the events' JSON is most of the bytes.
    events[0].site = models.Value(events[0].site)
    type(events[0])._default_manager.bulk_create(events, batch_size=EVENT_BATCH)
    return objs


def delete(request, obj: models.Model) -> None:
    """Record the object's last state, then delete it."""
    record(request, Action.DELETE, obj, changes=diff(snapshot(obj), {}))
    obj.delete()
