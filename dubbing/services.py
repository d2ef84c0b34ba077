"""Writes for scene dubbing: sessions, takes, choices, reels and share links.

A take is an ordinary practice Attempt (`practice.services.attempt_create`: the same
checks, storage, scoring job, progress, history and statistics); dubbing links it to the
session and line in the same transaction. Practice knows nothing of dubbing.
"""

import logging
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from dubbing import selectors
from dubbing.models import Reel, ReelShare, ReelStatus, SceneSession, SceneTake
from dubbing.progress import publish_reel
from dubbing.signals import reel_queued
from practice.models import Attempt, AttemptStatus
from practice.services import attempt_create
from scripts.models import Actor, Line, Script

logger = logging.getLogger(__name__)

# Bytes of randomness in a share link's token (URL-safe base64: 43 characters).
SHARE_TOKEN_BYTES = 32


class DubbingError(Exception):
    """A request the session's state does not allow; `message` is meant for people."""

    def __init__(self, code: str, message: str, *, lines: list[int] | None = None):
        self.code = code
        self.message = message
        self.lines = lines or []
        super().__init__(message)


def scene_session_create(*, user: User, script: Script, actor: Actor) -> SceneSession:
    """A new session of `user` in `actor`'s role; the script needs two roles or more."""
    roles = selectors.script_roles(script=script)
    if not roles:
        raise DubbingError("not_dubbable", _("This scene needs at least two actors to dub."))
    if actor.pk not in {role.actor.pk for role in roles}:
        raise DubbingError("not_a_role", _("This actor has no lines in this scene."))
    return SceneSession.objects.create(user=user, script=script, actor=actor)


def _touch(session: SceneSession) -> None:
    session.updated_at = timezone.now()
    SceneSession.objects.filter(pk=session.pk).update(updated_at=session.updated_at)


def _role_line(session: SceneSession, line: Line) -> None:
    if line.script_id != session.script_id or line.actor_id != session.actor_id:
        raise DubbingError("not_in_role", _("This line is not one of your role's lines."))


def scene_take_create(
    *,
    session: SceneSession,
    line: Line,
    upload: "File[Any]",
    idempotency_key: str = "",
) -> tuple[Attempt, bool]:
    """A take of one of the role's lines: an Attempt queued for scoring like any other,
    linked to the session; (attempt, created). Raises DubbingError for a line outside the
    role and practice's RecordingRejected for a recording that cannot be scored."""
    _role_line(session, line)
    with transaction.atomic():
        attempt, created = attempt_create(
            user=session.user, line=line, upload=upload, idempotency_key=idempotency_key
        )
        if attempt.line_id != line.pk:
            # A reused Idempotency-Key of another line's take.
            raise DubbingError("idempotency_key_reused", _("This key was used for another line."))
        SceneTake.objects.get_or_create(
            attempt=attempt, defaults={"session": session, "line": line}
        )
        _touch(session)
    return attempt, created


def scene_take_choose(*, session: SceneSession, line: Line, job_id: UUID | str) -> SceneTake:
    """Make a scored take the one that goes into the reel for its line."""
    _role_line(session, line)
    with transaction.atomic():
        take = (
            SceneTake.objects.select_for_update()
            .select_related("attempt")
            .filter(session=session, line=line, attempt__job_id=job_id)
            .first()
        )
        if take is None:
            raise DubbingError("unknown_take", _("No take with this id for this line."))
        if take.attempt.status != AttemptStatus.COMPLETED:
            raise DubbingError("take_not_scored", _("Only a scored take can go into the reel."))
        SceneTake.objects.filter(session=session, line=line, chosen=True).exclude(
            pk=take.pk
        ).update(chosen=False)
        if not take.chosen:
            take.chosen = True
            take.save(update_fields=["chosen"])
        _touch(session)
    return take


def _publish_on_commit(reel: Reel, session: SceneSession) -> None:
    session_id = session.public_id
    transaction.on_commit(lambda: publish_reel(reel, session_id=session_id))


# A reel queued or building without news for this long lost its worker: a new request
# builds it again (seconds; a 30 s scene builds in about one).
REEL_STALE_SECONDS = 300


def _needs_build(reel: Reel, now: datetime) -> bool:
    if reel.status == ReelStatus.FAILED:
        return True
    stale = (now - reel.updated_at).total_seconds() > REEL_STALE_SECONDS
    return not reel.is_final and stale


