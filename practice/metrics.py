"""The attempt pipeline's figures for /metrics (yousync/metrics.py).

Read when scraped: attempts by status, and how long the oldest queued attempt has been
waiting (two queries on the (status, updated_at) index). Recorded by the worker when an
attempt ends: seconds per scoring stage (the engine's `stage_seconds`) and the seconds
from upload to result.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from practice.models import Attempt, AttemptStatus
from yousync import metrics

STAGE_SECONDS = "yousync_scoring_stage_seconds"
RESULT_SECONDS = "yousync_attempt_result_seconds"

metrics.define_histogram(
    STAGE_SECONDS,
    "Seconds each scoring stage took (the engine's stage_seconds), per stage.",
    (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
metrics.define_histogram(
    RESULT_SECONDS,
    "Seconds from upload to a final state, per final status.",
    (0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300, 600),
)


def record_attempt_outcome(*, attempt: Attempt, stage_seconds: dict[str, float]) -> None:
    """Called once an attempt is completed or failed (after the commit)."""
    metrics.observe_many(
        STAGE_SECONDS,
        [({"stage": stage}, float(seconds)) for stage, seconds in sorted(stage_seconds.items())],
    )
    if attempt.finished_at is not None:
        waited = (attempt.finished_at - attempt.created_at).total_seconds()
        metrics.observe(RESULT_SECONDS, {"status": str(attempt.status)}, max(0.0, waited))


class AttemptCollector(Collector):
    def collect(self) -> Iterator[Any]:
        by_status = dict(
            Attempt.objects.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        attempts = GaugeMetricFamily(
            "yousync_attempts", "Attempts in the database, by status.", labels=["status"]
        )
        for status in AttemptStatus.values:
            attempts.add_metric([status], by_status.get(status, 0))
        yield attempts

        oldest = Attempt.objects.filter(status=AttemptStatus.QUEUED).aggregate(
            at=Min("updated_at")
        )["at"]
        age = GaugeMetricFamily(
            "yousync_oldest_queued_attempt_seconds",
            "Seconds since the longest-waiting queued attempt was queued (0: none queued).",
        )
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age


metrics.register_scrape_collector(AttemptCollector)
