"""Storage hygiene on the practice side, run by the scheduler (practice/tasks.py):
recordings deleted after RECORDING_RETENTION_DAYS (their scores and feedback stay), and
direct uploads that were never confirmed deleted after a day."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from practice.direct_upload import UPLOADS_PREFIX
from practice.models import FINAL_STATUSES, Attempt
from yousync.storage import files_delete_on_commit, stored_files

logger = logging.getLogger(__name__)

# Longer than any upload token lives (practice.direct_upload: the offer's 15 minutes plus
# an hour for the confirm), so a sweep never takes a file that could still be confirmed.
UNCONFIRMED_UPLOAD_MAX_AGE = timedelta(days=1)
BATCH = 500


def recordings_expire(*, now: datetime | None = None) -> int:
    """Delete the recordings of finished attempts older than RECORDING_RETENTION_DAYS;
    each attempt keeps its scores and feedback and says when its audio went. Files go
    after each batch's commit. Returns how many recordings were deleted."""
    days = settings.RECORDING_RETENTION_DAYS
    if not days:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Attempt.objects.select_for_update(skip_locked=True)
                .filter(
                    recording_expired_at__isnull=True,
                    created_at__lt=cutoff,
                    status__in=FINAL_STATUSES,
                )
                .order_by("created_at")
                .values_list("id", "recording")[:BATCH]
            )
            if not batch:
                break
            Attempt.objects.filter(id__in=[pk for pk, _name in batch]).update(
                recording="", recording_expired_at=now
            )
            files_delete_on_commit(name for _pk, name in batch)
        expired += len(batch)
    if expired:
        logger.info("recordings expired", extra={"count": expired, "days": days})
    return expired


def direct_uploads_sweep(*, now: datetime | None = None) -> int:
    """Delete direct uploads (practice.direct_upload) never confirmed within a day: a
    confirmed one is copied to the attempt and deleted at once. Returns the count."""
    now = now or timezone.now()
    cutoff = now - UNCONFIRMED_UPLOAD_MAX_AGE
    storage = storages["default"]
    stale = [f.name for f in stored_files(storage, UPLOADS_PREFIX) if f.modified < cutoff]
    for name in stale:
        storage.delete(name)
    if stale:
        logger.info("unconfirmed uploads deleted", extra={"count": len(stale)})
    return len(stale)