def reel_request(*, session: SceneSession) -> tuple[Reel, bool]:
    """Queue the reel of the takes chosen now (the newest scored take of a line nobody
    chose); (reel, queued). A reel already built or being built from the same takes is
    returned as it is. Raises DubbingError when a role line has no scored take."""
    with transaction.atomic():
        # One request at a time per session: a double click queues one build.
        SceneSession.objects.select_for_update().filter(pk=session.pk).first()
        lines = selectors.session_lines(session=session)
        missing = selectors.session_missing_lines(lines)
        if missing:
            raise DubbingError(
                "takes_missing",
                _("Every line of your role needs a scored take first."),
                lines=[line.pk for line in missing],
            )
        takes = selectors.reel_takes(lines)
        reel = Reel.objects.select_for_update().filter(session=session).first()
        now = timezone.now()
        if reel is not None and reel.takes == takes and not _needs_build(reel, now):
            return reel, False
        # What is built is what the page shows as chosen.
        for entry in lines:
            if entry.is_role and entry.chosen is not None:
                SceneTake.objects.filter(session=session, line=entry.line, chosen=True).exclude(
                    attempt=entry.chosen
                ).update(chosen=False)
                SceneTake.objects.filter(attempt=entry.chosen).update(chosen=True)
        if reel is None:
            reel = Reel(session=session)
        else:
            _delete_files(reel)
            reel.job_id = Reel._meta.get_field("job_id").get_default()
        reel.takes = takes
        reel.status = ReelStatus.QUEUED
        reel.stage = "queued"
        reel.progress = 0
        reel.tries = 0
        reel.error_message = ""
        reel.duration = reel.build_seconds = reel.finished_at = None
        reel.subtitles_srt = reel.subtitles_vtt = ""
        reel.requested_at = now
        reel.save()
        _touch(session)
        _publish_on_commit(reel, session)
        reel_id = reel.pk
        transaction.on_commit(lambda: reel_queued.send(sender=Reel, reel_id=reel_id))
    return reel, True


def reel_start(*, reel_id: int) -> Reel | None:
    """Claim a reel for building; None when gone or already final (a redelivered job)."""
    with transaction.atomic():
        reel = (
            Reel.objects.select_for_update()
            .select_related("session", "session__script", "session__actor")
            .filter(pk=reel_id)
            .first()
        )
        if reel is None or reel.is_final:
            return None
        reel.status = ReelStatus.RUNNING
        reel.stage = "takes"
        reel.progress = max(reel.progress, 1)
        reel.tries += 1
        reel.save(update_fields=["status", "stage", "progress", "tries", "updated_at"])
        _publish_on_commit(reel, reel.session)
    return reel


def reel_report_progress(*, reel: Reel, stage: str, progress: int) -> None:
    reel.stage = stage
    reel.progress = max(0, min(99, progress))
    Reel.objects.filter(pk=reel.pk, status=ReelStatus.RUNNING).update(
        stage=reel.stage, progress=reel.progress, updated_at=timezone.now()
    )
    publish_reel(reel, session_id=reel.session.public_id)


def reel_finish(
    *,
    reel: Reel,
    m4a: bytes,
    opus: bytes,
    srt: str,
    vtt: str,
    duration: float,
    build_seconds: float,
) -> Reel:
    """Store the built reel; it is ready. Files are saved before the row, so a reader
    never sees a ready reel without them."""
    name = f"{reel.job_id}"
    reel.audio_m4a.save(f"{name}.m4a", ContentFile(m4a), save=False)
    reel.audio_opus.save(f"{name}.opus", ContentFile(opus), save=False)
    with transaction.atomic():
        current = Reel.objects.select_for_update().filter(pk=reel.pk, job_id=reel.job_id).first()
        if current is None:  # deleted or re-requested while it was built
            reel.audio_m4a.delete(save=False)
            reel.audio_opus.delete(save=False)
            return reel
        reel.subtitles_srt = srt
        reel.subtitles_vtt = vtt
        reel.duration = duration
        reel.build_seconds = build_seconds
        reel.status = ReelStatus.READY
        reel.stage = "done"
        reel.progress = 100
        reel.error_message = ""
        reel.finished_at = timezone.now()
        reel.save()
        _publish_on_commit(reel, reel.session)
    return reel


def reel_fail(*, reel: Reel, message: str) -> Reel:
    with transaction.atomic():
        reel.status = ReelStatus.FAILED
        reel.error_message = message
        reel.finished_at = timezone.now()
        Reel.objects.filter(pk=reel.pk, job_id=reel.job_id).update(
            status=reel.status,
            error_message=message,
            finished_at=reel.finished_at,
            updated_at=reel.finished_at,
        )
        _publish_on_commit(reel, reel.session)
    return reel


def _delete_files(reel: Reel) -> None:
    for field in (reel.audio_m4a, reel.audio_opus):
        if field:
            try:
                field.delete(save=False)
            except OSError:  # already gone: nothing to keep
                logger.warning("reel file already gone", extra={"reel_id": reel.pk})


def reel_delete(*, reel: Reel) -> None:
    """Delete the reel, its files and its share links (which stop working at once)."""
    with transaction.atomic():
        Reel.objects.filter(pk=reel.pk).delete()
        _touch(reel.session)
        files = [f.name for f in (reel.audio_m4a, reel.audio_opus) if f.name]
        storage = reel.audio_m4a.storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)


def reel_share_create(*, reel: Reel, expires_at: datetime | None = None) -> ReelShare:
    """A new share link for a ready reel: an unguessable token, optionally expiring."""
    if reel.status != ReelStatus.READY:
        raise DubbingError("reel_not_ready", _("Only a finished reel can be shared."))
    if expires_at is not None and expires_at <= timezone.now():
        raise DubbingError("expired", _("The expiry must be in the future."))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return ReelShare.objects.create(
                    reel=reel, token=secrets.token_urlsafe(SHARE_TOKEN_BYTES), expires_at=expires_at
                )
        except IntegrityError:  # a token collision: astronomically unlikely, try again
            continue
    raise DubbingError("share_failed", _("Could not create a share link. Try again."))


def reel_share_revoke(*, share: ReelShare) -> ReelShare:
    """The link stops working; revoking twice keeps the first time."""
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        ReelShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
            revoked_at=share.revoked_at
        )
    return share
