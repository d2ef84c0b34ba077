import json
import logging

import pytest

from yousync.logging import JsonFormatter, ReadableFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def request_records(caplog):
    return [r for r in caplog.records if r.name == "yousync.request"]


def test_request_is_logged_once_with_method_path_status_duration_and_id(client, caplog):
    caplog.set_level(logging.INFO, logger="yousync.request")

    response = client.get("/healthz?x=1")

    (record,) = request_records(caplog)
    assert record.method == "GET"
    assert record.path == "/healthz"
    assert record.status == 200
    assert record.duration_ms >= 0
    assert len(record.request_id) == 32
    assert response["X-Request-ID"] == record.request_id


def test_request_id_from_a_proxy_is_kept_when_well_formed(client, caplog):
    caplog.set_level(logging.INFO, logger="yousync.request")

    good = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123-def-456")
    bad = client.get("/healthz", HTTP_X_REQUEST_ID="evil\nline injected")

    assert good["X-Request-ID"] == "abc-123-def-456"
    assert bad["X-Request-ID"] != "evil\nline injected"
    assert len(bad["X-Request-ID"]) == 32


def test_json_formatter_writes_one_object_with_extra_fields():
    record = logging.makeLogRecord(
        {"name": "yousync.request", "levelname": "INFO", "msg": "GET %s", "args": ("/x",)}
    )
    record.status = 404
    RequestIdFilter().filter(record)

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "GET /x"
    assert entry["status"] == 404
    assert entry["level"] == "INFO"
    assert entry["request_id"] == "-"
    assert entry["time"].endswith("+00:00")


def test_readable_formatter_shows_extra_fields_as_key_values():
    record = logging.makeLogRecord({"name": "n", "levelname": "INFO", "msg": "hello"})
    record.status = 201

    line = ReadableFormatter().format(record)

    assert "INFO" in line and "hello" in line and "status=201" in line
