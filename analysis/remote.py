"""Scoring on an external analysis server (ANALYSIS_BACKEND=remote).

The worker sends the job (recording URL, line text, reference URL, callback URL) to
TARGET_SERVER_URL; the server later POSTs the result to the webhook. Both directions are
signed the same way: `X-YouSync-Timestamp: <unix seconds>` and
`X-YouSync-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>`.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import cast

import requests
from django.conf import settings
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from analysis.engine.types import DetailedFeedback
from practice import services
from practice.models import Attempt

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-YouSync-Timestamp"
SIGNATURE_HEADER = "X-YouSync-Signature"


class RemoteAnalysisUnavailable(ConnectionError):
    """The analysis server could not take the job now (network, 5xx, 429): retry."""


class RemoteAnalysisRefused(Exception):
    """The analysis server refused the job (4xx): retrying will not help."""


class SignatureRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signed_headers(body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(settings.ANALYSIS_WEBHOOK_SECRET, timestamp, body),
    }


def verify_signature(
    *, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise SignatureRefused unless the request is signed with our secret and fresh."""
    secret = settings.ANALYSIS_WEBHOOK_SECRET
    if not secret:
        raise SignatureRefused("webhook_not_configured", "The analysis webhook is not enabled.")
    if not timestamp or not signature:
        raise SignatureRefused(
            "signature_missing", f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required."
        )
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise SignatureRefused("invalid_timestamp", "The timestamp is not a number.") from exc
    # Compare before looking at the age, so an unsigned request learns nothing about it.
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise SignatureRefused("invalid_signature", "The signature does not match.")
    now = now if now is not None else time.time()
    if abs(now - sent_at) > settings.ANALYSIS_WEBHOOK_TOLERANCE_SECONDS:
        raise SignatureRefused("stale_timestamp", "The request is too old or from the future.")


@dataclass(frozen=True)
class RemoteAssessment:
    """The remote result in the shape `attempt_finish` takes from the local engine."""

    pronunciation: float | None  # None: not assessed (a language without a phone model)
    intonation: float
    timing: float
    emotion: float
    overall: float
    detailed_feedback: DetailedFeedback
    warnings: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)


def remote_result_apply(*, job_id, result: dict) -> tuple[Attempt, bool] | None:
    """Finish or fail the attempt from a validated webhook body; (attempt, changed).

    None for an unknown job. A repeated delivery for a finished attempt changes nothing.
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("line", "line__script")
            .filter(job_id=job_id)
            .first()
        )
        if attempt is None:
            return None
        if attempt.is_final:
            return attempt, False
        if result["status"] == "failed":
            message = result.get("error") or "Something went wrong while scoring. Please try again."
            code = result.get("error_code") or "remote_failed"
            return services.attempt_fail(attempt=attempt, code=code, message=message), True
        assessment = RemoteAssessment(
            pronunciation=result["pronunciation_score"],
            intonation=result["intonation_score"],
            timing=result["timing_score"],
            emotion=result["emotion_score"],
            overall=result["overall_score"],
            # The engine's shape as the server sends it (docs/api.md); not checked here,
            # and read defensively (every reader uses .get).
            detailed_feedback=cast(DetailedFeedback, result.get("detailed_feedback") or {}),
            warnings=result.get("warnings") or [],
            stage_seconds=result.get("stage_seconds") or {},
        )
        return services.attempt_finish(attempt=attempt, assessment=assessment), True


def _public_url(file: FieldFile) -> str | None:
    """Presigned on S3; /media/... made absolute with ANALYSIS_CALLBACK_BASE_URL locally."""
    if not file:
        return None
    url = file.url
    if url.startswith("/"):
        url = settings.ANALYSIS_CALLBACK_BASE_URL + url
    return url


def remote_job(attempt: Attempt) -> dict:
    line = attempt.line
    return {
        "job_id": str(attempt.job_id),
        "audio_url": _public_url(attempt.recording),
        "text": line.text,
        "reference_url": _public_url(line.reference_audio),
        "kind": line.script.kind,
        "callback_url": settings.ANALYSIS_CALLBACK_BASE_URL
        + reverse("analysis-api:analysis-webhook"),
    }


def send_to_remote_analysis(attempt: Attempt) -> None:
    """POST the job to TARGET_SERVER_URL; the attempt stays running until the webhook.

    Raises RemoteAnalysisUnavailable (a ConnectionError, so the actor retries) for
    network errors, 5xx and 429, and RemoteAnalysisRefused for other refusals.
    """
    body = json.dumps(remote_job(attempt), separators=(",", ":")).encode()
    try:
        response = requests.post(
            settings.TARGET_SERVER_URL,
            data=body,
            headers=signed_headers(body),
            timeout=settings.ANALYSIS_REMOTE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise RemoteAnalysisUnavailable(f"analysis server unreachable: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RemoteAnalysisUnavailable(f"analysis server answered {response.status_code}")
    if response.status_code >= 400:
        raise RemoteAnalysisRefused(f"analysis server refused the job: {response.status_code}")
    logger.info("sent to remote analysis", extra={"attempt_id": attempt.id})
    services.attempt_report_progress(attempt=attempt, stage="scoring", progress=10)
