"""Reads on the practice side.

Every list here costs a fixed number of queries whatever the number of attempts, lines
or sessions: aggregates and subqueries, never a query per row. Totals, days and line
records come from the learner's statistics rows, which practice.learner_stats keeps
current whenever an attempt changes, so reading them never scans the attempt history.
"Counted" attempts are those not failed (a failed attempt is a scoring problem, not
practice); scores come from completed attempts only. Days and weeks are those of the
current time zone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User
from practice import stats
from practice.models import (
    COUNTED_STATUSES,
    Attempt,
    AttemptStatus,
    Bookmark,
    LearnerDay,
    LearnerLineStats,
    LearnerStats,
    PracticeSession,
)
from scripts.models import Line
from scripts.selectors import song_analysis

DIMENSIONS = ("overall", "pronunciation", "intonation", "timing", "emotion")
TREND_POINTS = 20  # scores drawn per line in the history sparkline
CHART_WEEKS = 8
WEAKNESS_ATTEMPTS = 200  # recent scored attempts mined for weak words and sounds
WEAK_SPOTS_SECONDS = 24 * 3600  # how long a mined result is kept (its version moves anyway)


def attempt_for_owner(*, user: User, job_id: UUID | str) -> Attempt | None:
    """The attempt if it exists and belongs to `user`; None otherwise (no difference shown)."""
    return (
        Attempt.objects.select_related("line", "line__script", "line__actor")
        .filter(job_id=job_id, user=user)
        .first()
    )


def _completed(*, user: User) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, status=AttemptStatus.COMPLETED)


# --- history: the lines a learner has dubbed ---------------------------------------------

LINE_ORDERS: dict[str, tuple[str | OrderBy, str]] = {
    "recent": ("-learner_stats__last_attempt_at", "-pk"),
    "best": (F("learner_stats__best_overall").desc(nulls_last=True), "-pk"),
    "weakest": (F("learner_stats__best_overall").asc(nulls_last=True), "-pk"),
    "most": ("-learner_stats__attempt_count", "-pk"),
}


DUBBED_LINE_FIELDS = (
    *("id", "script_id", "actor_id", "position", "text", "translation"),
    *("start_time", "end_time", "duration", "reference_audio"),
    *("script__id", "script__title", "script__work_title", "script__kind"),
    *("script__language", "script__difficulty", "script__description", "script__cover"),
    "script__song_key",  # the token shape's `song` names the song's key
    # The token shape's `guide`: the script's switch and the line's guide voice.
    *("script__guide_voice", "guide", "guide_audio", "guide_audio_slow"),
    *("actor__id", "actor__name", "actor__character_name", "actor__photo"),
)


def dubbed_lines(
    *, user: User, kind: str = "", script_id: int | None = None, order: str = "recent"
) -> QuerySet[Line]:
    """Each line the learner tried (from their line records, kept current by
    practice.learner_stats) with `attempt_count`, `best_overall`, `last_overall`,
    `first_overall`, `last_attempt_at`, `best_scores`, `last_scores`, `last_job_id` (the
    latest take, scored or not) and `best_job_id` / `last_scored_job_id` (the takes behind
    `best_overall` / `last_overall`); newest activity first unless `order` says "best",
    "weakest" or "most"."""
    lines = Line.objects.filter(learner_stats__user=user)
    if kind:
        lines = lines.filter(script__kind=kind)
    if script_id is not None:
        lines = lines.filter(script_id=script_id)
    return (
        # The annotations reuse the filter's join, so they read this learner's record.
        lines.annotate(
            attempt_count=F("learner_stats__attempt_count"),
            last_attempt_at=F("learner_stats__last_attempt_at"),
            best_overall=F("learner_stats__best_overall"),
            last_overall=F("learner_stats__last_overall"),
            first_overall=F("learner_stats__first_overall"),
            best_scores=F("learner_stats__best_scores"),
            last_scores=F("learner_stats__last_scores"),
            last_job_id=F("learner_stats__last_job_id"),
            best_job_id=F("learner_stats__best_job_id"),
            last_scored_job_id=F("learner_stats__last_scored_job_id"),
            # The token shape's `song`, without loading the whole reference analysis.
            song_analysis=song_analysis(),
        )
        .select_related("script", "actor")
        # What the history page and the API's token shape show, nothing else.
        .only(*DUBBED_LINE_FIELDS)
        .order_by(*LINE_ORDERS[order])
    )


def overall_trends(
    *, user: User, line_ids: Iterable[int], points: int = TREND_POINTS
) -> dict[int, list[float | None]]:
    """{line_id: [overall, ...]} oldest first, the last `points` completed attempts of each
    line (one query, a window function keeps it bounded per line)."""
    rows = (
        _completed(user=user)
        .filter(line_id__in=list(line_ids))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=F("line_id"), order_by=[F("created_at").desc(), "-id"]
            )
        )
        .filter(rank__lte=points)
        .order_by("line_id", "created_at", "id")
        .values_list("line_id", "overall")
    )
    trends: dict[int, list[float | None]] = {}
    for line_id, overall in rows:
        trends.setdefault(line_id, []).append(overall)
    return trends


# --- bookmarks ------------------------------------------------------------------------------


def _line_record(user: User, field: str, line_ref: str = "pk") -> Subquery:
    return Subquery(
        LearnerLineStats.objects.filter(user=user, line=OuterRef(line_ref)).values(field)[:1]
    )


def bookmark_list(
    *, user: User, kind: str = "", script_id: int | None = None
) -> QuerySet[Bookmark]:
    """The learner's bookmarks, newest first, each line with `best_overall` and
    `attempt_count` of this learner."""
    bookmarks = Bookmark.objects.filter(user=user)
    if kind:
        bookmarks = bookmarks.filter(line__script__kind=kind)
    if script_id is not None:
        bookmarks = bookmarks.filter(line__script_id=script_id)
    return (
        bookmarks.select_related("line", "line__script", "line__actor")
        .annotate(
            best_overall=_line_record(user, "best_overall", "line"),
            attempt_count=Coalesce(_line_record(user, "attempt_count", "line"), 0),
        )
        .order_by("-created_at", "-id")
    )


def bookmarkable_line(*, user: User, line_id: int) -> Line | None:
    """A line the learner may bookmark (visible, published) or un-bookmark (any they saved)."""
    from scripts.selectors import visible_lines

    visible = visible_lines().filter(pk=line_id, script__is_published=True)
    return (
        visible.first()
        or Line.objects.filter(pk=line_id, bookmarks__user=user).select_related("script").first()
    )


def lines_with_learner_state(*, user: User | AnonymousUser, lines: list[Line]) -> list[Line]:
    """Set `best_score` (rounded best overall, or None) and `bookmarked` on each line: one
    query for the whole list; anonymous visitors get None/False without any query."""
    for line in lines:
        line.best_score, line.bookmarked = None, False
    if not user.is_authenticated or not lines:
        return lines
    by_id = {line.pk: line for line in lines}
    rows = (
        Line.objects.filter(pk__in=by_id)
        .annotate(
            best=_line_record(user, "best_overall"),
            saved=Exists(Bookmark.objects.filter(user=user, line=OuterRef("pk"))),
        )
        .values_list("pk", "best", "saved")
    )
    for pk, best, bookmarked in rows:
        by_id[pk].best_score = None if best is None else round(best)
        by_id[pk].bookmarked = bookmarked
    return lines


# --- practice sessions ----------------------------------------------------------------------


def practice_sessions(*, user: User, script_id: int | None = None) -> QuerySet[PracticeSession]:
    """The learner's sittings, newest first, with a summary each: `attempt_count`,
    `lines_practised`, `average_overall`, `best_overall`, `speaking_seconds`, `span` and
    `in_progress` (active within SESSION_IDLE_MINUTES)."""
    idle_since = timezone.now() - timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    counted = Q(attempts__status__in=COUNTED_STATUSES)
    scored = Q(attempts__status=AttemptStatus.COMPLETED)
    sessions = PracticeSession.objects.filter(user=user)
    if script_id is not None:
        sessions = sessions.filter(script_id=script_id)
    return (
        sessions.select_related("script")
        .annotate(
            attempt_count=Count("attempts", filter=counted),
            lines_practised=Count("attempts__line", filter=counted, distinct=True),
            average_overall=Avg("attempts__overall", filter=scored),
            best_overall=Max("attempts__overall", filter=scored),
            speaking_seconds=Sum("attempts__duration", filter=counted),
            span=ExpressionWrapper(
                F("last_activity_at") - F("started_at"), output_field=DurationField()
            ),
            in_progress=ExpressionWrapper(
                Q(last_activity_at__gte=idle_since), output_field=BooleanField()
            ),
        )
        .filter(attempt_count__gt=0)
        .order_by("-started_at", "-id")
    )


# --- overview -------------------------------------------------------------------------------


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


@dataclass(frozen=True)
class PracticeTotals:
    """Everything so far: attempts not failed; scores from completed ones."""

    attempts: int
    scored_attempts: int
    seconds: float
    lines_practised: int
    days_practised: int
    best_overall: float | None

    @property
    def minutes(self) -> float:
        return _minutes(self.seconds)


@dataclass(frozen=True)
class PracticeWeek:
    start: date  # this week's Monday
    attempts: int
    seconds: float

    @property
    def minutes(self) -> float:
        return _minutes(self.seconds)


@dataclass(frozen=True)
class DailyGoal:
    seconds: float  # recorded today
    goal_minutes: int

    @property
    def minutes(self) -> float:
        return _minutes(self.seconds)

    @property
    def percent(self) -> int:
        # The profile form and the API keep the goal at 1 minute or more; a row changed
        # behind their back must not divide by zero.
        goal_seconds = max(1, self.goal_minutes * 60)
        return min(100, round(100 * self.seconds / goal_seconds))


@dataclass(frozen=True)
class Overview:
    """The learner's practice at a glance: the overview page and GET /api/mypage/overview
    both show this object."""

    totals: PracticeTotals
    averages: dict[str, float | None]  # per dimension, over scored attempts
    this_week: PracticeWeek
    today: DailyGoal
    streak: stats.Streak
    weeks: list[stats.WeekAverages]  # oldest first
    recent: list["RecentAttempt"]  # the latest attempts, any status


def learner_totals(*, user: User) -> LearnerStats:
    """The learner's totals row (an empty one, unsaved, before their first attempt)."""
    return LearnerStats.objects.filter(user=user).first() or LearnerStats(user=user)


