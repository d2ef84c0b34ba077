import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from practice import selectors
from practice.learner_stats import (
    learner_stats_check,
    learner_stats_rebuild,
    learner_stats_refresh,
)
from practice.models import Attempt, AttemptStatus, LearnerDay, LearnerLineStats, LearnerStats
from practice.services import attempt_fail, attempt_requeue
from practice.tests.conftest import saved_attempt
from practice.tests.factories import AttemptFactory, LineFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # Wednesday, 21:00 in Seoul


@pytest.fixture(autouse=True)
def _seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    timezone.activate("Asia/Seoul")
    yield
    timezone.deactivate()


def days_ago(n: int, hour: int = 3) -> datetime:
    return NOW - timedelta(days=n) + timedelta(hours=hour - 12)


def snapshot(user) -> tuple:
    """Everything the statistics rows say about `user`, comparable across rebuilds."""
    lines = sorted(
        LearnerLineStats.objects.filter(user=user).values_list(
            "line_id",
            "attempt_count",
            "scored_count",
            "best_overall",
            "last_overall",
            "first_overall",
            "best_scores",
            "last_scores",
            "last_job_id",
            "best_job_id",
            "last_scored_job_id",
        )
    )
    days = sorted(
        LearnerDay.objects.filter(user=user).values_list(
            "day", "attempt_count", "seconds", "scored_count", "score_sums"
        )
    )
    totals = LearnerStats.objects.filter(user=user).values_list(
        "attempt_count",
        "scored_count",
        "seconds",
        "lines_practised",
        "days_practised",
        "score_averages",
        "best_overall",
        "last_day",
        "run_days",
        "longest_streak",
    )
    return lines, days, list(totals)


def test_line_record_keeps_best_first_and_last_scores_of_the_learner_only():
    learner, other = UserFactory(), UserFactory()
    line = LineFactory()
    AttemptFactory(user=learner, line=line, overall=60.0, timing=50.0, created_at=days_ago(3))
    AttemptFactory(user=learner, line=line, overall=80.0, timing=40.0, created_at=days_ago(2))
    last = AttemptFactory(user=learner, line=line, overall=70.0, created_at=days_ago(1))
    AttemptFactory(user=learner, line=line, failed=True, created_at=days_ago(0))
    AttemptFactory(user=other, line=line, overall=99.0)

    record = LearnerLineStats.objects.get(user=learner, line=line)

    assert (record.attempt_count, record.scored_count) == (3, 3)
    assert (record.first_overall, record.best_overall, record.last_overall) == (60.0, 80.0, 70.0)
    assert record.best_scores["timing"] == 70.0  # the best of each dimension on its own
    assert record.last_scores == {
        "pronunciation": 70.0,
        "intonation": 70.0,
        "timing": 70.0,
        "emotion": 70.0,
        "overall": 70.0,
    }
    assert record.last_job_id == last.job_id


def test_line_record_names_the_takes_behind_its_best_and_last_scores():
    learner = UserFactory()
    line = LineFactory()
    AttemptFactory(user=learner, line=line, overall=80.0, created_at=days_ago(4))
    best = AttemptFactory(user=learner, line=line, overall=80.0, created_at=days_ago(3))
    last_scored = AttemptFactory(user=learner, line=line, overall=65.0, created_at=days_ago(2))
    AttemptFactory(user=learner, line=line, failed=True, created_at=days_ago(1))
    scoring = AttemptFactory(user=learner, line=line, pending=True, created_at=days_ago(0))

    record = LearnerLineStats.objects.get(user=learner, line=line)

    assert record.best_job_id == best.job_id  # the latest of two equal bests
    assert record.last_scored_job_id == last_scored.job_id
    assert record.last_job_id == scoring.job_id  # the latest take, still being scored


def test_totals_days_and_streak_follow_the_attempts():
    learner = UserFactory()
    for n, overall in [(4, 50.0), (2, 60.0), (1, 70.0), (1, 90.0)]:
        AttemptFactory(user=learner, overall=overall, duration=3.0, created_at=days_ago(n))

    totals = LearnerStats.objects.get(user=learner)

    assert (totals.attempt_count, totals.scored_count, totals.seconds) == (4, 4, 12.0)
    assert totals.score_averages["overall"] == pytest.approx(67.5)
    assert (totals.days_practised, totals.lines_practised, totals.best_overall) == (3, 4, 90.0)
    assert (totals.run_days, totals.longest_streak) == (2, 2)
    streak = selectors.learner_overview(user=learner, now=NOW).streak
    assert (streak.current, streak.longest, streak.practised_today) == (2, 2, False)
    # Two days later the run is broken.
    assert selectors.learner_overview(user=learner, now=NOW + timedelta(days=2)).streak.current == 0


def test_a_failed_attempt_stops_counting_and_a_requeue_counts_it_again():
    learner = UserFactory()
    attempt = AttemptFactory(user=learner, pending=True, duration=5.0)
    assert LearnerStats.objects.get(user=learner).attempt_count == 1

    attempt_fail(attempt=attempt, code="no_speech", message="We heard no speech.")

    assert LearnerStats.objects.get(user=learner).attempt_count == 0
    assert not LearnerLineStats.objects.filter(user=learner).exists()
    assert not LearnerDay.objects.filter(user=learner).exists()

    attempt_requeue(attempt=attempt)

    assert LearnerStats.objects.get(user=learner).seconds == 5.0
    assert LearnerLineStats.objects.get(user=learner).attempt_count == 1


