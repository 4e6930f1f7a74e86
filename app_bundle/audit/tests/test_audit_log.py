"""The audit list: scope, filters, CSV/XLSX export (itself audited)."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from regbank_app.testing import factories

pytestmark = pytest.mark.django_db


def _event(action, mo_code=None, *, days_ago=0, username="u", agency=None, object_mo=None, **kw):
    mo = factories.mo(mo_code) if mo_code else None
    return AuditEvent.objects.create(
        site="regional",
        action=action,
        mo=mo,
        object_mo=factories.mo(object_mo) if object_mo else mo,
        username=username,
        user_name=kw.pop("user_name", "Иванова Мария Петровна"),
        agency=agency,
        time=timezone.now() - datetime.timedelta(days=days_ago),
        **kw,
    )


@pytest.fixture
def events():
    school1 = factories.agency("MO-1", "education")
    return [
        _event(Action.LOGIN, "MO-1", username="kdn1", days_ago=40),
        _event(Action.CREATE, "MO-1", username="kdn1", object_repr="Семья Первые", days_ago=2),
        _event(
            Action.UPDATE,
            "MO-1",
            username="teacher",
            agency=school1,
            object_repr="Карточка Н",
            changes={"notes": {"label": "примечания", "old": "a", "new": "b"}},
        ),
        _event(Action.VIEW, "MO-2", username="kdn2", object_repr="Семья Вторые"),
        _event(
            Action.VIEW, None, username="regional", object_repr="Семья Вторые-бис", object_mo="MO-2"
        ),
    ]


def _rows(client, query=""):
    html = client.get("/audit/" + query).content.decode()
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_regional_officer_sees_all_events(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    rows = _rows(client)
    assert "Семья Первые" in rows and "Семья Вторые" in rows


def test_municipal_officer_sees_events_of_his_mo_only(client, events):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    rows = _rows(client)
    assert "Семья Вторые" in rows and "Вторые-бис" in rows  # by user's or object's МО
    assert "Семья Первые" not in rows
    other = events[1]
    assert client.get(f"/audit/{other.id}/").status_code == 404
    assert client.get(f"/audit/{events[3].id}/").status_code == 200


def test_specialists_have_no_audit_log_and_auditors_do(client, events):
    client.force_login(factories.user(Role.AGENCY, "MO-1"))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/csv/").status_code == 403
    client.force_login(factories.user(Role.AUDITOR, None))
    assert "Семья Вторые" in _rows(client)


def test_filters_by_mo_agency_user_action_and_period(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    mo1, mo2 = factories.mo("MO-1").pk, factories.mo("MO-2").pk
    rows = _rows(client, f"?mo={mo2}")
    assert "Вторые" in rows and "Первые" not in rows
    rows = _rows(client, f"?mo={mo1}&action=update")
    assert "Карточка Н" in rows and "Семья Первые" not in rows
    rows = _rows(client, f"?agency={factories.agency('MO-1', 'education').pk}")
    assert "Карточка Н" in rows and "Семья Первые" not in rows
    rows = _rows(client, "?user=kdn2")
    assert "Семья Вторые" in rows and "Первые" not in rows
    rows = _rows(client, "?user=мария")  # by name too
    assert "Семья Вторые" in rows
    today = timezone.localdate()
    rows = _rows(
        client,
        f"?date_from={(today - datetime.timedelta(days=3)).isoformat()}"
        f"&date_to={(today - datetime.timedelta(days=1)).isoformat()}",
    )
    assert "Семья Первые" in rows and "Карточка Н" not in rows
    page = client.get("/audit/?date_from=2025-02-02&date_to=2025-01-01").content.decode()
    assert "Конец периода раньше начала" in page


def test_changes_are_shown_with_old_and_new_values(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    detail = client.get(f"/audit/{events[2].id}/").content.decode()
    assert "примечания" in detail and "<td>a</td>" in detail and "<td>b</td>" in detail


def test_csv_export_is_filtered_and_audited(client, events):
    viewer = factories.user(Role.MUNICIPAL, "MO-1")
    client.force_login(viewer)
    response = client.get("/audit/export/csv/?action=create")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Время", "Сервер", "Действие"]
    assert len(rows) == 2 and rows[1][2] == "Создание" and rows[1][9] == "Семья Первые"
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.user_id == viewer.pk
    assert export.details["format"] == "csv" and export.details["rows"] == 1
    assert export.details["filters"] == {"action": "create"}


def test_xlsx_export_of_the_visible_events(client, events):
    client.force_login(factories.user(Role.MUNICIPAL, "MO-2"))
    response = client.get("/audit/export/xlsx/")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook["Журнал действий"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Время"
    objects = {row[9] for row in values[1:] if row[2] != "Вход в систему"}
    assert objects == {"Семья Вторые", "Семья Вторые-бис"}
    assert AuditEvent.objects.filter(action=Action.EXPORT, details__format="xlsx").exists()


def test_export_of_changes_is_readable(client, events):
    client.force_login(factories.user(Role.REGIONAL, None))
    text = b"".join(client.get("/audit/export/csv/?action=update").streaming_content).decode()
    assert "примечания: a → b" in text


def test_list_pages_without_counting(client):
    for n in range(105):
        _event(Action.VIEW, "MO-1", object_repr=f"Объект {n:03d}", days_ago=0)
    client.force_login(factories.user(Role.REGIONAL, None))
    first = client.get("/audit/").content.decode()
    assert "Старее →" in first and "Объект 104" in first
    second = client.get("/audit/?page=2").content.decode()
    assert "← Новее" in second and "Старее →" not in second
