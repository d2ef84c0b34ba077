"""score_attempt on the StubBroker with a worker thread and the real engine."""

import asyncio

import dramatiq
import pytest
import redis.exceptions
from asgiref.sync import async_to_sync
from botocore.exceptions import EndpointConnectionError
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from analysis.tasks import score_attempt
from practice.models import Attempt, AttemptStatus
from practice.progress import attempt_group
from practice.tests.conftest import LINE_TEXT, espeak_wav, learner, line, silence_wav

__all__ = ["learner", "line"]  # fixtures shared with the practice tests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stub_worker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker, worker
    worker.stop()
    broker.flush_all()


def attempt_with(user, line, data: bytes) -> Attempt:
    attempt = Attempt(
        user=user, line=line, content_type="audio/wav", size_bytes=len(data), duration=2.0
    )
    attempt.recording.save(f"{attempt.job_id}.wav", ContentFile(data), save=False)
    attempt.save()
    return attempt


def run(broker, worker, attempt_id: int) -> None:
    score_attempt.send(attempt_id)
    broker.join(score_attempt.queue_name, fail_fast=True)
    worker.join()


def progress_messages(channel: str) -> list[dict]:
    layer = get_channel_layer()

    async def drain():
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                return messages

    return [m["state"] for m in async_to_sync(drain)()]


def subscribe(attempt: Attempt) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(attempt_group(attempt.job_id), channel)
    return channel


def test_score_attempt_scores_from_the_audio_and_reports_every_stage(stub_worker, learner, line):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, espeak_wav(LINE_TEXT, voice="en-us+f3", speed=150))
    channel = subscribe(attempt)

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    line.refresh_from_db()
    assert attempt.status == AttemptStatus.COMPLETED, attempt.error_message
    for name in ("pronunciation", "intonation", "timing", "emotion", "overall"):
        assert 0 <= getattr(attempt, name) <= 100
    words = [w["text"].lower() for w in attempt.detailed_feedback["words"]]
    assert "money" in words
    assert line.reference_analysis["text"] == LINE_TEXT  # cached for the next attempt
    states = progress_messages(channel)
    stages = [s["stage"] for s in states]
    assert stages[0] == "decode"
    assert {"alignment", "pronunciation", "intonation", "timing", "emotion"} <= set(stages)
    assert states[-1]["status"] == "completed"
    assert states[-1]["scores"]["overall"] == attempt.overall
    progress = [s["progress"] for s in states]
    assert progress == sorted(progress)


def test_score_attempt_redelivered_for_a_finished_attempt_changes_nothing(
    stub_worker, learner, line
):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, espeak_wav(LINE_TEXT))
    run(broker, worker, attempt.id)
    attempt.refresh_from_db()
    before = (attempt.overall, attempt.tries, attempt.finished_at)

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert (attempt.overall, attempt.tries, attempt.finished_at) == before


def test_score_attempt_fails_silence_with_a_message_for_the_learner(stub_worker, learner, line):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, silence_wav())

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert attempt.error_code in {"no_speech", "too_little_speech"}
    assert "microphone" in attempt.error_message or "speech" in attempt.error_message
    assert attempt.overall is None


def test_score_attempt_retries_a_storage_outage_then_completes(
    stub_worker, learner, line, monkeypatch, settings
):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, espeak_wav(LINE_TEXT))
    storage = type(storages["default"])
    real_open = storage.open
    calls = {"n": 0}

    def flaky_open(self, name, mode="rb"):
        if name.startswith("attempts/"):
            calls["n"] += 1
            if calls["n"] == 1:
                raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        return real_open(self, name, mode)

    monkeypatch.setattr(storage, "open", flaky_open)

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert calls["n"] == 2
    assert attempt.status == AttemptStatus.COMPLETED
    assert attempt.tries == 2


def test_score_attempt_of_a_different_line_completes_with_lower_scores(stub_worker, learner, line):
    broker, worker = stub_worker
    right = attempt_with(learner, line, espeak_wav(LINE_TEXT, voice="en-us+m3"))
    wrong = attempt_with(
        learner, line, espeak_wav("The weather in the mountains is cold today", voice="en-us+m3")
    )

    run(broker, worker, right.id)
    run(broker, worker, wrong.id)

    right.refresh_from_db()
    wrong.refresh_from_db()
    assert wrong.status == AttemptStatus.COMPLETED  # honest low scores, not an error
    assert wrong.pronunciation < right.pronunciation - 15
    assert wrong.overall < right.overall


def test_score_attempt_completes_while_the_channel_layers_redis_is_down(
    stub_worker, learner, line, monkeypatch, caplog
):
    broker, worker = stub_worker
    attempt = attempt_with(learner, line, espeak_wav(LINE_TEXT))
    layer = get_channel_layer()
    sent = {"n": 0}

    async def unreachable(group, message):
        sent["n"] += 1
        # What redis-py raises when the layer's Redis refuses connections (a restart).
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(layer, "group_send", unreachable)

    run(broker, worker, attempt.id)

    attempt.refresh_from_db()
    assert sent["n"] > 1  # every stage tried to announce itself
    assert attempt.status == AttemptStatus.COMPLETED, attempt.error_message
    assert attempt.overall is not None and attempt.tries == 1
    assert any(r.name == "yousync.outages" and "redis" in r.getMessage() for r in caplog.records)
