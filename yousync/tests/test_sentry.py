"""Error reports: nothing without SENTRY_DSN; with it, request and job ids on each event
and no recording, token or cookie in it (a fake transport keeps what would be sent)."""

import json

import dramatiq
import pytest
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.urls import path
from sentry_sdk.transport import Transport

from yousync.sentry import FILTERED, scrub_event, sentry_init, tag_job

ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo3LCJqdGkiOiJhYmMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
RECORDING = b"RIFF\x00\x00\x00\x00WAVEfmt learner's voice"


class FakeTransport(Transport):
    events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                FakeTransport.events.append(item.payload.json)


def crash(request: HttpRequest) -> HttpResponse:
    request.body  # read, as an upload view would  # noqa: B018
    upload_url = "https://bucket.s3.amazonaws.com/attempts/take.wav?X-Amz-Signature=abc123&X-Amz-Credential=AKIA"
    raise RuntimeError(f"storage failed for {upload_url} with Bearer {ACCESS_TOKEN}")


urlpatterns = [path("crash/", crash)]


@pytest.fixture
def sentry_events():
    FakeTransport.events = []
    sentry_init(
        dsn="https://public@sentry.example.com/1", environment="test", transport=FakeTransport
    )
    yield FakeTransport.events
    sentry_sdk.init()  # no DSN: nothing is sent any more
    FakeTransport.events = []


def test_without_a_dsn_nothing_is_sent(settings):
    client = sentry_sdk.get_client()

    assert settings.SENTRY_DSN == ""
    assert client.dsn is None
    assert client.transport is None


@pytest.mark.django_db
@pytest.mark.urls("yousync.tests.test_sentry")
def test_a_crashing_request_is_reported_with_its_request_id_and_nothing_private(
    client, sentry_events
):
    client.raise_request_exception = False

    response = client.post(
        "/crash/?token=secret-query-token",
        data=RECORDING,
        content_type="audio/wav",
        headers={
            "Authorization": f"Bearer {ACCESS_TOKEN}",
            "Cookie": "sessionid=session-secret",
            "X-Request-ID": "req-0123456789abcdef",
        },
    )
    sentry_sdk.flush()

    assert response.status_code == 500
    (event,) = [e for e in sentry_events if e.get("exception")]
    sent = json.dumps(event)
    assert event["tags"]["request_id"] == "req-0123456789abcdef"
    assert ACCESS_TOKEN not in sent
    assert "session-secret" not in sent
    assert "secret-query-token" not in sent
    assert "abc123" not in sent and "AKIA" not in sent
    assert "learner's voice" not in sent and "RIFF" not in sent
    assert "data" not in event["request"]
    assert event["request"].get("headers", {}).get("Authorization") in (None, FILTERED)
    assert event["exception"]["values"][0]["type"] == "RuntimeError"


@dramatiq.actor(queue_name="sentry-test", max_retries=0)
def failing_job(job_id: str) -> None:
    tag_job(job_id)
    raise ValueError(f"could not score with refresh token {ACCESS_TOKEN}")


@pytest.mark.django_db
def test_a_failing_job_is_reported_with_its_message_and_job_ids(sentry_events):
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        message = failing_job.send("3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08")
        broker.join("sentry-test", fail_fast=False)
        worker.join()
    finally:
        worker.stop()
        broker.flush_all()
    sentry_sdk.flush()

    (event,) = [e for e in sentry_events if e.get("exception")]
    assert event["tags"]["job_id"] == "3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"
    assert event["tags"]["dramatiq_message_id"] == message.message_id
    assert event["tags"]["dramatiq_actor"] == "failing_job"
    assert ACCESS_TOKEN not in json.dumps(event)


def test_scrub_event_removes_binary_data_credentials_and_signed_urls():
    event = {
        "request": {
            "url": "https://yousync.example/api/lines/1/upload-audio",
            "data": {"audio_file": "..."},
            "cookies": {"sessionid": "s"},
            "query_string": "upload_token=abc",
            "headers": {"Authorization": "Bearer abc.def", "Accept": "application/json"},
        },
        "extra": {
            "chunk": RECORDING,
            "payload": {"refresh_token": "r", "password": "p", "line": 3},
            "note": f"see https://s3.example/x.wav?X-Amz-Signature=deadbeef and {ACCESS_TOKEN}",
        },
    }

    scrubbed = scrub_event(event, {})

    assert "data" not in scrubbed["request"] and "cookies" not in scrubbed["request"]
    assert scrubbed["request"]["query_string"] == FILTERED
    assert scrubbed["request"]["headers"] == {
        "Authorization": FILTERED,
        "Accept": "application/json",
    }
    assert scrubbed["extra"]["chunk"] == "[binary omitted]"
    assert scrubbed["extra"]["payload"] == {
        "refresh_token": FILTERED,
        "password": FILTERED,
        "line": 3,
    }
    assert "deadbeef" not in scrubbed["extra"]["note"]
    assert ACCESS_TOKEN not in scrubbed["extra"]["note"]