# A LearnerDay as learner_overview reads it: day, attempt_count, seconds, scored_count,
# score_sums and score_counts ({dimension: sum or count}).
_DayRow = tuple[date, int, float, int, dict[str, float], dict[str, int]]


def learner_overview(
    *, user: User, now: datetime | None = None, weeks: int = CHART_WEEKS
) -> Overview:
    """Totals, averages, this week, today against the daily goal, the streak and the
    weekly averages, the latest attempts: three queries."""
    today = timezone.localdate(now or timezone.now())
    record = learner_totals(user=user)
    week_start = today - timedelta(days=today.weekday())
    first_week = week_start - timedelta(weeks=weeks - 1)
    days = list(
        LearnerDay.objects.filter(user=user, day__gte=first_week).values_list(
            "day", "attempt_count", "seconds", "scored_count", "score_sums", "score_counts"
        )
    )
    this_week = [row for row in days if row[0] >= week_start]
    return Overview(
        totals=PracticeTotals(
            attempts=record.attempt_count,
            scored_attempts=record.scored_count,
            seconds=record.seconds,
            lines_practised=record.lines_practised,
            days_practised=record.days_practised,
            best_overall=record.best_overall,
        ),
        averages={name: record.score_averages.get(name) for name in DIMENSIONS},
        this_week=PracticeWeek(
            start=week_start,
            attempts=sum(row[1] for row in this_week),
            seconds=sum(row[2] for row in this_week),
        ),
        today=DailyGoal(
            seconds=sum(row[2] for row in this_week if row[0] == today),
            goal_minutes=user.daily_goal_minutes,
        ),
        streak=streak_of(record, now=now),
        weeks=_weekly_averages(days, first_week, weeks),
        recent=recent_attempts(user=user),
    )


