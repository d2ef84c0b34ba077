"""ANALYSIS_BACKEND=remote: the actor sends the job to the analysis server, signed."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from analysis.remote import (
    RemoteAnalysisRefused,
    RemoteAnalysisUnavailable,
    send_to_remote_analysis,
    sign,
)
from analysis.tasks import is_transient
from analysis.tests.test_tasks import attempt_with, run, stub_worker
from practice.models import AttemptStatus
from practice.services import attempt_start
from practice.tests.conftest import LINE_TEXT, espeak_wav, learner, line
from yousync.testing import free_port

__all__ = ["learner", "line", "stub_worker"]  # fixtures shared with other tests

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "remote-test-secret-0123456789"
SITE = "https://yousync.test"


class AnalysisServer:
    """A tiny analysis server on 127.0.0.1: records each POST, answers the next status."""

    def __init__(self, statuses=(202,)):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jobs"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def remote(settings):
    server = AnalysisServer()
    settings.ANALYSIS_BACKEND = "remote"
    settings.TARGET_SERVER_URL = server.url
    settings.ANALYSIS_WEBHOOK_SECRET = SECRET
    settings.ANALYSIS_CALLBACK_BASE_URL = SITE
    settings.ANALYSIS_REMOTE_TIMEOUT_SECONDS = 5
    yield server
    server.close()


def assert_signed(request: dict) -> dict:
    headers = request["headers"]
    timestamp = headers["X-YouSync-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert headers["X-YouSync-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    return json.loads(request["body"])


def test_send_to_remote_analysis_posts_the_signed_job(remote, learner, line):
    attempt = attempt_start(attempt_id=attempt_with(learner, line, b"RIFF....WAVE").id)

    send_to_remote_analysis(attempt)

    (request,) = remote.requests
    job = assert_signed(request)
    assert job["job_id"] == str(attempt.job_id)
    assert job["text"] == LINE_TEXT
    assert job["kind"] == "movie"
    assert job["callback_url"] == f"{SITE}/api/tokens/webhook/analysis-complete"
    for name in ("audio_url", "reference_url"):
        assert job[name].startswith(("http://", "https://")), job[name]
    assert attempt.recording.name.rsplit("/", 1)[-1] in job["audio_url"]
    assert line.reference_audio.name.rsplit("/", 1)[-1] in job["reference_url"]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.stage) == (AttemptStatus.RUNNING, "scoring")


def test_remote_scoring_round_trip_through_the_actor_and_the_webhook(
    remote, stub_worker, learner, line
):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, espeak_wav(LINE_TEXT))

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.RUNNING  # waiting for the webhook
    assert attempt.overall is None
    job = assert_signed(remote.requests[0])
    result = json.dumps(
        {
            "job_id": job["job_id"],
            "status": "completed",
            "pronunciation_score": 80,
            "intonation_score": 70,
            "timing_score": 90,
            "emotion_score": 60,
            "overall_score": 75,
            "detailed_feedback": {"tips": ["Slow down."]},
        }
    ).encode()
    timestamp = remote.requests[0]["headers"]["X-YouSync-Timestamp"]
    response = APIClient().generic(
        "POST",
        job["callback_url"].removeprefix(SITE),
        result,
        content_type="application/json",
        HTTP_X_YOUSYNC_TIMESTAMP=timestamp,
        HTTP_X_YOUSYNC_SIGNATURE=sign(SECRET, timestamp, result),
    )
    assert response.status_code == 200, response.json()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.overall) == (AttemptStatus.COMPLETED, 75.0)
    assert attempt.detailed_feedback["tips"] == ["Slow down."]


def test_remote_dispatch_retries_while_the_analysis_server_is_down(
    remote, stub_worker, learner, line
):
    broker, worker = stub_worker
    remote.statuses = [503, 202]
    attempt = attempt_with(learner, line, b"RIFF....WAVE")

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert len(remote.requests) == 2
    assert attempt.status == AttemptStatus.RUNNING
    assert attempt.tries == 2


def test_remote_dispatch_fails_the_attempt_when_the_server_refuses_the_job(
    remote, stub_worker, learner, line
):
    broker, worker = stub_worker
    remote.statuses = [400]
    attempt = attempt_with(learner, line, b"RIFF....WAVE")

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert len(remote.requests) == 1
    assert (attempt.status, attempt.error_code) == (AttemptStatus.FAILED, "internal")


def test_remote_dispatch_errors_say_whether_a_retry_can_help(remote, learner, line, settings):
    attempt = attempt_start(attempt_id=attempt_with(learner, line, b"RIFF....WAVE").id)
    settings.TARGET_SERVER_URL = f"http://127.0.0.1:{free_port()}/jobs"  # nobody listens

    with pytest.raises(RemoteAnalysisUnavailable) as unreachable:
        send_to_remote_analysis(attempt)
    settings.TARGET_SERVER_URL = remote.url
    remote.statuses = [403]
    with pytest.raises(RemoteAnalysisRefused) as refused:
        send_to_remote_analysis(attempt)

    assert is_transient(unreachable.value) is True
    assert is_transient(refused.value) is False
