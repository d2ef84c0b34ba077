import pytest
from django.urls import reverse

from practice.models import Attempt, AttemptStatus, LearnerLineStats, LearnerStats
from practice.tests.conftest import saved_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_attempt(learner, line):
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.FAILED,
        error_code="stalled",
        error_message="Scoring took too long.",
    )
    attempt.recording.name = f"attempts/{attempt.job_id}.wav"
    attempt.save()
    return attempt


def test_attempts_monitor_filters_by_status_and_links_the_recording(admin_client, failed_attempt):
    url = reverse("admin:practice_attempt_changelist")

    failed = admin_client.get(url, {"status__exact": "failed"})
    completed = admin_client.get(url, {"status__exact": "completed"})

    assert str(failed_attempt.job_id) in failed.text
    assert f"attempts/{failed_attempt.job_id}.wav" in failed.text
    assert str(failed_attempt.job_id) not in completed.text


def test_attempts_monitor_rerun_queues_the_attempt_again(
    admin_client, failed_attempt, django_capture_on_commit_callbacks
):
    url = reverse("admin:practice_attempt_changelist")

    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post(
            url, {"action": "rerun", "_selected_action": [failed_attempt.id]}, follow=True
        )

    failed_attempt.refresh_from_db()
    assert failed_attempt.status == AttemptStatus.QUEUED
    assert failed_attempt.error_message == ""
    assert "1 attempt queued again." in response.text


def test_attempts_monitor_is_refused_to_learners(client, learner):
    client.force_login(learner)

    response = client.get(reverse("admin:practice_attempt_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_deleting_attempts_in_the_admin_updates_the_learners_statistics(
    admin_client, learner, line
):
    kept = saved_attempt(learner, line, status="completed", overall=60.0)
    dropped = saved_attempt(learner, line, status="completed", overall=90.0)
    assert LearnerLineStats.objects.get(user=learner).best_overall == 90.0

    response = admin_client.post(
        reverse("admin:practice_attempt_changelist"),
        {"action": "delete_selected", "_selected_action": [dropped.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Attempt.objects.values_list("pk", flat=True)) == [kept.pk]
    record = LearnerLineStats.objects.get(user=learner)
    assert (record.attempt_count, record.best_overall) == (1, 60.0)
    assert LearnerStats.objects.get(user=learner).attempt_count == 1
