"""Dramatiq actors that run the scoring engine on attempts. Thin: ids in, services do it."""

import logging

import dramatiq
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import OperationalError
from dramatiq.middleware import CurrentMessage, TimeLimitExceeded

from analysis import engine
from analysis.remote import send_to_remote_analysis
from analysis.services import reference_analysis_for
from practice import services
from yousync.sentry import tag_job

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while scoring. Please try again."


def is_transient(exc: BaseException) -> bool:
    """Storage, network and database hiccups are worth a retry; bad audio is not."""
    if isinstance(exc, engine.EngineError | TimeLimitExceeded):
        return False
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or status == 429
    return isinstance(exc, BotoCoreError | OperationalError | ConnectionError | TimeoutError)


def _retries_left() -> bool:
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message else 0
    return retries < settings.SCORING_MAX_RETRIES


@dramatiq.actor(
    max_retries=settings.SCORING_MAX_RETRIES,
    min_backoff=500,
    max_backoff=10_000,
    time_limit=settings.SCORING_TIME_LIMIT_SECONDS * 1000,
    retry_when=lambda retries, exc: retries < settings.SCORING_MAX_RETRIES and is_transient(exc),
)
def score_attempt(attempt_id: int) -> None:
    attempt = services.attempt_start(attempt_id=attempt_id)
    if attempt is None:  # gone, or a redelivered message for a finished attempt
        return
    tag_job(attempt.job_id)  # on this job's error reports (yousync/sentry.py)
    line = attempt.line
    try:
        if settings.ANALYSIS_BACKEND == "remote":
            # The external server scores it and calls the webhook; it stays running till then.
            send_to_remote_analysis(attempt)
            return
        services.attempt_report_progress(attempt=attempt, stage="reference", progress=3)
        reference = reference_analysis_for(line)
        with attempt.recording.open("rb") as handle:
            recording = handle.read()
        assessment = engine.assess(
            None,
            recording,
            line.text,
            line.script.kind,
            progress=lambda stage, pct: services.attempt_report_progress(
                attempt=attempt, stage=stage, progress=pct
            ),
            reference_analysis=reference,
            max_seconds=settings.MAX_RECORDING_SECONDS,
            language=line.script.language,
        )
    except engine.EngineError as exc:
        services.attempt_fail(attempt=attempt, code=exc.code, message=exc.message_en)
        return
    except TimeLimitExceeded:
        services.attempt_fail(attempt=attempt, code="time_limit", message=services.STALE_MESSAGE)
        return
    except Exception as exc:
        if is_transient(exc) and _retries_left():
            logger.warning("transient failure, will retry", extra={"attempt_id": attempt_id})
            raise
        logger.exception("scoring failed", extra={"attempt_id": attempt_id})
        services.attempt_fail(attempt=attempt, code="internal", message=GENERIC_FAILURE)
        return
    services.attempt_finish(attempt=attempt, assessment=assessment)


@dramatiq.actor(max_retries=0, time_limit=60_000)
def reap_stale_attempts() -> None:
    services.attempts_reap()
