"""Reads for the partner API: keys, jobs, quota and usage."""

import hmac
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from uuid import UUID

from django.core.cache import cache
from django.db import OperationalError
from django.db.models import Sum
from django.utils import timezone

from partners.keys import key_hash, looks_like_key, prefix_of
from partners.models import FINAL_JOB_STATUSES, ApiKey, DailyUsage, JobStatus, Partner, PartnerJob


def api_key_by_secret(secret: str) -> ApiKey | None:
    """The key whose hash matches, with its partner and plan (one query); None otherwise.
    Revoked and expired keys are returned too: the caller says why they are refused."""
    if not looks_like_key(secret):
        return None
    key = (
        ApiKey.objects.select_related("partner", "partner__plan")
        .filter(prefix=prefix_of(secret))
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, key_hash(secret)):
        return None
    return key


def api_key_refusal(key: ApiKey, *, now: datetime | None = None) -> str | None:
    """Why a known key may not be used now (a code), or None."""
    now = now or timezone.now()
    if key.revoked_at is not None and key.revoked_at <= now:
        return "key_revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "key_expired"
    if not key.partner.is_active:
        return "partner_inactive"
    return None


def partner_job_for(*, partner: Partner, job_id: UUID) -> PartnerJob | None:
    """A job of this partner; another partner's job looks like an unknown one."""
    return PartnerJob.objects.filter(partner=partner, job_id=job_id).first()


def job_finished_cache_key(job_id: UUID) -> str:
    return f"partners:job-finished:{job_id}"


# How often a waiting request looks at the cache, and (should the cache have lost the
# mark) at the job's row.
WAIT_CACHE_INTERVAL_SECONDS = 0.05
WAIT_DATABASE_INTERVAL_SECONDS = 1.0


def partner_job_wait(*, job: PartnerJob, timeout: float) -> PartnerJob:
    """The job once it is final, or as it is when `timeout` seconds have passed.

    The worker marks a finished job in the cache (services._finish), so waiting costs a
    cache read every 50 ms rather than a database query; the row is read when the mark
    appears, once a second in case the mark was lost, and at the end."""
    deadline = time.monotonic() + timeout
    next_database_read = time.monotonic() + WAIT_DATABASE_INTERVAL_SECONDS
    while time.monotonic() < deadline:
        now = time.monotonic()
        if cache.get(job_finished_cache_key(job.job_id)) or now >= next_database_read:
            next_database_read = now + WAIT_DATABASE_INTERVAL_SECONDS
            try:
                current: PartnerJob | None = PartnerJob.objects.get(pk=job.pk)
            except OperationalError:  # SQLite busy with the worker's write: look again
                current = None
            if current is not None and current.status in FINAL_JOB_STATUSES:
                return current
        time.sleep(min(WAIT_CACHE_INTERVAL_SECONDS, max(0.0, deadline - time.monotonic())))
    return PartnerJob.objects.get(pk=job.pk)


def month_start(now: datetime) -> datetime:
    utc = now.astimezone(UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    start = month_start(now)
    return (start + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Quota:
    """A partner's audio seconds this calendar month (UTC)."""

    limit: int
    used: float  # scored
    pending: float  # accepted, not scored yet
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.limit - self.used - self.pending))


def partner_quota(*, partner: Partner, now: datetime | None = None) -> Quota:
    """Two queries: the month's scored seconds, and the seconds of unfinished jobs."""
    now = now or timezone.now()
    start = month_start(now)
    used = DailyUsage.objects.filter(partner=partner, day__gte=start.date()).aggregate(
        total=Sum("audio_seconds")
    )["total"]
    pending = PartnerJob.objects.filter(
        partner=partner, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).aggregate(total=Sum("audio_seconds"))["total"]
    return Quota(
        limit=partner.plan.monthly_audio_seconds,
        used=float(used or 0.0),
        pending=float(pending or 0.0),
        resets_at=next_month_start(now),
    )


class UsageRow(TypedDict):
    day: date
    key: str  # the key's display form, ys_live_ab12cd34…
    key_name: str
    requests: int
    errors: int
    assessments: int
    audio_seconds: float
    latency_p50_ms: int | None
    latency_p95_ms: int | None


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile (the smallest value with at least `fraction` of the
    values at or below it); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def usage_rows(*, partner: Partner, start: date, end: date) -> list[UsageRow]:
    """Per key and day (UTC) from `start` to `end` inclusive, oldest first; latency
    percentiles over the day's scored jobs (accepted to scored). Two queries."""
    days = list(
        DailyUsage.objects.filter(partner=partner, day__gte=start, day__lte=end)
        .select_related("key")
        .order_by("day", "key_id")
    )
    latencies: dict[tuple[int, date], list[int]] = {}
    jobs = PartnerJob.objects.filter(
        partner=partner,
        status=JobStatus.COMPLETED,
        latency_ms__isnull=False,
        finished_at__gte=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        finished_at__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
    ).values_list("key_id", "finished_at", "latency_ms")
    for key_id, finished_at, latency in jobs:
        if finished_at is not None and latency is not None:
            day = finished_at.astimezone(UTC).date()
            latencies.setdefault((key_id, day), []).append(latency)
    rows: list[UsageRow] = []
    for usage in days:
        values = latencies.get((usage.key_id, usage.day), [])
        rows.append(
            {
                "day": usage.day,
                "key": usage.key.display,
                "key_name": usage.key.name,
                "requests": usage.requests,
                "errors": usage.errors,
                "assessments": usage.assessments,
                "audio_seconds": round(usage.audio_seconds, 3),
                "latency_p50_ms": percentile(values, 0.5),
                "latency_p95_ms": percentile(values, 0.95),
            }
        )
    return rows
