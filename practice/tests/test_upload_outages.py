"""Uploads while S3 or Redis is down: 503 with Retry-After, and nothing half-written
(no queued attempt without its recording, no recording without its attempt)."""

from datetime import timedelta

import dramatiq
import pytest
import redis.exceptions
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import IntegrityError
from django.utils import timezone

from practice import services
from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import LINE_TEXT, api_client, espeak_wav, saved_attempt, upload
from yousync.outages import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db

UNAVAILABLE = {
    "detail": "The service is unavailable for a moment. Please try again shortly.",
    "code": "service_unavailable",
}


@pytest.fixture(scope="module")
def take() -> bytes:
    return espeak_wav(LINE_TEXT)


@pytest.fixture
def media(settings, tmp_path):
    """The default storage on an empty folder of this test's own (embedded mode)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def storage_down(monkeypatch, error: Exception) -> None:
    """The storage's own save raising what boto3 raises when S3 refuses or drops us."""

    def save(self, name, content):
        raise error

    monkeypatch.setattr(type(storages["default"]), "_save", save)


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://s3:9000/yousync/attempts/take.wav"),
        ConnectionClosedError(endpoint_url="http://s3:9000/yousync/attempts/take.wav"),
    ],
    ids=["refused", "closed"],
)
def test_upload_while_s3_is_down_answers_503_and_writes_nothing(
    learner, line, take, media, monkeypatch, error
):
    storage_down(monkeypatch, error)
    url = f"/api/tokens/{line.id}/upload-audio"

    response = api_client(learner).post(
        url, {"audio_file": upload(take)}, format="multipart", HTTP_IDEMPOTENCY_KEY="take-1"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == UNAVAILABLE
    assert not Attempt.objects.exists()
    assert stored_files(media) == []
    # S3 back: the app's retry with the same key is the one take.
    monkeypatch.undo()
    retried = api_client(learner).post(
        url, {"audio_file": upload(take)}, format="multipart", HTTP_IDEMPOTENCY_KEY="take-1"
    )
    assert retried.status_code == 202
    (attempt,) = Attempt.objects.all()
    assert attempt.status == AttemptStatus.QUEUED
    assert stored_files(media) == [attempt.recording.name]


def test_upload_while_redis_is_down_answers_503_before_storing_anything(
    learner, line, take, media, monkeypatch
):
    def refused(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to redis:6379.")

    # The rate limits' counters are the first thing an API request reads from Redis.
    for method in ("add", "incr", "get", "set"):
        monkeypatch.setattr(type(caches["default"]), method, refused)

    response = api_client(learner).post(
        f"/api/tokens/{line.id}/upload-audio", {"audio_file": upload(take)}, format="multipart"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == UNAVAILABLE
    assert not Attempt.objects.exists()
    assert stored_files(media) == []


def test_attempt_create_removes_the_stored_recording_when_its_row_is_refused(
    learner, other_learner, line, take, media
):
    # A job id already taken (a direct upload confirmed twice over): the row is refused
    # by the database after the file was stored.
    taken = saved_attempt(other_learner, line)

    with pytest.raises(IntegrityError):
        services.attempt_create(user=learner, line=line, upload=upload(take), job_id=taken.job_id)

    assert list(Attempt.objects.all()) == [taken]
    assert stored_files(media) == []


def test_attempt_create_keeps_the_take_when_the_broker_is_down_and_the_reaper_sends_it(
    learner,
    line,
    take,
    media,
    stub_broker,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    def refused(self, message, *, delay=None):
        raise redis.exceptions.ConnectionError("Error 111 connecting to redis:6379.")

    monkeypatch.setattr(type(stub_broker), "enqueue", refused)

    with django_capture_on_commit_callbacks(execute=True):
        attempt, created = services.attempt_create(user=learner, line=line, upload=upload(take))

    # Accepted: the row and its recording are committed; only the message is missing.
    attempt.refresh_from_db()
    assert created is True
    assert attempt.status == AttemptStatus.QUEUED
    assert stored_files(media) == [attempt.recording.name]
    assert all(not q.queue for q in stub_broker.queues.values())
    # Redis back: the reaper's next run sends it.
    monkeypatch.undo()
    later = timezone.now() + timedelta(seconds=settings.ATTEMPT_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.attempts_reap(now=later)

    assert counts == {"requeued": 1, "failed": 0}
    (raw,) = stub_broker.queues["default"].queue
    message = dramatiq.Message.decode(raw)
    assert (message.actor_name, message.args) == ("score_attempt", (attempt.id,))