def _weekly_averages(days: list[_DayRow], first_week: date, weeks: int) -> list[stats.WeekAverages]:
    counts: dict[date, int] = {}
    sums: dict[date, dict[str, float]] = {}
    score_counts: dict[date, dict[str, int]] = {}  # a dimension can have fewer scores
    for day, _attempts, _seconds, scored, day_sums, day_counts in days:
        if not scored:
            continue
        week = day - timedelta(days=day.weekday())
        counts[week] = counts.get(week, 0) + scored
        week_sums = sums.setdefault(week, {})
        week_counts = score_counts.setdefault(week, {})
        for name, value in day_sums.items():
            week_sums[name] = week_sums.get(name, 0.0) + value
            week_counts[name] = week_counts.get(name, 0) + day_counts.get(name, scored)
    out = []
    for i in range(weeks):
        week = first_week + timedelta(weeks=i)
        count = counts.get(week, 0)
        week_sums = sums.get(week, {})
        week_counts = score_counts.get(week, {})
        scores = {
            name: week_sums[name] / week_counts[name] if week_counts.get(name) else None
            for name in DIMENSIONS
        }
        out.append(stats.WeekAverages(week=week, count=count, scores=scores))
    return out


def streak_of(record: LearnerStats, *, now: datetime | None = None) -> stats.Streak:
    """The streak as of today from the stored run: a run that reached yesterday still
    counts today (the learner has until midnight to keep it)."""
    today = timezone.localdate(now or timezone.now())
    last_day = record.last_day
    alive = stats.run_is_alive(last_day, today=today)
    return stats.Streak(
        current=record.run_days if alive else 0,
        longest=record.longest_streak,
        practised_today=last_day == today,
    )


