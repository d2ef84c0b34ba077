"""Writes on the practice side: attempts, sessions, bookmarks."""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from practice.learner_stats import learner_stats_rebuild, learner_stats_refresh
from practice.metrics import record_attempt_outcome
from practice.models import FINAL_STATUSES, Attempt, AttemptStatus, Bookmark, PracticeSession
from practice.progress import publish_attempt
from practice.signals import attempt_queued
from practice.uploads import RecordingRejected, check_recording
from scripts.models import Line, Script
from yousync.outages import OUTAGE_ERRORS, STORAGE_ERRORS, log_outage

if TYPE_CHECKING:  # the engine's types only: practice does not load the engine
    from analysis.engine.types import DetailedFeedback

logger = logging.getLogger(__name__)


def _publish_on_commit(attempt: Attempt) -> None:
    transaction.on_commit(lambda: publish_attempt(attempt))


def practice_session_touch(
    *, user: User, script: Script, now: datetime | None = None
) -> PracticeSession:
    """The learner's current sitting on this script; a new one after SESSION_IDLE_MINUTES."""
    now = now or timezone.now()
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    session = (
        PracticeSession.objects.select_for_update()
        .filter(user=user, script=script, last_activity_at__gte=now - idle)
        .order_by("-last_activity_at")
        .first()
    )
    if session is None:
        return PracticeSession.objects.create(
            user=user, script=script, started_at=now, last_activity_at=now
        )
    session.last_activity_at = max(session.last_activity_at, now)
    session.save(update_fields=["last_activity_at"])
    return session


def attempt_create(
    *,
    user: User,
    line: Line,
    upload: "File[Any]",  # File is not subscriptable at run time
    idempotency_key: str = "",
    job_id: UUID | None = None,
) -> tuple[Attempt, bool]:
    """Validate and store a recording, queue it for scoring; (attempt, created).

    A repeated `idempotency_key` from the same learner returns the first attempt; the
    same key on another line is refused (RecordingRejected, 422), not answered with the
    first line's attempt. Raises RecordingRejected for uploads that cannot be scored.
    """
    idempotency_key = (idempotency_key or "")[:64]
    if idempotency_key:
        existing = Attempt.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_line_or_refuse(existing, line), False
    checked = check_recording(upload)
    attempt = Attempt(
        user=user,
        line=line,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        duration=checked.duration,
        idempotency_key=idempotency_key,
    )
    if job_id is not None:  # reserved by a direct-upload offer
        attempt.job_id = job_id
    # The file first, outside the transaction: a storage that is down raises here, before
    # any row exists (no queued attempt without its recording), and no row lock waits on
    # an upload to S3.
    attempt.recording.save(f"{attempt.job_id}.{checked.extension}", upload, save=False)
    written = False
    try:
        with transaction.atomic():
            attempt.session = practice_session_touch(user=user, script=line.script)
            attempt.save()
            learner_stats_refresh(attempt=attempt)
            # Robust: whatever happens to the job's message, the committed row stands.
            transaction.on_commit(lambda: _announce_queued(attempt), robust=True)
            written = True
    except BaseException as exc:
        if not written:  # rolled back: no row names the file
            _recording_discard(attempt)
        if not (isinstance(exc, IntegrityError) and idempotency_key):
            raise
        # Two submits raced with one key: the other one won.
        winner = Attempt.objects.get(user=user, idempotency_key=idempotency_key)
        return _same_line_or_refuse(winner, line), False
    return attempt, True


# The disk (embedded) or S3 refusing the delete too.
_DELETE_ERRORS: tuple[type[BaseException], ...] = (OSError, *STORAGE_ERRORS)


def _recording_discard(attempt: Attempt) -> None:
    """Delete the file of an attempt whose row was never saved; a storage that fails here
    too leaves it for `manage.py orphaned_files`."""
    try:
        attempt.recording.storage.delete(attempt.recording.name or "")
    except _DELETE_ERRORS as exc:
        logger.warning(
            "recording of an unsaved attempt left in storage",
            extra={"name": attempt.recording.name, "error": repr(exc)},
        )


def _same_line_or_refuse(existing: Attempt, line: Line) -> Attempt:
    if existing.line_id != line.id:
        raise RecordingRejected(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a recording of another line."),
            status=422,
        )
    return existing


