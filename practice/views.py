"""The practice page and the attempt result page. The page's JavaScript uploads through
the API (practice/api/views.py) with the session and its CSRF token."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import AuthenticatedHttpRequest
from practice import direct_upload
from practice.advice import all_failure_advice
from practice.listening import line_words, result_words
from practice.models import Attempt, Bookmark
from practice.routing import attempt_websocket_path
from practice.selectors import attempt_for_owner, attempt_list
from scripts.guide import guide_body
from scripts.models import Line
from scripts.selectors import line_detail, line_song


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
    guide = guide_body(line)
    recent = attempt_list(user=request.user, line_id=line.pk)[:5]
    context = {
        "line": line,
        "script": line.script,
        "recent_attempts": list(recent),
        "reference_words": _reference_words(line),
        # Song lines: {key, key_ko, start_note, start_midi, start_hz} (scripts.selectors.SongGuide).
        "song": line_song(line),
        # The guide voice (scripts.guide.GuideBody) or None; the page must say it is synthetic.
        "guide": guide,
        "listen_words": line_words(_reference_words(line), guide),
        "max_seconds": settings.MAX_RECORDING_SECONDS,
        "stage_labels": stage_labels(),
        "recorder_text": {
            "go": _("Go!"),
            "recording": _("Recording… speak now."),
            "recorded": _("Listen to your take, then score it or record again."),
            "uploading": _("Uploading…"),
            "scoring": _("Scoring your take…"),
            "uploadFailed": _("The upload failed. Check your connection and try again."),
            "signedOut": _("You were signed out or this page is out of date: reload it."),
            "throttled": _("That is a lot of takes in a short time. Try again in {seconds} s."),
            "tooLarge": _("This recording is too large. Record a shorter take."),
            "micDenied": _("We need your microphone to record. Allow it in the browser."),
            "unsupported": _("This browser cannot record audio. Try a recent Chrome or Safari."),
            "uploadProgress": _("Uploading… {percent}%"),
            "unusableTitle": _("This take cannot be scored"),
        },
    }
    context["failure_advice"] = all_failure_advice()
    context["direct_upload"] = direct_upload.direct_upload_available()
    context["bookmarked"] = Bookmark.objects.filter(user=request.user, line=line).exists()
    return render(request, "practice/practice.html", context)


def transcript(
    words: Sequence[Mapping[str, Any]] | None,
) -> list[tuple[Mapping[str, Any], int | None]]:
    """The result's words with their place among the line's words (`data-word`), which
    inserted sounds do not have."""
    out: list[tuple[Mapping[str, Any], int | None]] = []
    position = 0
    for word in words or []:
        if word.get("status") == "inserted":
            out.append((word, None))
        else:
            out.append((word, position))
            position += 1
    return out


def result_context(attempt: Attempt) -> dict[str, Any]:
    """What partials/result.html draws, wherever it is rendered."""
    feedback: Mapping[str, Any] = attempt.detailed_feedback or {}
    words = feedback.get("words")
    guide = guide_body(attempt.line)
    return {
        "attempt": attempt,
        "line": attempt.line,
        "guide": guide,
        "transcript": transcript(words),
        "listen_words": result_words(words, guide),
        # None once the recording expired (RECORDING_RETENTION_DAYS): scores stay, no audio.
        "take_url": attempt.recording.url if attempt.recording else None,
        "recording_retention_days": settings.RECORDING_RETENTION_DAYS,
    }


@login_required
@require_GET
def attempt_result(request: AuthenticatedHttpRequest, job_id) -> HttpResponse:
    """The result, server-rendered (works without JavaScript). `?fragment=1` returns just
    the result block, which the practice page inserts when scoring ends."""
    attempt = attempt_for_owner(user=request.user, job_id=job_id)
    if attempt is None:  # unknown and foreign ids look the same
        raise Http404
    context = {
        **result_context(attempt),
        "script": attempt.line.script,
        "stage_labels": stage_labels(),
        "websocket_url": attempt_websocket_path(attempt.job_id),
    }
    if request.GET.get("fragment"):
        return render(request, "practice/partials/result.html", context)
    return render(request, "practice/attempt.html", context)