def attempt_list(*, user: User, line_id: int | None = None, status: str = "") -> QuerySet[Attempt]:
    """The learner's attempts, newest first, without their detailed feedback."""
    attempts = Attempt.objects.filter(user=user)
    if line_id is not None:
        attempts = attempts.filter(line_id=line_id)
    if status:
        attempts = attempts.filter(status=status)
    return attempts.defer("detailed_feedback").order_by("-created_at", "-id")


@dataclass(frozen=True)
class RecentAttempt:
    job_id: UUID
    line_id: int
    text: str  # the line's
    script_id: int
    script_title: str
    status: str
    overall: float | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return str(AttemptStatus(self.status).label)


def recent_attempts(*, user: User, limit: int = 5) -> list[RecentAttempt]:
    """The learner's latest attempts, any status, newest first: the columns the overview
    shows, with the line's text and its script's id and title."""
    rows = (
        Attempt.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values(
            "job_id",
            "line_id",
            "status",
            "overall",
            "created_at",
            text=F("line__text"),
            script_id=F("line__script_id"),
            script_title=F("line__script__title"),
        )[:limit]
    )
    return [RecentAttempt(**row) for row in rows]


def weak_spots(*, user: User, attempts: int = WEAKNESS_ATTEMPTS) -> stats.WeakSpots:
    """The words and sounds most often weak in the learner's last `attempts` scored
    attempts. Mining that much feedback is the overview page's dearest part, so the
    result is kept in the cache under the learner's statistics version
    (LearnerStats.updated_at, moved by every refresh of their statistics, i.e. by every
    change to their attempts): nothing has to drop it."""
    changed = LearnerStats.objects.filter(user=user).values_list("updated_at", flat=True).first()
    if changed is None:  # no attempt yet
        return stats.weak_spots([])
    key = f"practice:weak-spots:{user.pk}:{attempts}:{changed.timestamp()}"
    found = cache.get(key)
    if not isinstance(found, stats.WeakSpots):
        found = _mine_weak_spots(user, attempts)
        cache.set(key, found, timeout=WEAK_SPOTS_SECONDS)
    return found


def _mine_weak_spots(user: User, attempts: int) -> stats.WeakSpots:
    """Reads only the `words` and `phones` parts of the feedback, not the curves."""
    rows = (
        _completed(user=user)
        .filter(detailed_feedback__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("detailed_feedback__words", "detailed_feedback__phones")[:attempts]
    )
    return stats.weak_spots(rows)