def attempt_start(*, attempt_id: int) -> Attempt | None:
    """Claim an attempt for scoring; None when gone or already finished."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("line", "line__script")
            .filter(id=attempt_id)
            .first()
        )
        if attempt is None or attempt.status in FINAL_STATUSES:
            return None
        attempt.status = AttemptStatus.RUNNING
        attempt.stage = "decode"
        attempt.progress = max(attempt.progress, 1)
        attempt.tries += 1
        attempt.started_at = timezone.now()
        attempt.save(
            update_fields=["status", "stage", "progress", "tries", "started_at", "updated_at"]
        )
        _publish_on_commit(attempt)
    return attempt


def attempt_report_progress(*, attempt: Attempt, stage: str, progress: int) -> None:
    attempt.stage = stage
    attempt.progress = max(0, min(99, progress))
    Attempt.objects.filter(id=attempt.id, status=AttemptStatus.RUNNING).update(
        stage=attempt.stage, progress=attempt.progress, updated_at=timezone.now()
    )
    publish_attempt(attempt)


class Scored(Protocol):
    """What attempt_finish stores: the engine's Assessment or a remote server's result."""

    @property
    def pronunciation(self) -> float | None: ...
    @property
    def intonation(self) -> float: ...
    @property
    def timing(self) -> float: ...
    @property
    def emotion(self) -> float | None: ...
    @property
    def overall(self) -> float: ...
    @property
    def detailed_feedback(self) -> "DetailedFeedback": ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def stage_seconds(self) -> dict[str, float]: ...


def attempt_finish(*, attempt: Attempt, assessment: Scored) -> Attempt:
    """Store the engine's scores and feedback; the attempt is completed."""
    with transaction.atomic():
        attempt.pronunciation = assessment.pronunciation
        attempt.intonation = assessment.intonation
        attempt.timing = assessment.timing
        attempt.emotion = assessment.emotion
        attempt.overall = assessment.overall
        attempt.detailed_feedback = {
            **assessment.detailed_feedback,
            "warnings": assessment.warnings,
            "stage_seconds": assessment.stage_seconds,
        }
        attempt.status = AttemptStatus.COMPLETED
        attempt.stage = "done"
        attempt.progress = 100
        attempt.error_code = attempt.error_message = ""
        attempt.finished_at = timezone.now()
        attempt.save()
        learner_stats_refresh(attempt=attempt)
        _publish_on_commit(attempt)
        stage_seconds = dict(assessment.stage_seconds)
        transaction.on_commit(
            lambda: record_attempt_outcome(attempt=attempt, stage_seconds=stage_seconds)
        )
    return attempt


def attempt_fail(*, attempt: Attempt, code: str, message: str) -> Attempt:
    """End an attempt with a message the learner understands."""
    with transaction.atomic():
        attempt.status = AttemptStatus.FAILED
        attempt.error_code = code[:64]
        attempt.error_message = message
        attempt.finished_at = timezone.now()
        attempt.save(
            update_fields=["status", "error_code", "error_message", "finished_at", "updated_at"]
        )
        learner_stats_refresh(attempt=attempt)
        _publish_on_commit(attempt)
        transaction.on_commit(lambda: record_attempt_outcome(attempt=attempt, stage_seconds={}))
    return attempt


def _announce_queued(attempt: Attempt) -> None:
    try:
        attempt_queued.send(sender=Attempt, attempt_id=attempt.id)
    except OUTAGE_ERRORS as exc:
        # The row is committed as queued with its recording: the reaper sends the job
        # again after ATTEMPT_STALE_SECONDS, so the learner's take is accepted, not lost.
        log_outage("redis", exc, attempt_id=attempt.id, job="queue the attempt")


def attempt_requeue(*, attempt: Attempt) -> Attempt:
    """Send an attempt back to the queue (staff re-run, or the reaper)."""
    with transaction.atomic():
        attempt.status = AttemptStatus.QUEUED
        attempt.stage = ""
        attempt.progress = 0
        attempt.error_code = attempt.error_message = ""
        attempt.finished_at = None
        attempt.save()
        learner_stats_refresh(attempt=attempt)
        _publish_on_commit(attempt)
        transaction.on_commit(lambda: _announce_queued(attempt))
    return attempt


def attempts_delete(*, attempts: QuerySet[Attempt]) -> int:
    """Delete attempts (staff only) and bring their learners' statistics up to date."""
    with transaction.atomic():
        user_ids = set(attempts.values_list("user_id", flat=True))
        deleted, _ = attempts.delete()
        for user_id in sorted(user_ids):
            learner_stats_rebuild(user_id=user_id)
    return deleted


STALE_MESSAGE = "Scoring took too long. Please try again."


def attempts_reap(*, now: datetime | None = None) -> dict[str, int]:
    """Requeue attempts stuck in queued/running past ATTEMPT_STALE_SECONDS; fail those
    already tried ATTEMPT_MAX_TRIES times. A worker killed mid-job never strands one."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ATTEMPT_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    stale_ids = list(
        Attempt.objects.filter(
            status__in=[AttemptStatus.QUEUED, AttemptStatus.RUNNING], updated_at__lt=cutoff
        ).values_list("id", flat=True)[:500]
    )
    for attempt_id in stale_ids:
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(skip_locked=True)
                .filter(id=attempt_id, updated_at__lt=cutoff)
                .exclude(status__in=FINAL_STATUSES)
                .first()
            )
            if attempt is None:
                continue
            if attempt.tries >= settings.ATTEMPT_MAX_TRIES:
                attempt_fail(attempt=attempt, code="stalled", message=STALE_MESSAGE)
                counts["failed"] += 1
            else:
                attempt_requeue(attempt=attempt)
                counts["requeued"] += 1
    if any(counts.values()):
        logger.warning("reaped stale attempts", extra=counts)
    return counts


def bookmark_add(*, user: User, line: Line) -> tuple[Bookmark, bool]:
    """The learner's bookmark of `line`, created when missing; (bookmark, created)."""
    try:
        with transaction.atomic():
            bookmark, created = Bookmark.objects.get_or_create(user=user, line=line)
    except IntegrityError:  # a concurrent add won the race
        return Bookmark.objects.get(user=user, line=line), False
    return bookmark, created


def bookmark_remove(*, user: User, line: Line) -> bool:
    """Remove the bookmark; False when there was none."""
    deleted, _ = Bookmark.objects.filter(user=user, line=line).delete()
    return bool(deleted)


def bookmark_toggle(*, user: User, line: Line) -> bool:
    """Add the bookmark, or remove it when present; True when the line is now bookmarked."""
    if bookmark_remove(user=user, line=line):
        return False
    bookmark_add(user=user, line=line)
    return True
