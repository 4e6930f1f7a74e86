import json
import logging

import pytest
from django.db import DatabaseError

from regbank_app.logging import JsonFormatter


@pytest.mark.django_db
def test_health_checks_the_database_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "site": "regional", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_reports_503_when_the_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_json_formatter_writes_one_object_with_extras():
    record = logging.LogRecord("regbank.request", logging.INFO, "x.py", 1, "request", (), None)
    record.path = "/families/"
    record.status = 200
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["message"] == "request"
    assert data["path"] == "/families/"
    assert data["status"] == 200
    assert data["level"] == "INFO"


@pytest.mark.django_db
def test_each_request_is_logged_as_json_without_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger="regbank.request")
    client.get("/health/?name=Иванов")
    records = [r for r in caplog.records if r.name == "regbank.request"]
    assert records and records[-1].path == "/health/"
    assert "Иванов" not in JsonFormatter().format(records[-1])
