"""Reads on the practice side.

Every list here costs a fixed number of queries whatever the number of attempts, lines
or sessions: aggregates and subqueries, never a query per row. "Counted" attempts are
those not failed (a failed attempt is a scoring problem, not practice); scores come from
completed attempts only. Days and weeks are those of the current time zone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Avg,
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
from django.db.models.functions import RowNumber, TruncDate, TruncWeek
from django.utils import timezone

from practice import stats
from practice.models import Attempt, AttemptStatus, Bookmark, PracticeSession
from scripts.models import Line

DIMENSIONS = ("overall", "pronunciation", "intonation", "timing", "emotion")
TREND_POINTS = 20  # scores drawn per line in the history sparkline
CHART_WEEKS = 8
WEAKNESS_ATTEMPTS = 200  # recent scored attempts mined for weak words and sounds


def attempt_for_owner(*, user, job_id) -> Attempt | None:
    """The attempt if it exists and belongs to `user`; None otherwise (no difference shown)."""
    return (
        Attempt.objects.select_related("line", "line__script", "line__actor")
        .filter(job_id=job_id, user=user)
        .first()
    )


COUNTED_STATUSES = (AttemptStatus.QUEUED, AttemptStatus.RUNNING, AttemptStatus.COMPLETED)


def counted_attempts(*, user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, status__in=COUNTED_STATUSES)


def _completed(*, user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, status=AttemptStatus.COMPLETED)


def _best_overall(user) -> Subquery:
    """Max overall of the learner's completed attempts on the outer line."""
    return Subquery(
        _completed(user=user)
        .filter(line=OuterRef("pk"))
        .order_by()
        .values("line")
        .annotate(best=Max("overall"))
        .values("best")[:1]
    )


def _overall_at(user, *, newest: bool) -> Subquery:
    order = ("-created_at", "-id") if newest else ("created_at", "id")
    attempts = _completed(user=user).filter(line=OuterRef("pk")).order_by(*order)
    return Subquery(attempts.values("overall")[:1])


# --- history: the lines a learner has dubbed ---------------------------------------------


def dubbed_lines(*, user) -> QuerySet[Line]:
    """Each line the learner tried, newest activity first, with `attempt_count`,
    `best_overall`, `last_overall`, `first_overall` and `last_attempt_at`."""
    return (
        # One filter() call: the annotations below aggregate over this same join, so they
        # see only this learner's counted attempts.
        Line.objects.filter(attempts__user=user, attempts__status__in=COUNTED_STATUSES)
        .annotate(
            attempt_count=Count("attempts"),
            last_attempt_at=Max("attempts__created_at"),
            best_overall=Max("attempts__overall"),
            last_overall=_overall_at(user, newest=True),
            first_overall=_overall_at(user, newest=False),
        )
        .select_related("script", "actor")
        .order_by("-last_attempt_at", "-pk")
    )


def overall_trends(*, user, line_ids: Iterable[int], points: int = TREND_POINTS) -> dict:
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
    trends: dict[int, list[float]] = {}
    for line_id, overall in rows:
        trends.setdefault(line_id, []).append(overall)
    return trends


# --- bookmarks ------------------------------------------------------------------------------


def bookmark_list(*, user) -> QuerySet[Bookmark]:
    """The learner's bookmarks, newest first, each line with `best_overall` and
    `attempt_count` of this learner."""
    line = OuterRef("line")
    return (
        Bookmark.objects.filter(user=user)
        .select_related("line", "line__script", "line__actor")
        .annotate(
            best_overall=Subquery(
                _completed(user=user)
                .filter(line=line)
                .order_by()
                .values("line")
                .annotate(best=Max("overall"))
                .values("best")[:1]
            ),
            attempt_count=Subquery(
                counted_attempts(user=user)
                .filter(line=line)
                .order_by()
                .values("line")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
        )
        .order_by("-created_at", "-id")
    )


def line_is_bookmarked(*, user, line) -> bool:
    return user.is_authenticated and Bookmark.objects.filter(user=user, line=line).exists()


def bookmarkable_line(*, user, line_id: int) -> Line | None:
    """A line the learner may bookmark (visible, published) or un-bookmark (any they saved)."""
    from scripts.selectors import visible_lines

    visible = visible_lines().filter(pk=line_id, script__is_published=True)
    return (
        visible.first()
        or Line.objects.filter(pk=line_id, bookmarks__user=user).select_related("script").first()
    )


def lines_with_learner_state(*, user, lines: list[Line]) -> list[Line]:
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
            best=_best_overall(user),
            bookmarked=Exists(Bookmark.objects.filter(user=user, line=OuterRef("pk"))),
        )
        .values_list("pk", "best", "bookmarked")
    )
    for pk, best, bookmarked in rows:
        by_id[pk].best_score = None if best is None else round(best)
        by_id[pk].bookmarked = bookmarked
    return lines


