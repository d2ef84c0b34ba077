"""Per-learner statistics, kept current whenever an attempt is created or changes state.

Each refresh recomputes the rows an attempt touches (its line record, its day, the
learner's totals) from the attempts themselves, so it is exact and idempotent: a
redelivered job, a reaper requeue or a staff re-run cannot make the numbers drift. The
learner's totals row is locked first, so two workers finishing the same learner's
attempts take turns and the second sees the first's result.
"""

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from practice import stats
from practice.models import (
    COUNTED_STATUSES,
    SCORE_FIELDS,
    Attempt,
    AttemptStatus,
    LearnerDay,
    LearnerLineStats,
    LearnerStats,
)

logger = logging.getLogger(__name__)

DIMENSIONS = SCORE_FIELDS
COUNTED = Q(status__in=COUNTED_STATUSES)
SCORED = Q(status=AttemptStatus.COMPLETED)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def learner_stats_refresh(*, attempt: Attempt) -> None:
    """Bring the learner's statistics up to date with `attempt` (call after saving it)."""
    with transaction.atomic():
        _lock_learner(attempt.user_id)
        _refresh_line(attempt.user_id, attempt.line_id)
        _refresh_day(attempt.user_id, timezone.localdate(attempt.created_at))
        _refresh_totals(attempt.user_id)


def learner_stats_rebuild(*, user_id: int) -> None:
    """Recompute all of a learner's statistics (after bulk imports or deletions)."""
    with transaction.atomic():
        _lock_learner(user_id)
        LearnerLineStats.objects.filter(user_id=user_id).delete()
        LearnerDay.objects.filter(user_id=user_id).delete()
        attempts = Attempt.objects.filter(user_id=user_id)
        for line_id in attempts.values_list("line_id", flat=True).distinct().order_by():
            _refresh_line(user_id, line_id)
        days = {timezone.localdate(at) for at in attempts.values_list("created_at", flat=True)}
        for day in sorted(days):
            _refresh_day(user_id, day)
        _refresh_totals(user_id)


def _lock_learner(user_id: int) -> None:
    LearnerStats.objects.get_or_create(user_id=user_id)
    LearnerStats.objects.select_for_update().filter(user_id=user_id).exists()


def _scores(row: dict | None) -> dict:
    if not row:
        return {}
    return {name: row[name] for name in DIMENSIONS if row.get(name) is not None}


def _refresh_line(user_id: int, line_id: int) -> None:
    attempts = Attempt.objects.filter(user_id=user_id, line_id=line_id)
    totals = attempts.aggregate(
        attempt_count=Count("id", filter=COUNTED),
        last_attempt_at=Max("created_at", filter=COUNTED),
        scored_count=Count("id", filter=SCORED),
        **{name: Max(name, filter=SCORED) for name in DIMENSIONS},
    )
    if not totals["attempt_count"]:
        LearnerLineStats.objects.filter(user_id=user_id, line_id=line_id).delete()
        return
    scored = attempts.filter(SCORED)
    last = scored.order_by("-created_at", "-id").values(*DIMENSIONS, "created_at", "job_id").first()
    first = scored.order_by("created_at", "id").values("overall").first()
    # The latest of the takes with the best overall score.
    best_job_id = (
        scored.filter(overall__isnull=False)
        .order_by("-overall", "-created_at", "-id")
        .values_list("job_id", flat=True)
        .first()
    )
    last_job_id = (
        attempts.filter(COUNTED).order_by("-created_at", "-id").values_list("job_id", flat=True)
    ).first()
    best = _scores(totals)
    LearnerLineStats.objects.update_or_create(
        user_id=user_id,
        line_id=line_id,
        defaults={
            "attempt_count": totals["attempt_count"],
            "scored_count": totals["scored_count"],
            "best_overall": best.get("overall"),
            "first_overall": first and first["overall"],
            "last_overall": last and last["overall"],
            "best_scores": best,
            "last_scores": _scores(last),
            "last_job_id": last_job_id,
            "best_job_id": best_job_id,
            "last_scored_job_id": last and last["job_id"],
            "last_attempt_at": totals["last_attempt_at"],
            "last_scored_at": last and last["created_at"],
        },
    )


