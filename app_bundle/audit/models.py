"""Audit events: the record of every user action (docs/architecture.md, the registry app).

Events are append-only: the application never updates or deletes them, a trigger
raises on UPDATE/DELETE, and the application's database role is denied those
privileges (migration 0002 and `manage.py grant_app_role`).

The table is ready for monthly range partitioning by `time`: the primary key
includes `time`, and nothing references it. Events written at a municipal server
replicate up to the regional one, so `site` says where each was written and user,
МО and agency are kept without foreign-key constraints (with the user's name and
role copied in, so an event reads the same years later).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from regbank_app.audit_trail import ENTRY_ACTIONS, Action
from regbank_app.roles import Role


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regional officers and regional auditors see every event; municipal officers and
        auditors bound to an МО see the events of their МО (by the user's or the object's МО).
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role in (Role.REGIONAL, Role.AUDITOR) and user.mo_id is None:
            return self
        if user.role in (Role.MUNICIPAL, Role.AUDITOR) and user.mo_id:
            return self.filter(models.Q(mo_id=user.mo_id) | models.Q(object_mo_id=user.mo_id))
        return self.none()

    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    pk = models.CompositePrimaryKey("id", "time")
    id = models.UUIDField(default=uuid.uuid4, editable=False)
    time = models.DateTimeField("время", default=timezone.now)
    site = models.CharField("сервер", max_length=16)
    action = models.CharField("действие", max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="пользователь",
    )
    username = models.CharField("имя входа", max_length=150, blank=True)
    user_name = models.CharField("пользователь (ФИО)", max_length=300, blank=True)
    role = models.CharField("роль", max_length=20, blank=True)
    mo = models.ForeignKey(
        "directory.Municipality",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="МО пользователя",
    )
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="субъект профилактики",
    )
    agency_type = models.CharField("вид субъекта профилактики", max_length=20, blank=True)
    object_type = models.CharField("тип объекта", max_length=60, blank=True)
    object_id = models.UUIDField("идентификатор объекта", null=True)
    object_repr = models.CharField("объект", max_length=300, blank=True)
    object_mo = models.ForeignKey(
        "directory.Municipality",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name="МО объекта",
    )
    card_id = models.UUIDField("карточка", null=True)
    changes = models.JSONField("изменения", default=dict, blank=True)
    details = models.JSONField("подробности", default=dict, blank=True)
    client_ip = models.GenericIPAddressField("адрес клиента", null=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "событие журнала"
        verbose_name_plural = "журнал действий пользователей"
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["time"], name="audit_time"),
            models.Index(fields=["mo", "time"], name="audit_mo_time"),
            models.Index(fields=["object_mo", "time"], name="audit_object_mo_time"),
            models.Index(fields=["action", "time"], name="audit_action_time"),
            models.Index(fields=["user", "time"], name="audit_user_time"),
            models.Index(fields=["agency", "time"], name="audit_agency_time"),
            models.Index(fields=["card_id", "time"], name="audit_card_time"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%d.%m.%Y %H:%M:%S} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")

    @property
    def is_entry(self) -> bool:
        return self.action in ENTRY_ACTIONS