# --- practice sessions ----------------------------------------------------------------------


def practice_sessions(*, user) -> QuerySet[PracticeSession]:
    """The learner's sittings, newest first, with a summary each: `attempt_count`,
    `lines_practised`, `average_overall`, `best_overall`, `speaking_seconds`, `span`."""
    counted = Q(attempts__status__in=COUNTED_STATUSES)
    scored = Q(attempts__status=AttemptStatus.COMPLETED)
    return (
        PracticeSession.objects.filter(user=user)
        .select_related("script")
        .annotate(
            attempt_count=Count("attempts", filter=counted),
            lines_practised=Count("attempts__line", filter=counted, distinct=True),
            average_overall=Avg("attempts__overall", filter=scored),
            best_overall=Max("attempts__overall", filter=scored),
            speaking_seconds=Sum("attempts__duration", filter=counted),
            span=ExpressionWrapper(
                F("last_activity_at") - F("started_at"), output_field=DurationField()
            ),
        )
        .filter(attempt_count__gt=0)
        .order_by("-started_at", "-id")
    )


# --- overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeTotals:
    week_attempts: int
    week_seconds: float
    today_seconds: float
    total_attempts: int
    total_seconds: float
    week_start: date


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def practice_totals(*, user, now: datetime | None = None) -> PracticeTotals:
    """Attempts and recorded seconds this week (from Monday), today and in total."""
    today = timezone.localdate(now or timezone.now())
    week_start = today - timedelta(days=today.weekday())
    this_week = Q(created_at__gte=_local_midnight(week_start))
    today_q = Q(created_at__gte=_local_midnight(today))
    totals = counted_attempts(user=user).aggregate(
        week_attempts=Count("id", filter=this_week),
        week_seconds=Sum("duration", filter=this_week),
        today_seconds=Sum("duration", filter=today_q),
        total_attempts=Count("id"),
        total_seconds=Sum("duration"),
    )
    return PracticeTotals(
        week_attempts=totals["week_attempts"],
        week_seconds=totals["week_seconds"] or 0.0,
        today_seconds=totals["today_seconds"] or 0.0,
        total_attempts=totals["total_attempts"],
        total_seconds=totals["total_seconds"] or 0.0,
        week_start=week_start,
    )


def practice_days(*, user) -> list[date]:
    """The distinct local days with at least one counted attempt, newest first."""
    tz = timezone.get_current_timezone()
    return list(
        counted_attempts(user=user)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .order_by("-day")
        .values_list("day", flat=True)
        .distinct()
    )


def practice_streak(*, user, now: datetime | None = None) -> stats.Streak:
    today = timezone.localdate(now or timezone.now())
    return stats.streak(practice_days(user=user), today=today)


def weekly_averages(
    *, user, now: datetime | None = None, weeks: int = CHART_WEEKS
) -> list[stats.WeekAverages]:
    """Average of each score dimension per week (Monday to Sunday) over the last `weeks`
    weeks, oldest first; a week without scored attempts has None for each."""
    today = timezone.localdate(now or timezone.now())
    first_week = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    tz = timezone.get_current_timezone()
    rows = (
        _completed(user=user)
        .filter(created_at__gte=_local_midnight(first_week))
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .order_by()
        .values("week")
        .annotate(count=Count("id"), **{name: Avg(name) for name in DIMENSIONS})
    )
    by_week = {}
    for row in rows:
        week = row["week"]
        week = timezone.localdate(week) if isinstance(week, datetime) else week
        by_week[week] = row
    out = []
    for i in range(weeks):
        week = first_week + timedelta(weeks=i)
        row = by_week.get(week, {})
        out.append(
            stats.WeekAverages(
                week=week,
                count=row.get("count", 0),
                scores={name: row.get(name) for name in DIMENSIONS},
            )
        )
    return out


def weak_spots(*, user, attempts: int = WEAKNESS_ATTEMPTS) -> stats.WeakSpots:
    """The words and sounds most often weak in the learner's last `attempts` scored
    attempts. Reads only the `words` and `phones` parts of the feedback, not the curves."""
    rows = (
        _completed(user=user)
        .filter(detailed_feedback__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("detailed_feedback__words", "detailed_feedback__phones")[:attempts]
    )
    return stats.weak_spots(rows)
