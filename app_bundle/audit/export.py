"""Audit events as CSV (UTF-8 with BOM, `;`: opens in Russian Excel) and XLSX."""

from __future__ import annotations

import csv
import io
import json

from django.apps import apps
from django.utils import timezone
from openpyxl import Workbook

from regbank_app.roles import Role
from regbank_app.spreadsheet import cells

from .models import Action

XLSX_MAX_ROWS = 1_000_000

HEADER = [
    "Время",
    "Сервер",
    "Действие",
    "Имя входа",
    "Пользователь",
    "Роль",
    "МО пользователя",
    "Субъект профилактики",
    "Тип объекта",
    "Объект",
    "МО объекта",
    "Идентификатор объекта",
    "Адрес клиента",
    "Изменения",
    "Подробности",
]

_ACTIONS = dict(Action.choices)
_ROLES = dict(Role.choices)


def object_type_label(label: str) -> str:
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def changes_text(changes: dict) -> str:
    parts = []
    for value in changes.values():
        parts.append(f"{value.get('label')}: {_text(value.get('old'))} → {_text(value.get('new'))}")
    return "; ".join(parts)


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)


def row(event) -> list:
    return [
        timezone.localtime(event.time).strftime("%d.%m.%Y %H:%M:%S"),
        event.site,
        _ACTIONS.get(event.action, event.action),
        event.username,
        event.user_name,
        _ROLES.get(event.role, event.role),
        event.mo.name if event.mo_id and event.mo else "",
        str(event.agency) if event.agency_id and event.agency else "",
        object_type_label(event.object_type),
        event.object_repr,
        event.object_mo.name if event.object_mo_id and event.object_mo else "",
        str(event.object_id or ""),
        event.client_ip or "",
        changes_text(event.changes),
        json.dumps(event.details, ensure_ascii=False) if event.details else "",
    ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(events):
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(HEADER)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(cells(row(event)))


def xlsx_bytes(events) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Журнал действий")
    sheet.append(HEADER)
    for event in events.iterator(chunk_size=2000):
        sheet.append(cells(row(event)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
