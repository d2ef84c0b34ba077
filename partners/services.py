"""Writes for the partner API: partners and keys, scoring jobs, usage, callbacks."""

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from analysis import engine
from analysis.engine.recording import REFERENCE_FORMAT
from analysis.remote import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from analysis.services import reference_analysis_for
from partners.keys import key_hash, new_key
from partners.models import (
    ApiKey,
    CallbackDelivery,
    DailyUsage,
    JobStatus,
    Partner,
    PartnerJob,
    Plan,
    Reference,
    Scope,
)
from partners.results import job_result
from partners.selectors import Quota, job_finished_cache_key, partner_quota
from practice.uploads import check_recording
from scripts import tts
from scripts.models import Line

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while scoring. Please try again."
# last_used_at is written at most this often per key (the request path stays read-only).
LAST_USED_EVERY_SECONDS = 300
# A synthetic reference analysis is kept this long per text (Festival takes ~1 s).
SYNTHETIC_REFERENCE_CACHE_SECONDS = 24 * 3600


class QuotaExceeded(Exception):
    def __init__(self, quota: Quota, needed: float) -> None:
        super().__init__("monthly audio quota exceeded")
        self.quota = quota
        self.needed = needed


class ReferenceUnavailable(Exception):
    """A text without a reference recording that no synthetic voice can read."""


class CallbackFailed(Exception):
    """The partner's callback URL did not take the result; the job retries it."""


# --- Partners and keys ------------------------------------------------------------------


def partner_create(
    *,
    name: str,
    plan: Plan,
    contact_name: str = "",
    contact_email: str = "",
    is_active: bool = True,
) -> Partner:
    return Partner.objects.create(
        name=name,
        plan=plan,
        contact_name=contact_name,
        contact_email=contact_email,
        is_active=is_active,
        callback_secret=secrets.token_hex(32),
    )


def partner_callback_secret_rotate(*, partner: Partner) -> Partner:
    partner.callback_secret = secrets.token_hex(32)
    partner.save(update_fields=["callback_secret"])
    return partner


