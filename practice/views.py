"""The practice page, uploads (multipart or direct to S3) and the attempt result page."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import AuthenticatedHttpRequest, api_login_required
from practice import direct_upload
from practice.models import Attempt, Bookmark
from practice.progress import attempt_state
from practice.selectors import attempt_for_owner
from practice.services import attempt_create
from practice.uploads import RecordingRejected
from scripts.models import Line
from scripts.selectors import line_detail


def _visible_line(line_id: int) -> Line:
    try:
        return line_detail(pk=line_id)
    except Line.DoesNotExist as exc:
        raise Http404 from exc


def stage_labels() -> dict[str, str]:
    return {
        "queued": _("Waiting for a scorer…"),
        "reference": _("Preparing the actor's line…"),
        "decode": _("Reading your recording…"),
        "voice_activity": _("Finding your voice…"),
        "alignment": _("Matching the words…"),
        "pronunciation": _("Checking pronunciation…"),
        "intonation": _("Comparing intonation…"),
        "timing": _("Checking timing…"),
        "emotion": _("Comparing expression…"),
        "feedback": _("Writing your tips…"),
        "done": _("Done"),
        "scoring": _("Scoring…"),
    }


def _error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _accepted(attempt) -> JsonResponse:
    return JsonResponse(
        {
            **attempt_state(attempt),
            "result_url": reverse("practice:attempt", args=[attempt.job_id]),
            "websocket": f"/ws/attempts/{attempt.job_id}/",
        },
        status=202,
    )


def _reference_words(line: Line) -> list[dict]:
    """The actor's word timings, when the reference has been analysed, so the page can
    light up each word on the actor's beat while the learner records."""
    analysis = line.reference_analysis or {}
    words = (analysis.get("alignment") or {}).get("words") or []
    return [
        {"text": w.get("text", ""), "start": w.get("start"), "end": w.get("end")}
        for w in words
        if w.get("start") is not None
    ]


@login_required
@require_GET
def practice_line(request: AuthenticatedHttpRequest, line_id: int) -> HttpResponse:
    line = _visible_line(line_id)
    recent = Attempt.objects.filter(user=request.user, line=line).order_by("-created_at")[:5]
    context = {
        "line": line,
        "script": line.script,
        "recent_attempts": list(recent),
        "reference_words": _reference_words(line),
        "max_seconds": settings.MAX_RECORDING_SECONDS,
        "stage_labels": stage_labels(),
        "recorder_text": {
            "go": _("Go!"),
            "recording": _("Recording… speak now."),
            "recorded": _("Listen to your take, then score it or record again."),
            "uploading": _("Uploading…"),
            "scoring": _("Scoring your take…"),
            "uploadFailed": _("The upload failed. Check your connection and try again."),
            "micDenied": _("We need your microphone to record. Allow it in the browser."),
            "unsupported": _("This browser cannot record audio. Try a recent Chrome or Safari."),
        },
    }
    context["direct_upload"] = direct_upload.direct_upload_available()
    context["bookmarked"] = Bookmark.objects.filter(user=request.user, line=line).exists()
    return render(request, "practice/practice.html", context)


@api_login_required
@require_POST
def upload_recording(request: AuthenticatedHttpRequest, line_id: int) -> JsonResponse:
    """Multipart `audio_file` -> 202 {job_id, status, ...}; scoring runs in a worker."""
    try:
        line = line_detail(pk=line_id)
    except Line.DoesNotExist:
        return _error(_("This line does not exist."), "not_found", 404)
    upload = request.FILES.get("audio_file")
    if upload is None:
        return _error(_("Attach the recording as 'audio_file'."), "missing_file", 400)
    key = request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key", "")
    try:
        attempt, _created = attempt_create(
            user=request.user, line=line, upload=upload, idempotency_key=key
        )
    except RecordingRejected as rejected:
        return _error(rejected.message, rejected.code, rejected.status)
    return _accepted(attempt)


@api_login_required
@require_POST
def direct_upload_offer(request: AuthenticatedHttpRequest, line_id: int) -> JsonResponse:
    """A presigned POST straight to S3 (bounded in size and type by its policy)."""
    try:
        line = line_detail(pk=line_id)
    except Line.DoesNotExist:
        return _error(_("This line does not exist."), "not_found", 404)
    if not direct_upload.direct_upload_available():
        return _error(
            _("Direct uploads need S3 storage; upload the file instead."), "not_available", 409
        )
    return JsonResponse(direct_upload.direct_upload_offer(user=request.user, line=line))


@api_login_required
@require_POST
def direct_upload_confirm(request: AuthenticatedHttpRequest, job_id) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    token = body.get("upload_token") or request.POST.get("upload_token", "")
    if not isinstance(token, str) or not token:
        return _error(_("upload_token is required."), "missing_token", 400)
    try:
        attempt, _created = direct_upload.direct_upload_confirm(
            user=request.user, job_id=job_id, upload_token=token
        )
    except RecordingRejected as rejected:
        return _error(rejected.message, rejected.code, rejected.status)
    except Line.DoesNotExist:
        return _error(_("This line does not exist."), "not_found", 404)
    return _accepted(attempt)


@login_required
@require_GET
def attempt_result(request: AuthenticatedHttpRequest, job_id) -> HttpResponse:
    """The result, server-rendered (works without JavaScript). `?fragment=1` returns just
    the result block, which the practice page inserts when scoring ends."""
    attempt = attempt_for_owner(user=request.user, job_id=job_id)
    if attempt is None:  # unknown and foreign ids look the same
        raise Http404
    context = {
        "attempt": attempt,
        "line": attempt.line,
        "script": attempt.line.script,
        "stage_labels": stage_labels(),
    }
    if request.GET.get("fragment"):
        return render(request, "practice/partials/result.html", context)
    return render(request, "practice/attempt.html", context)
