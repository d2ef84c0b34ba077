"""Periodic storage hygiene, scheduled by the one scheduler (docs/operations.md). Thin:
the work is in practice.retention."""

import dramatiq

from practice import retention


@dramatiq.actor(queue_name="media", max_retries=0, time_limit=30 * 60 * 1000)
def expire_recordings() -> None:
    """Deletes recordings older than RECORDING_RETENTION_DAYS (scores stay)."""
    retention.recordings_expire()


@dramatiq.actor(queue_name="media", max_retries=0, time_limit=10 * 60 * 1000)
def sweep_direct_uploads() -> None:
    """Deletes direct uploads to S3 never confirmed within a day."""
    retention.direct_uploads_sweep()
