"""Dramatiq actors of the partner API: score a job, deliver its callback. Thin: ids in,
services do the work. Both run on the `default` queue, which every worker consumes
(`rundramatiq` takes every declared queue, `manage.py serve` too): scoring is what that
queue is for, and a callback is one bounded POST (PARTNER_CALLBACK_TIMEOUT_SECONDS)."""

import logging

import dramatiq
from django.conf import settings
from dramatiq.middleware import CurrentMessage, TimeLimitExceeded

from analysis.tasks import is_transient
from partners import services

logger = logging.getLogger(__name__)

# A job may be up to PARTNER_MAX_AUDIO_SECONDS long: allow for it beyond a learner's take.
JOB_TIME_LIMIT_SECONDS = max(
    settings.SCORING_TIME_LIMIT_SECONDS, 3 * settings.PARTNER_MAX_AUDIO_SECONDS
)


def _retries_left() -> bool:
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message else 0
    return retries < settings.SCORING_MAX_RETRIES


def send_callback(job_pk: int) -> None:
    # Backoff options on the message, read from the settings when it is sent.
    deliver_partner_callback.send_with_options(
        args=(job_pk,),
        min_backoff=settings.PARTNER_CALLBACK_MIN_BACKOFF_MS,
        max_backoff=settings.PARTNER_CALLBACK_MIN_BACKOFF_MS * 2**6,
    )


@dramatiq.actor(
    max_retries=settings.SCORING_MAX_RETRIES,
    min_backoff=500,
    max_backoff=10_000,
    time_limit=JOB_TIME_LIMIT_SECONDS * 1000,
    retry_when=lambda retries, exc: retries < settings.SCORING_MAX_RETRIES and is_transient(exc),
)
def score_partner_job(job_pk: int) -> None:
    job = services.partner_job_start(job_pk=job_pk)
    if job is None:  # gone, or a redelivered message for a finished job
        return
    try:
        job = services.partner_job_score(job=job)
    except TimeLimitExceeded:
        job = services.partner_job_fail(
            job=job, code="time_limit", message="Scoring took too long. Please try again."
        )
    except Exception as exc:
        if is_transient(exc) and _retries_left():
            logger.warning("transient failure, will retry", extra={"partner_job": job_pk})
            raise
        logger.exception("partner scoring failed", extra={"partner_job": job_pk})
        job = services.partner_job_fail(job=job, code="internal", message=services.GENERIC_FAILURE)
    if job.callback_url:
        send_callback(job.pk)


@dramatiq.actor(
    max_retries=settings.PARTNER_CALLBACK_MAX_RETRIES,
    time_limit=int(settings.PARTNER_CALLBACK_TIMEOUT_SECONDS * 1000) + 30_000,
    priority=10,  # behind scoring jobs sent at the same time
    retry_when=lambda retries, exc: (
        isinstance(exc, services.CallbackFailed) and retries < settings.PARTNER_CALLBACK_MAX_RETRIES
    ),
)
def deliver_partner_callback(job_pk: int) -> None:
    services.partner_callback_deliver(job_pk=job_pk)


@dramatiq.actor(max_retries=0, time_limit=300_000)
def purge_partner_audio() -> None:
    services.partner_audio_purge()
