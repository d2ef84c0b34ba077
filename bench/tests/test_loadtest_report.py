import pytest

from accounts.tests.factories import UserFactory
from bench.loadtest_report import error_kind, ledger, server_exceptions
from practice.models import AttemptStatus
from practice.tests.factories import AttemptFactory


@pytest.mark.parametrize(
    ("locust_error", "kind"),
    [
        ("CatchResponseError('HTTP 503 storage_unavailable')", "HTTP 503 storage_unavailable"),
        ("HTTPError('500 Server Error: Internal Server Error for url: /api/x')", "HTTP 500"),
        (
            "ConnectionError(MaxRetryError(\"HTTPConnectionPool(host='127.0.0.1')\"))",
            "ConnectionError",
        ),
        (
            "CatchResponseError('stream broke: ChunkedEncodingError')",
            "stream broke: ChunkedEncodingError",
        ),
    ],
)
def test_error_kind_shortens_locusts_error_text(locust_error, kind):
    assert error_kind(locust_error) == kind


@pytest.mark.django_db
def test_ledger_counts_every_take_and_calls_lost_what_has_no_outcome():
    learner = UserFactory(email="loadtest-learner-1@example.com")
    done = AttemptFactory(user=learner)
    failed = AttemptFactory(
        user=learner, status=AttemptStatus.FAILED, error_code="stalled", error_message="…"
    )
    queued = AttemptFactory(user=learner, status=AttemptStatus.QUEUED, finished_at=None)
    AttemptFactory()  # another learner's take is not counted
    accepted = [str(a.job_id) for a in (done, failed, queued)] + ["never-stored"]

    result = ledger(accepted, "loadtest-learner-")

    assert result.summary() == {
        "accepted": 4,
        "uploaded": 3,
        "completed": 1,
        "failed_with_a_reason": {"stalled": 1},
        "failed_without_reason": 0,
        "still_open": 1,
        "accepted_missing": 1,
        "lost": 2,
    }
    assert result.balanced


def test_server_exceptions_names_the_class_of_each_unhandled_error(tmp_path):
    gunicorn = tmp_path / "gunicorn.log"
    gunicorn.write_text(
        '{"level": "ERROR", "exception": "Traceback (most recent call last):\\n  File x\\n'
        'botocore.exceptions.EndpointConnectionError: Could not connect"}\n'
        '{"level": "INFO", "message": "GET /healthz 200"}\n'
    )
    uvicorn = tmp_path / "uvicorn.log"
    uvicorn.write_text(
        "ERROR:    Exception in ASGI application\nTraceback (most recent call last):\n"
        "  File x\nTimeoutError\n\nThe above exception was the direct cause:\n"
        "redis.exceptions.TimeoutError: Timeout reading from 127.0.0.1:6390\n"
        '{"level": "INFO", "message": "GET /api/x 200"}\n'
    )

    found = server_exceptions({"gunicorn": [gunicorn], "uvicorn": [uvicorn]})

    assert found == {
        ("gunicorn", "botocore.exceptions.EndpointConnectionError"): 1,
        ("uvicorn", "redis.exceptions.TimeoutError"): 1,
    }