def test_refreshing_twice_changes_nothing_and_a_rebuild_gives_the_same_rows():
    learner = UserFactory()
    lines = LineFactory.create_batch(3)
    for n in range(9):
        AttemptFactory(
            user=learner, line=lines[n % 3], overall=40.0 + 5 * n, created_at=days_ago(n % 4)
        )
    AttemptFactory(user=learner, line=lines[0], failed=True, created_at=days_ago(6))
    before = snapshot(learner)

    for attempt in Attempt.objects.filter(user=learner):
        learner_stats_refresh(attempt=attempt)
    assert snapshot(learner) == before

    # A bulk change behind the services' back, then a rebuild, matches fresh refreshes.
    Attempt.objects.filter(user=learner, line=lines[1]).update(status=AttemptStatus.FAILED)
    learner_stats_rebuild(user_id=learner.pk)
    rebuilt = snapshot(learner)
    LearnerStats.objects.filter(user=learner).delete()
    LearnerLineStats.objects.filter(user=learner).delete()
    LearnerDay.objects.filter(user=learner).delete()
    for attempt in Attempt.objects.filter(user=learner):
        learner_stats_refresh(attempt=attempt)
    assert snapshot(learner) == rebuilt
    assert lines[1].pk not in [row[0] for row in rebuilt[0]]


def test_rebuild_command_restores_missing_rows():
    learner = UserFactory()
    AttemptFactory(user=learner, overall=55.0, created_at=days_ago(1))
    expected = snapshot(learner)
    LearnerStats.objects.all().delete()
    LearnerDay.objects.all().delete()
    LearnerLineStats.objects.all().delete()

    out = io.StringIO()
    call_command("rebuild_learner_stats", stdout=out)

    assert snapshot(learner) == expected
    assert "1 learner" in out.getvalue()


def test_averages_leave_out_attempts_whose_pronunciation_was_not_assessed():
    learner = UserFactory()
    AttemptFactory(user=learner, overall=70.0, pronunciation=80.0, created_at=days_ago(1))
    AttemptFactory(user=learner, overall=90.0, pronunciation=None, created_at=days_ago(1))
    AttemptFactory(user=learner, overall=50.0, pronunciation=None, created_at=days_ago(0))

    totals = LearnerStats.objects.get(user=learner)
    weeks = selectors.learner_overview(user=learner, now=NOW, weeks=1).weeks

    assert totals.score_averages["overall"] == pytest.approx(70.0)
    assert totals.score_averages["pronunciation"] == pytest.approx(80.0)  # not 80 / 3
    assert weeks[0].count == 3
    assert weeks[0].scores["overall"] == pytest.approx(70.0)
    assert weeks[0].scores["pronunciation"] == pytest.approx(80.0)


def test_a_learner_never_assessed_on_pronunciation_has_no_pronunciation_average():
    learner = UserFactory()
    line = LineFactory()
    AttemptFactory(
        user=learner, line=line, overall=60.0, pronunciation=None, created_at=days_ago(0)
    )

    totals = LearnerStats.objects.get(user=learner)
    record = LearnerLineStats.objects.get(user=learner, line=line)
    weeks = selectors.learner_overview(user=learner, now=NOW, weeks=1).weeks

    assert totals.score_averages["overall"] == 60.0
    assert totals.score_averages["pronunciation"] is None  # not 0
    assert weeks[0].scores["pronunciation"] is None
    assert "pronunciation" not in record.best_scores
    assert "pronunciation" not in record.last_scores


def test_statistics_written_before_per_dimension_counts_still_average_right():
    learner = UserFactory()
    AttemptFactory(user=learner, overall=70.0, created_at=days_ago(1))
    AttemptFactory(user=learner, overall=90.0, created_at=days_ago(0))
    LearnerDay.objects.filter(user=learner).update(score_counts={})  # rows of before

    learner_stats_refresh(attempt=AttemptFactory(user=learner, failed=True))

    assert LearnerStats.objects.get(user=learner).score_averages["overall"] == 80.0
    assert (
        selectors.learner_overview(user=learner, now=NOW, weeks=1).weeks[0].scores["overall"]
        == 80.0
    )


def test_learner_stats_check_rebuilds_only_the_learners_whose_totals_drifted(
    learner, other_learner, line
):
    saved_attempt(learner, line, status=AttemptStatus.COMPLETED, overall=70.0)
    saved_attempt(other_learner, line, status=AttemptStatus.COMPLETED, overall=50.0)
    # Changed behind the services' back: the totals no longer match the attempts.
    LearnerStats.objects.filter(user=learner).update(attempt_count=9, scored_count=0)

    counts = learner_stats_check()

    assert counts == {"checked": 2, "rebuilt": 1}
    totals = LearnerStats.objects.get(user=learner)
    assert (totals.attempt_count, totals.scored_count) == (1, 1)