def _refresh_day(user_id: int, day: date) -> None:
    attempts = Attempt.objects.filter(
        user_id=user_id,
        created_at__gte=local_midnight(day),
        created_at__lt=local_midnight(day + timedelta(days=1)),
    )
    totals = attempts.aggregate(
        attempt_count=Count("id", filter=COUNTED),
        seconds=Sum("duration", filter=COUNTED),
        scored_count=Count("id", filter=SCORED),
        **{f"{name}_sum": Sum(name, filter=SCORED) for name in DIMENSIONS},
        **{f"{name}_count": Count(name, filter=SCORED) for name in DIMENSIONS},
    )
    if not totals["attempt_count"]:
        LearnerDay.objects.filter(user_id=user_id, day=day).delete()
        return
    LearnerDay.objects.update_or_create(
        user_id=user_id,
        day=day,
        defaults={
            "attempt_count": totals["attempt_count"],
            "seconds": totals["seconds"] or 0.0,
            "scored_count": totals["scored_count"],
            "score_sums": _scores({name: totals[f"{name}_sum"] for name in DIMENSIONS}),
            "score_counts": {name: totals[f"{name}_count"] for name in DIMENSIONS},
        },
    )


def _refresh_totals(user_id: int) -> None:
    days = list(
        LearnerDay.objects.filter(user_id=user_id)
        .order_by("day")
        .values_list(
            "day", "attempt_count", "seconds", "scored_count", "score_sums", "score_counts"
        )
    )
    scored = sum(row[3] for row in days)
    sums = {name: sum(row[4].get(name, 0.0) for row in days) for name in DIMENSIONS}
    counts = {name: sum(row[5].get(name, row[3]) for row in days) for name in DIMENSIONS}
    lines = LearnerLineStats.objects.filter(user_id=user_id).aggregate(
        count=Count("id"), best=Max("best_overall")
    )
    last_day = days[-1][0] if days else None
    streak = stats.streak([row[0] for row in days], today=days[-1][0]) if days else None
    LearnerStats.objects.filter(user_id=user_id).update(
        attempt_count=sum(row[1] for row in days),
        seconds=sum(row[2] for row in days),
        scored_count=scored,
        days_practised=len(days),
        lines_practised=lines["count"],
        best_overall=lines["best"],
        score_averages=(
            {name: sums[name] / counts[name] if counts[name] else None for name in DIMENSIONS}
            if scored
            else {}
        ),
        last_day=last_day,
        run_days=streak.current if streak else 0,
        longest_streak=streak.longest if streak else 0,
        updated_at=timezone.now(),
    )


def learner_stats_check() -> dict[str, int]:
    """Compare every learner's totals with their attempts; rebuild the ones that drifted
    (a change made behind the services' back: manual SQL, a restore). Run daily by the
    scheduler (yousync/schedule.py); two grouped queries, then one rebuild per drift."""
    expected = {
        row["user_id"]: (row["counted"], row["scored"])
        for row in Attempt.objects.order_by()
        .values("user_id")
        .annotate(counted=Count("id", filter=COUNTED), scored=Count("id", filter=SCORED))
    }
    stored = {
        user_id: (counted, scored)
        for user_id, counted, scored in LearnerStats.objects.values_list(
            "user_id", "attempt_count", "scored_count"
        )
    }
    drifted = sorted(
        user_id
        for user_id in expected.keys() | stored.keys()
        if expected.get(user_id, (0, 0)) != stored.get(user_id, (0, 0))
    )
    for user_id in drifted:
        learner_stats_rebuild(user_id=user_id)
    if drifted:
        logger.warning("learner statistics rebuilt", extra={"learners": drifted[:50]})
    return {"checked": len(expected.keys() | stored.keys()), "rebuilt": len(drifted)}
