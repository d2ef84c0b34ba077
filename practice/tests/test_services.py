from datetime import timedelta

import dramatiq
import pytest
from django.utils import timezone

from analysis.engine.types import Assessment
from practice import services
from practice.models import Attempt, AttemptStatus, LearnerStats, PracticeSession
from practice.tests.conftest import espeak_wav, saved_attempt, upload
from practice.tests.factories import not_assessed_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued_messages(broker) -> list:
    return [dramatiq.Message.decode(raw) for q in broker.queues.values() for raw in list(q.queue)]


def test_attempt_create_stores_the_recording_and_queues_scoring_after_commit(
    learner, line, stub_broker, django_capture_on_commit_callbacks
):
    data = espeak_wav("I never said she stole my money")

    with django_capture_on_commit_callbacks(execute=True):
        attempt, created = services.attempt_create(user=learner, line=line, upload=upload(data))

    attempt.refresh_from_db()
    assert created is True
    assert attempt.status == AttemptStatus.QUEUED
    assert attempt.content_type == "audio/wav"
    assert attempt.recording.name.endswith(f"{attempt.job_id}.wav")
    with attempt.recording.open("rb") as stored:
        assert stored.read() == data
    (message,) = queued_messages(stub_broker)
    assert message.actor_name == "score_attempt"
    assert message.args == (attempt.id,)


def test_attempt_create_queues_nothing_when_the_transaction_rolls_back(
    learner, line, stub_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attempt_create(user=learner, line=line, upload=upload(espeak_wav("hello")))

    assert queued_messages(stub_broker) == []
    assert len(callbacks) >= 1


def test_attempt_create_with_the_same_idempotency_key_returns_the_first(learner, line, stub_broker):
    data = espeak_wav("hello there")

    first, created_first = services.attempt_create(
        user=learner, line=line, upload=upload(data), idempotency_key="k-1"
    )
    second, created_second = services.attempt_create(
        user=learner, line=line, upload=upload(data), idempotency_key="k-1"
    )

    assert (created_first, created_second) == (True, False)
    assert first.id == second.id
    assert Attempt.objects.count() == 1


def test_practice_session_continues_while_active_and_restarts_after_idle(learner, line, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()

    first = services.practice_session_touch(user=learner, script=line.script, now=start)
    same = services.practice_session_touch(
        user=learner, script=line.script, now=start + timedelta(minutes=10)
    )
    later = services.practice_session_touch(
        user=learner, script=line.script, now=start + timedelta(minutes=50)
    )

    assert same.id == first.id
    assert later.id != first.id
    assert PracticeSession.objects.get(id=first.id).last_activity_at == start + timedelta(
        minutes=10
    )


def make_attempt(user, line, **fields) -> Attempt:
    return saved_attempt(user, line, recording="attempts/missing.wav", **fields)


def test_attempts_reap_requeues_stale_attempts_then_fails_them(
    learner, line, stub_broker, settings, django_capture_on_commit_callbacks
):
    settings.ATTEMPT_STALE_SECONDS = 60
    settings.ATTEMPT_MAX_TRIES = 2
    retry = make_attempt(learner, line, status=AttemptStatus.RUNNING, tries=1)
    give_up = make_attempt(learner, line, status=AttemptStatus.RUNNING, tries=2)
    fresh = make_attempt(learner, line, status=AttemptStatus.RUNNING, tries=1)
    old = timezone.now() - timedelta(minutes=5)
    Attempt.objects.filter(id__in=[retry.id, give_up.id]).update(updated_at=old)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.attempts_reap()

    assert counts == {"requeued": 1, "failed": 1}
    retry.refresh_from_db()
    give_up.refresh_from_db()
    fresh.refresh_from_db()
    assert retry.status == AttemptStatus.QUEUED
    assert give_up.status == AttemptStatus.FAILED
    assert give_up.error_code == "stalled"
    assert fresh.status == AttemptStatus.RUNNING
    assert [m.args for m in queued_messages(stub_broker)] == [(retry.id,)]


def test_attempt_finish_keeps_a_pronunciation_that_was_not_assessed(learner, line):
    attempt = saved_attempt(learner, line, status=AttemptStatus.RUNNING, stage="scoring")
    feedback = not_assessed_feedback("내가 그랬잖아")
    assessment = Assessment(
        pronunciation=None,
        intonation=70.0,
        timing=85.0,
        emotion=76.0,
        overall=77.0,
        detailed_feedback=feedback,
    )

    services.attempt_finish(attempt=attempt, assessment=assessment)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.COMPLETED
    assert (attempt.pronunciation, attempt.overall) == (None, 77.0)
    assert attempt.detailed_feedback["pronunciation"] == feedback["pronunciation"]
    averages = LearnerStats.objects.get(user=learner).score_averages
    assert averages["overall"] == 77.0 and averages["pronunciation"] is None


def test_bookmark_toggle_adds_then_removes(learner, line):
    assert services.bookmark_toggle(user=learner, line=line) is True
    assert learner.bookmarks.filter(line=line).exists()
    assert services.bookmark_toggle(user=learner, line=line) is False
    assert not learner.bookmarks.exists()
