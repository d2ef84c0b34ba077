from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice import selectors
from practice.tests.factories import (
    AttemptFactory,
    BookmarkFactory,
    LineFactory,
    PracticeSessionFactory,
    ScriptFactory,
    UserFactory,
    feedback_for,
)
from scripts.models import AudioStatus

pytestmark = pytest.mark.django_db

# Wednesday 12 March 2025, 21:00 in Seoul (the site's time zone in these tests).
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


def seoul(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment given in Seoul time (UTC+9), March 2025."""
    return datetime(2025, month, day, hour, minute, tzinfo=UTC) + timedelta(hours=-9)


@pytest.fixture(autouse=True)
def _seoul(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    timezone.activate("Asia/Seoul")
    yield
    timezone.deactivate()


@pytest.fixture
def learner(db):
    return UserFactory()


def test_dubbed_lines_summarises_each_line_newest_activity_first(learner):
    first, second, queued_only = LineFactory.create_batch(3)
    for day, overall in [(1, 60.0), (2, 80.0), (3, 70.0)]:
        AttemptFactory(user=learner, line=first, overall=overall, created_at=seoul(day, 10))
    AttemptFactory(user=learner, line=first, failed=True, created_at=seoul(9, 10))
    AttemptFactory(user=UserFactory(), line=first, overall=99.0, created_at=seoul(9, 11))
    AttemptFactory(user=learner, line=second, overall=50.0, created_at=seoul(4, 10))
    AttemptFactory(user=learner, line=queued_only, pending=True, created_at=seoul(5, 10))

    lines = list(selectors.dubbed_lines(user=learner))

    assert [line.pk for line in lines] == [queued_only.pk, second.pk, first.pk]
    summary = {
        line.pk: (
            line.attempt_count,
            line.best_overall,
            line.last_overall,
            line.first_overall,
            line.last_attempt_at,
        )
        for line in lines
    }
    assert summary[first.pk] == (3, 80.0, 70.0, 60.0, seoul(3, 10))
    assert summary[second.pk] == (1, 50.0, 50.0, 50.0, seoul(4, 10))
    assert summary[queued_only.pk] == (1, None, None, None, seoul(5, 10))


def test_dubbed_lines_leaves_out_lines_tried_only_by_others_or_only_failed(learner):
    AttemptFactory(user=UserFactory())
    AttemptFactory(user=learner, failed=True)

    assert list(selectors.dubbed_lines(user=learner)) == []


def test_overall_trends_keeps_the_last_scores_per_line_oldest_first(learner):
    line, other = LineFactory.create_batch(2)
    for i in range(25):
        AttemptFactory(user=learner, line=line, overall=float(i), created_at=seoul(1, 0, i))
    AttemptFactory(user=learner, line=other, overall=40.0, created_at=seoul(2, 0))
    AttemptFactory(user=learner, line=other, overall=45.0, created_at=seoul(3, 0))
    AttemptFactory(user=learner, line=other, pending=True, created_at=seoul(4, 0))

    trends = selectors.overall_trends(user=learner, line_ids=[line.pk, other.pk], points=20)

    assert trends[line.pk] == [float(i) for i in range(5, 25)]
    assert trends[other.pk] == [40.0, 45.0]


def test_practice_totals_counts_this_week_from_monday_midnight_local_time(learner):
    # Monday 10 March 00:30 in Seoul is still Sunday in UTC: it belongs to this week.
    AttemptFactory(user=learner, duration=4.0, created_at=seoul(10, 0, 30))
    AttemptFactory(user=learner, duration=6.0, pending=True, created_at=seoul(12, 20))
    AttemptFactory(user=learner, duration=9.0, created_at=seoul(9, 23, 30))  # last Sunday
    AttemptFactory(user=learner, duration=50.0, failed=True, created_at=seoul(11, 9))
    AttemptFactory(user=UserFactory(), duration=30.0, created_at=seoul(11, 9))

    overview = selectors.learner_overview(user=learner, now=NOW)

    assert overview.this_week.start == date(2025, 3, 10)
    assert overview.this_week.attempts == 2
    assert overview.this_week.seconds == 10.0
    assert overview.today.seconds == 6.0
    assert overview.totals.attempts == 3
    assert overview.totals.seconds == 19.0


def test_practice_totals_are_zero_for_a_new_learner(learner):
    overview = selectors.learner_overview(user=learner, now=NOW)

    assert (overview.this_week.attempts, overview.this_week.seconds) == (0, 0.0)
    assert (overview.totals.attempts, overview.totals.seconds) == (0, 0.0)
    assert (overview.today.minutes, overview.today.percent) == (0.0, 0)
    assert overview.recent == []


@pytest.mark.parametrize(
    ("goal_minutes", "seconds", "percent"), [(10, 150.0, 25), (10, 1200.0, 100), (0, 30.0, 100)]
)
def test_daily_goal_percent_is_capped_and_never_divides_by_zero(goal_minutes, seconds, percent):
    # A goal of 0 cannot be saved through the forms, but a row changed behind their back
    # must still show a page and an API answer.
    assert selectors.DailyGoal(seconds=seconds, goal_minutes=goal_minutes).percent == percent


def test_practice_streak_counts_consecutive_days_across_midnight_in_local_time(learner):
    # 23:50 on the 10th and 00:10 on the 11th (Seoul) are two days; both are the 10th
    # in UTC, so a streak counted in UTC would miss one.
    AttemptFactory(user=learner, created_at=seoul(10, 23, 50))
    AttemptFactory(user=learner, created_at=seoul(11, 0, 10))
    AttemptFactory(user=learner, created_at=seoul(12, 8))
    AttemptFactory(user=learner, created_at=seoul(12, 9))
    AttemptFactory(user=learner, created_at=seoul(8, 12))  # after a gap on the 9th
    AttemptFactory(user=UserFactory(), created_at=seoul(9, 12))

    streak = selectors.learner_overview(user=learner, now=NOW).streak

    assert (streak.current, streak.longest, streak.practised_today) == (3, 3, True)


def test_practice_streak_stays_alive_until_midnight_then_breaks(learner):
    AttemptFactory(user=learner, created_at=seoul(10, 21))
    AttemptFactory(user=learner, created_at=seoul(11, 21))

    tonight = selectors.learner_overview(user=learner, now=seoul(12, 23, 59)).streak
    day_after = selectors.learner_overview(user=learner, now=seoul(13, 0, 1)).streak

    assert (tonight.current, tonight.practised_today) == (2, False)
    assert (day_after.current, day_after.longest) == (0, 2)


def test_practice_streak_ignores_failed_attempts(learner):
    AttemptFactory(user=learner, failed=True, created_at=seoul(12, 9))

    assert selectors.learner_overview(user=learner, now=NOW).streak.current == 0


def test_weekly_averages_has_one_bucket_per_week_oldest_first_with_gaps(learner):
    AttemptFactory(
        user=learner,
        overall=60.0,
        pronunciation=50.0,
        intonation=70.0,
        timing=40.0,
        emotion=80.0,
        created_at=seoul(10, 0, 30),  # Monday of this week, Sunday in UTC
    )
    AttemptFactory(user=learner, overall=80.0, created_at=seoul(12, 9))
    AttemptFactory(user=learner, overall=40.0, created_at=seoul(25, 9, month=2))
    AttemptFactory(user=learner, overall=10.0, created_at=seoul(2, 9, month=1))  # too old
    AttemptFactory(user=learner, pending=True, created_at=seoul(12, 10))
    AttemptFactory(user=UserFactory(), overall=5.0, created_at=seoul(12, 9))

    weeks = selectors.learner_overview(user=learner, now=NOW, weeks=8).weeks

    assert [w.week for w in weeks] == [date(2025, 1, 20) + timedelta(weeks=i) for i in range(8)]
    this_week, two_weeks_ago = weeks[-1], weeks[-3]
    assert this_week.count == 2
    assert this_week.scores == {
        "overall": 70.0,
        "pronunciation": 65.0,
        "intonation": 75.0,
        "timing": 60.0,
        "emotion": 80.0,
    }
    assert two_weeks_ago.week == date(2025, 2, 24)
    assert two_weeks_ago.scores["overall"] == 40.0
    assert weeks[-2].count == 0 and weeks[-2].scores["overall"] is None


def test_weak_spots_aggregates_words_and_sounds_over_completed_attempts(learner):
    line = LineFactory(text="I think three things.")
    phones = {"think": [("TH", 35.0), ("IH", 85.0), ("NG", 70.0), ("K", 90.0)]}
    for score in (40.0, 50.0):
        AttemptFactory(
            user=learner,
            line=line,
            detailed_feedback=feedback_for(line.text, scores={"think": score}, phones=phones),
        )
    AttemptFactory(
        user=learner,
        line=line,
        detailed_feedback=feedback_for(
            line.text,
            scores={"three": 70.0},
            omitted=("things",),
            phones={"three": [("TH", 55.0), ("R", 90.0), ("IY", 95.0)]},
        ),
    )
    AttemptFactory(
        user=UserFactory(),
        line=line,
        detailed_feedback=feedback_for(line.text, scores={"i": 10.0}),
    )
    AttemptFactory(user=learner, line=line, pending=True)

    weak = selectors.weak_spots(user=learner)

    assert weak.attempts == 3
    assert [(w.text, w.weak, w.seen) for w in weak.words] == [
        ("think", 2, 3),
        ("things", 1, 3),  # left out: ranks before a word said poorly
        ("three", 1, 3),
    ]
    assert weak.words[0].average == 45.0
    assert weak.words[1].omitted == 1 and weak.words[1].average is None
    assert weak.words[2].average == 70.0
    assert [(s.phone, s.ipa, s.weak) for s in weak.sounds] == [("TH", "θ", 3), ("NG", "ŋ", 2)]
    assert weak.sounds[0].examples == ["think", "three"]


def test_weak_spots_looks_only_at_the_most_recent_attempts(learner):
    line = LineFactory(text="Hello world")
    AttemptFactory(
        user=learner,
        line=line,
        detailed_feedback=feedback_for(line.text, scores={"world": 30.0}),
        created_at=seoul(1, 9),
    )
    AttemptFactory(user=learner, line=line, created_at=seoul(2, 9))

    weak = selectors.weak_spots(user=learner, attempts=1)

    assert weak.attempts == 1 and weak.words == []


def test_practice_sessions_summarises_each_sitting_newest_first(learner):
    script = ScriptFactory(title="Rooftop")
    one, two = LineFactory.create_batch(2, script=script)
    earlier = PracticeSessionFactory(
        user=learner, script=script, started_at=seoul(1, 10), last_activity_at=seoul(1, 10, 5)
    )
    later = PracticeSessionFactory(
        user=learner, script=script, started_at=seoul(2, 10), last_activity_at=seoul(2, 10, 25)
    )
    for line, overall in [(one, 60.0), (one, 70.0), (two, 90.0)]:
        AttemptFactory(user=learner, line=line, session=later, overall=overall, duration=2.0)
    AttemptFactory(user=learner, line=one, session=later, pending=True, duration=2.0)
    AttemptFactory(user=learner, line=one, session=later, failed=True, duration=2.0)
    AttemptFactory(user=learner, line=one, session=earlier, overall=40.0, duration=3.0)
    PracticeSessionFactory(user=learner, script=script)  # only failed attempts: hidden
    PracticeSessionFactory(user=UserFactory(), script=script)

    sessions = list(selectors.practice_sessions(user=learner))

    assert [s.pk for s in sessions] == [later.pk, earlier.pk]
    summary = sessions[0]
    assert summary.attempt_count == 4
    assert summary.lines_practised == 2
    assert summary.average_overall == pytest.approx(220 / 3)
    assert summary.best_overall == 90.0
    assert summary.speaking_seconds == 8.0
    assert summary.span == timedelta(minutes=25)
    assert (sessions[1].attempt_count, sessions[1].best_overall) == (1, 40.0)


def test_lines_with_learner_state_sets_best_score_and_bookmark_in_one_query(learner):
    lines = LineFactory.create_batch(3)
    AttemptFactory(user=learner, line=lines[0], overall=61.4)
    AttemptFactory(user=learner, line=lines[0], overall=87.6)
    AttemptFactory(user=learner, line=lines[0], pending=True)
    AttemptFactory(user=UserFactory(), line=lines[1], overall=99.0)
    BookmarkFactory(user=learner, line=lines[1])
    BookmarkFactory(user=UserFactory(), line=lines[2])

    with CaptureQueriesContext(connection) as queries:
        selectors.lines_with_learner_state(user=learner, lines=lines)

    assert len(queries) == 1
    assert [(line.best_score, line.bookmarked) for line in lines] == [
        (88, False),
        (None, True),
        (None, False),
    ]


def test_lines_with_learner_state_needs_no_query_for_visitors():
    from django.contrib.auth.models import AnonymousUser

    lines = LineFactory.create_batch(2)

    with CaptureQueriesContext(connection) as queries:
        selectors.lines_with_learner_state(user=AnonymousUser(), lines=lines)

    assert len(queries) == 0
    assert [(line.best_score, line.bookmarked) for line in lines] == [(None, False)] * 2


def test_bookmark_list_is_the_learners_own_newest_first_with_their_scores(learner):
    older, newer = LineFactory.create_batch(2)
    BookmarkFactory(user=learner, line=older)
    BookmarkFactory(user=learner, line=newer)
    BookmarkFactory(user=UserFactory(), line=older)
    AttemptFactory(user=learner, line=older, overall=64.0)
    AttemptFactory(user=learner, line=older, overall=71.0)
    AttemptFactory(user=UserFactory(), line=newer, overall=99.0)

    bookmarks = list(selectors.bookmark_list(user=learner))

    assert [b.line_id for b in bookmarks] == [newer.pk, older.pk]
    assert [(b.attempt_count, b.best_overall) for b in bookmarks] == [(0, None), (2, 71.0)]


def test_bookmarkable_line_allows_removing_but_not_adding_a_hidden_line(learner):
    hidden = LineFactory(audio_status=AudioStatus.MISSING)
    draft = LineFactory(script=ScriptFactory(is_published=False))
    saved_hidden = LineFactory(audio_status=AudioStatus.MISSING)
    BookmarkFactory(user=learner, line=saved_hidden)
    visible = LineFactory()

    assert selectors.bookmarkable_line(user=learner, line_id=visible.pk) == visible
    assert selectors.bookmarkable_line(user=learner, line_id=hidden.pk) is None
    assert selectors.bookmarkable_line(user=learner, line_id=draft.pk) is None
    assert selectors.bookmarkable_line(user=learner, line_id=saved_hidden.pk) == saved_hidden
