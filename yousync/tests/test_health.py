import pytest
from django.test import override_settings

from yousync.testing import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_dependencies(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_dependency_ready(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "channel_layer", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_names_an_unreachable_storage_and_logs_why(client, settings, caplog):
    # A real S3 client against a port where nothing listens.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "media",
                "endpoint_url": f"http://127.0.0.1:{free_port()}",
                "access_key": "k",
                "secret_key": "s",
                "region_name": "us-east-1",
            },
        },
    }

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["failed"] == ["storage"]
    # Names and statuses only: no exception text, endpoint or bucket name for anyone.
    assert body["checks"]["storage"] == {"ok": False}
    assert body["checks"]["database"] == {"ok": True}
    assert "127.0.0.1" not in response.content.decode()
    assert "media" not in response.content.decode()
    (record,) = [r for r in caplog.records if r.getMessage() == "readiness check failed"]
    assert record.failed.get("storage")


def test_readyz_names_an_unreachable_channel_layer(client):
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers, READYZ_TIMEOUT_SECONDS=2.0):
        response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["failed"] == ["channel_layer"]
    assert body["checks"]["channel_layer"]["ok"] is False
