"""POST /api/tokens/webhook/analysis-complete: signed results from the analysis server."""

import json
import time

import pytest
from rest_framework.test import APIClient

from analysis.remote import sign
from practice.models import AttemptStatus
from practice.tests.conftest import saved_attempt
from practice.tests.factories import not_assessed_feedback

pytestmark = pytest.mark.django_db

URL = "/api/tokens/webhook/analysis-complete"
SECRET = "test-webhook-secret-0123456789"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANALYSIS_WEBHOOK_SECRET = SECRET
    settings.ANALYSIS_WEBHOOK_TOLERANCE_SECONDS = 300


@pytest.fixture
def running(learner, line):
    return saved_attempt(
        learner,
        line,
        status=AttemptStatus.RUNNING,
        stage="scoring",
        progress=10,
    )


def result_for(attempt, **changes) -> dict:
    return {
        "job_id": str(attempt.job_id),
        "status": "completed",
        "pronunciation_score": 81.5,
        "intonation_score": 70.0,
        "timing_score": 92.25,
        "emotion_score": 64.0,
        "overall_score": 77.0,
        "detailed_feedback": {"tips": ["Stress 'never'."], "words": []},
        "warnings": ["noisy"],
        **changes,
    }


def deliver(body, *, secret=SECRET, timestamp=None, signature=None, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    if headers is None:
        headers = {
            "HTTP_X_YOUSYNC_TIMESTAMP": timestamp,
            "HTTP_X_YOUSYNC_SIGNATURE": signature or sign(secret, timestamp, raw),
        }
    return APIClient().generic("POST", URL, raw, content_type="application/json", **headers)


def test_webhook_completes_the_attempt_with_the_remote_scores(running):
    response = deliver(result_for(running))

    assert response.status_code == 200, response.json()
    running.refresh_from_db()
    assert running.status == AttemptStatus.COMPLETED
    assert (running.pronunciation, running.intonation, running.timing) == (81.5, 70.0, 92.25)
    assert (running.emotion, running.overall, running.progress) == (64.0, 77.0, 100)
    assert running.detailed_feedback["tips"] == ["Stress 'never'."]
    assert running.detailed_feedback["warnings"] == ["noisy"]
    assert running.finished_at is not None
    body = response.json()
    assert (body["status"], body["overall_score"]) == ("completed", 77.0)


def test_webhook_completes_without_pronunciation_where_the_feedback_says_not_assessed(running):
    feedback = not_assessed_feedback("내가 그랬잖아")

    response = deliver(result_for(running, pronunciation_score=None, detailed_feedback=feedback))

    assert response.status_code == 200, response.json()
    running.refresh_from_db()
    assert running.status == AttemptStatus.COMPLETED
    assert running.pronunciation is None
    assert running.overall == 77.0
    assert running.detailed_feedback["pronunciation"] == feedback["pronunciation"]
    assert response.json()["pronunciation_score"] is None


def test_webhook_still_needs_pronunciation_where_the_feedback_says_assessed(running):
    feedback = {"pronunciation": {"assessed": True, "reason": None, "model": "x"}}

    response = deliver(result_for(running, pronunciation_score=None, detailed_feedback=feedback))

    assert response.status_code == 400
    assert response.json()["code"] == "required"
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


def test_webhook_fails_the_attempt_with_the_remote_message(running):
    response = deliver(
        {
            "job_id": str(running.job_id),
            "status": "failed",
            "error": "We could not hear any speech.",
            "error_code": "no_speech",
        }
    )

    assert response.status_code == 200
    running.refresh_from_db()
    assert running.status == AttemptStatus.FAILED
    assert (running.error_code, running.error_message) == (
        "no_speech",
        "We could not hear any speech.",
    )
    assert running.overall is None


def test_webhook_repeated_delivery_returns_the_stored_result_and_changes_nothing(running):
    deliver(result_for(running))
    running.refresh_from_db()
    before = (running.overall, running.finished_at, running.updated_at)

    again = deliver(result_for(running, overall_score=12.0))

    assert again.status_code == 200
    assert again.json()["overall_score"] == 77.0
    running.refresh_from_db()
    assert (running.overall, running.finished_at, running.updated_at) == before


def test_webhook_refuses_a_wrong_signature(running):
    response = deliver(result_for(running), secret="not-the-secret")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


def test_webhook_refuses_a_body_changed_after_signing(running):
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, json.dumps(result_for(running)).encode())

    response = deliver(
        result_for(running, overall_score=100.0), timestamp=timestamp, signature=signature
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


def test_webhook_refuses_a_request_without_a_signature(running):
    response = deliver(result_for(running), headers={})

    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


@pytest.mark.parametrize("age", [301, -301, 86400])
def test_webhook_refuses_a_replayed_or_future_timestamp(running, age):
    response = deliver(result_for(running), timestamp=int(time.time()) - age)

    assert response.status_code == 401
    assert response.json()["code"] == "stale_timestamp"
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


def test_webhook_refuses_a_timestamp_that_is_not_a_number(running):
    response = deliver(result_for(running), timestamp="yesterday")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_timestamp"


def test_webhook_for_an_unknown_job_is_404(running):
    response = deliver(result_for(running, job_id="3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"overall_score": 100.5}, "overall_score", "max_value"),
        ({"timing_score": -1}, "timing_score", "min_value"),
        ({"emotion_score": "loud"}, "emotion_score", "invalid"),
        ({"pronunciation_score": None}, "pronunciation_score", "required"),
        ({"status": "running"}, "status", "invalid_choice"),
        ({"detailed_feedback": ["not", "an", "object"]}, "detailed_feedback", "not_a_dict"),
        ({"job_id": "not-a-uuid"}, "job_id", "invalid"),
        ({"score": 80}, "score", "unknown_field"),
    ],
)
def test_webhook_validates_fields_and_ranges(running, changes, field, code):
    response = deliver(result_for(running, **changes))

    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert body["code"] == code
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


def test_webhook_refuses_a_body_that_is_not_a_json_object(running):
    assert deliver(b"[1, 2]").status_code == 400
    assert deliver(b"{not json").status_code == 400
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING


def test_webhook_without_a_configured_secret_refuses_everything(running, settings):
    settings.ANALYSIS_WEBHOOK_SECRET = ""

    response = deliver(result_for(running), secret="")

    assert response.status_code == 503
    assert response.json()["code"] == "webhook_not_configured"
    running.refresh_from_db()
    assert running.status == AttemptStatus.RUNNING