def api_key_create(
    *,
    partner: Partner,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret: the only time the secret exists outside the client."""
    chosen = sorted(set(scopes))
    unknown = set(chosen) - set(Scope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    for _attempt in range(5):
        prefix, secret = new_key()
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    partner=partner,
                    name=name,
                    prefix=prefix,
                    key_hash=key_hash(secret),
                    scopes=chosen,
                    expires_at=expires_at,
                )
        except IntegrityError:  # a prefix taken already: 36^8 makes this rare
            continue
        return key, secret
    raise RuntimeError("could not find a free key prefix")


def api_key_rotate(*, key: ApiKey, now: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key with the same name and scopes; the old one keeps working for
    PARTNER_KEY_ROTATION_GRACE_HOURS (or until its own expiry, if sooner)."""
    now = now or timezone.now()
    with transaction.atomic():
        new, secret = api_key_create(
            partner=key.partner, name=key.name, scopes=key.scopes, expires_at=key.expires_at
        )
        grace_end = now + timedelta(hours=settings.PARTNER_KEY_ROTATION_GRACE_HOURS)
        key.expires_at = min(grace_end, key.expires_at) if key.expires_at else grace_end
        key.replaced_by = new
        key.save(update_fields=["expires_at", "replaced_by"])
    return new, secret


def api_key_revoke(*, key: ApiKey, now: datetime | None = None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = now or timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_touch(*, key: ApiKey, now: datetime | None = None) -> None:
    """Record that the key was used, at most once per LAST_USED_EVERY_SECONDS."""
    if cache.add(f"partners:key-used:{key.pk}", 1, LAST_USED_EVERY_SECONDS):
        now = now or timezone.now()
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


# --- Usage ------------------------------------------------------------------------------


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _usage_add(*, key: ApiKey, day: date | None = None, **amounts: float) -> None:
    """Add to the key's row of the day (made on first use), atomically in the database."""
    day = day or _today()
    rows = DailyUsage.objects.filter(key=key, day=day)
    if rows.update(**{name: F(name) + value for name, value in amounts.items()}):
        return
    try:
        with transaction.atomic():
            DailyUsage.objects.create(partner_id=key.partner_id, key=key, day=day, **amounts)
    except IntegrityError:  # made meanwhile by another request
        rows.update(**{name: F(name) + value for name, value in amounts.items()})


def usage_count_request(*, key: ApiKey, error: bool) -> None:
    _usage_add(key=key, requests=1, errors=1 if error else 0)


# --- Scoring jobs -----------------------------------------------------------------------


def synthetic_reference_available(text: str, language: str) -> bool:
    return language == "en" and tts.can_speak(text) and tts.available()


def partner_job_create(
    *,
    key: ApiKey,
    upload: "File[Any]",
    line: Line | None,
    text: str,
    language: str,
    feedback_language: str,
    reference_upload: "File[Any] | None" = None,
    callback_url: str = "",
    idempotency_key: str = "",
) -> tuple[PartnerJob, bool]:
    """Check and store the audio and queue nothing (the caller sends the job after the
    commit); (job, created). A repeated idempotency key returns the first job.

    Raises RecordingRejected, QuotaExceeded, ReferenceUnavailable."""
    partner = key.partner
    idempotency_key = idempotency_key[:64]
    if idempotency_key:
        existing = PartnerJob.objects.filter(
            partner=partner, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing, False
    limits = {
        "max_seconds": settings.PARTNER_MAX_AUDIO_SECONDS,
        "max_bytes": settings.PARTNER_MAX_UPLOAD_BYTES,
    }
    checked = check_recording(upload, **limits)
    checked_reference = check_recording(reference_upload, **limits) if reference_upload else None
    if line is not None:
        text, language, kind = line.text, line.script.language, line.script.kind
    else:
        language = language or engine.language_of(text)
        kind = "movie"
    if checked_reference is not None:
        reference = Reference.RECORDING
    elif line is not None:
        reference = Reference.ACTOR
    elif synthetic_reference_available(text, language):
        reference = Reference.SYNTHETIC
    else:
        raise ReferenceUnavailable(language)
    quota = partner_quota(partner=partner)
    if checked.duration > quota.limit - quota.used - quota.pending:
        raise QuotaExceeded(quota, checked.duration)
    try:
        with transaction.atomic():
            job = PartnerJob(
                partner=partner,
                key=key,
                line=line,
                text=text,
                language=language,
                kind=kind,
                reference=reference,
                feedback_language=feedback_language,
                content_type=checked.content_type,
                audio_seconds=checked.duration,
                callback_url=callback_url,
                idempotency_key=idempotency_key,
            )
            job.audio.save(f"{job.job_id}.{checked.extension}", upload, save=False)
            if reference_upload is not None and checked_reference is not None:
                job.reference_audio.save(
                    f"{job.job_id}-reference.{checked_reference.extension}",
                    reference_upload,
                    save=False,
                )
            job.save()
    except IntegrityError:
        if not idempotency_key:
            raise
        return PartnerJob.objects.get(partner=partner, idempotency_key=idempotency_key), False
    return job, True


def partner_job_start(*, job_pk: int) -> PartnerJob | None:
    """Claim a job for scoring; None when gone or already finished."""
    with transaction.atomic():
        job = (
            # Only the job's row: the line is a nullable join, which FOR UPDATE cannot lock.
            PartnerJob.objects.select_for_update(of=("self",))
            .select_related("partner__plan", "key", "line__script")
            .filter(pk=job_pk)
            .first()
        )
        if job is None or job.is_final:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    return job


def _synthetic_reference(text: str, language: str) -> dict[str, Any]:
    digest = hashlib.sha256(f"{REFERENCE_FORMAT}|{language}|{text}".encode()).hexdigest()
    cache_key = f"partners:synthetic-reference:{digest}"
    cached = cache.get(cache_key)
    if isinstance(cached, dict):
        return cached
    speech = tts.speak([text])[0]
    data = engine.analyse_reference(speech.normal_wav, text, "movie", language=language)
    cache.set(cache_key, data, SYNTHETIC_REFERENCE_CACHE_SECONDS)
    return data


def _reference_analysis(job: PartnerJob) -> dict[str, Any]:
    if job.reference == Reference.RECORDING:
        with job.reference_audio.open("rb") as handle:
            return engine.analyse_reference(
                handle.read(), job.text, job.kind, language=job.language
            )
    if job.reference == Reference.ACTOR and job.line is not None:
        return reference_analysis_for(job.line)
    return _synthetic_reference(job.text, job.language)


def partner_job_score(*, job: PartnerJob) -> PartnerJob:
    """Run the engine on a claimed job and finish it; an unscorable take fails it.
    Storage, network and database errors propagate (the actor retries them)."""
    try:
        reference = _reference_analysis(job)
        with job.audio.open("rb") as handle:
            recording = handle.read()
        assessment = engine.assess(
            None,
            recording,
            job.text,
            job.kind,
            reference_analysis=reference,
            max_seconds=settings.PARTNER_MAX_AUDIO_SECONDS,
            language=job.language,
            reference_voice=job.reference,
        )
    except engine.EngineError as exc:
        return partner_job_fail(job=job, code=exc.code, message=exc.message_en)
    except tts.TTSError as exc:
        logger.error("synthetic reference failed: %s", exc, extra={"job_id": str(job.job_id)})
        return partner_job_fail(
            job=job,
            code="reference_unavailable",
            message="The synthetic reference voice failed; send a reference recording.",
        )
    now = timezone.now()
    with transaction.atomic():
        job.pronunciation = assessment.pronunciation
        job.intonation = assessment.intonation
        job.timing = assessment.timing
        job.emotion = assessment.emotion
        job.overall = assessment.overall
        job.detailed_feedback = {
            **cast(dict[str, Any], assessment.detailed_feedback),
            "stage_seconds": assessment.stage_seconds,
        }
        _finish(job, status=JobStatus.COMPLETED, now=now)
        _usage_add(
            key=job.key,
            day=now.astimezone(UTC).date(),
            assessments=1,
            audio_seconds=job.audio_seconds,
        )
    return job


def partner_job_fail(*, job: PartnerJob, code: str, message: str) -> PartnerJob:
    now = timezone.now()
    with transaction.atomic():
        job.error_code = code[:64]
        job.error_message = message
        _finish(job, status=JobStatus.FAILED, now=now)
        _usage_add(key=job.key, day=now.astimezone(UTC).date(), errors=1)
    return job


def _finish(job: PartnerJob, *, status: str, now: datetime) -> None:
    job.status = status
    job.finished_at = now
    job.latency_ms = max(0, round((now - job.created_at).total_seconds() * 1000))
    days = job.partner.plan.audio_retention_days
    job.audio_delete_after = now + timedelta(days=days)
    job.save()
    if days == 0:
        transaction.on_commit(lambda: partner_job_audio_delete(job=job))
    # Last: tells a request waiting for this job (selectors.partner_job_wait) to read it.
    transaction.on_commit(lambda: cache.set(job_finished_cache_key(job.job_id), 1, 600))


def partner_job_audio_delete(*, job: PartnerJob) -> None:
    """Delete the job's recordings from storage; the scores and feedback stay."""
    for file in (job.audio, job.reference_audio):
        if file:
            file.delete(save=False)
    job.audio_deleted_at = timezone.now()
    job.save(update_fields=["audio", "reference_audio", "audio_deleted_at"])


def partner_audio_purge(*, now: datetime | None = None, limit: int = 500) -> int:
    """Delete the recordings whose plan's retention has run out; how many jobs."""
    now = now or timezone.now()
    due = PartnerJob.objects.filter(
        audio_delete_after__lte=now, audio_deleted_at__isnull=True
    ).order_by("audio_delete_after")[:limit]
    count = 0
    for job in due:
        partner_job_audio_delete(job=job)
        count += 1
    return count


# --- Callbacks --------------------------------------------------------------------------


def callback_body(job: PartnerJob) -> bytes:
    result = job_result(job)
    return json.dumps(result, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def partner_callback_deliver(*, job_pk: int) -> CallbackDelivery | None:
    """POST the finished job's result to its callback URL, signed with the partner's
    secret, and log the try. None when there is nothing (more) to deliver: no callback,
    not finished, or delivered already (a success is never repeated). Raises
    CallbackFailed after logging a failed try."""
    job = PartnerJob.objects.select_related("partner").filter(pk=job_pk).first()
    if job is None or not job.callback_url or not job.is_final:
        return None
    if job.deliveries.filter(delivered=True).exists():
        return None
    body = callback_body(job)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "YouSync-Callback/1.0",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(job.partner.callback_secret, timestamp, body),
    }
    status_code: int | None = None
    error = ""
    started = time.perf_counter()
    try:
        response = requests.post(
            job.callback_url,
            data=body,
            headers=headers,
            timeout=settings.PARTNER_CALLBACK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"answered {status_code}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
    delivery = CallbackDelivery.objects.create(
        job=job,
        attempt=job.deliveries.count() + 1,
        url=job.callback_url,
        status_code=status_code,
        error=error,
        delivered=not error,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    if error:
        raise CallbackFailed(error)
    return delivery
