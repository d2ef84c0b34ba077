"""The scene pages: choose a role, dub the scene, the scene's results and reel, and the
shared reel (no account). The pages' JavaScript works through the API (dubbing/api/),
signed in by the session with its CSRF token, as the practice page does."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import AuthenticatedHttpRequest
from dubbing import presenting, selectors, services
from dubbing.models import SceneSession
from practice.views import stage_labels
from scripts import selectors as catalogue
from scripts.models import Line, Script


def _script_or_404(pk: int) -> Script:
    try:
        return catalogue.script_detail(pk=pk)
    except Script.DoesNotExist as exc:
        raise Http404 from exc


def _session_or_404(request: AuthenticatedHttpRequest, session_id: Any) -> SceneSession:
    session = selectors.scene_session_for_owner(user=request.user, public_id=session_id)
    if session is None:  # unknown and foreign ids look the same
        raise Http404
    return session


@require_GET
def scene_list(request: HttpRequest) -> HttpResponse:
    """Scenes that can be dubbed: published scripts with two roles or more."""
    scripts = selectors.dubbable_scripts()
    return render(request, "dubbing/scene_list.html", {"scripts": scripts})


@login_required
@require_http_methods(["GET", "POST"])
def roles(request: AuthenticatedHttpRequest, script_id: int) -> HttpResponse:
    script = _script_or_404(script_id)
    script_roles = selectors.script_roles(script=script)
    error = ""
    if request.method == "POST":
        actor = next(
            (r.actor for r in script_roles if str(r.actor.pk) == request.POST.get("actor_id")),
            None,
        )
        if actor is None:
            error = _("Choose one of the scene's roles.")
        else:
            try:
                session = services.scene_session_create(
                    user=request.user, script=script, actor=actor
                )
            except services.DubbingError as failure:
                error = failure.message
            else:
                return redirect("dubbing:session", session.public_id)
    context = {
        "script": script,
        "roles": script_roles,
        "sessions": list(selectors.scene_session_list(user=request.user, script_id=script.pk)),
        "error": error,
    }
    return render(request, "dubbing/roles.html", context, status=400 if error else 200)


def _clip_start(line: Line) -> float:
    """Where the line's clip starts on the scene's clock: an imported clip starts
    SCENE_IMPORT_CLIP_PAD_SECONDS before its line."""
    return max(0.0, line.start_time - settings.SCENE_IMPORT_CLIP_PAD_SECONDS)


def _scene_words(line: Line) -> list[dict[str, Any]]:
    """The actor's words on the scene's clock (the reference alignment is on the clip's)."""
    analysis = line.reference_analysis or {}
    words = (analysis.get("alignment") or {}).get("words") or []
    clip_start = _clip_start(line)
    return [
        {
            "text": word.get("text", ""),
            "start": round(clip_start + float(word["start"]), 3),
            "end": round(clip_start + float(word.get("end") or word["start"]), 3),
        }
        for word in words
        if word.get("start") is not None
    ]


def _scene_clips(lines: list[selectors.SessionLine]) -> dict[int, dict[str, Any]]:
    """For a scene without full audio: the other roles' clips and where each starts on the
    scene's clock, so the studio plays them around the learner's lines as the reel will."""
    return {
        entry.line.pk: {
            "url": entry.line.reference_audio.url,
            "start": round(_clip_start(entry.line), 3),
        }
        for entry in lines
        if not entry.is_role and entry.line.reference_audio
    }


def page_text() -> dict[str, str]:
    """The scene pages' JavaScript strings, translated."""
    return {
        "countIn": _("Get ready…"),
        "recording": _("Your line: speak now."),
        "listening": _("Listen…"),
        "stopped": _("Stopped."),
        "uploading": _("Uploading your take…"),
        "scoring": _("Scoring…"),
        "scored": _("Scored {score}"),
        "seeTake": _("See this take"),
        "failed": _("This take could not be scored: {error}"),
        "uploadFailed": _("The upload failed. Check your connection and try again."),
        "micDenied": _("We need your microphone to record. Allow it in the browser."),
        "unsupported": _("This browser cannot record audio. Try a recent Chrome or Safari."),
        "allDone": _("Every line has a take. Build your reel!"),
        "reelQueued": _("Waiting for a builder…"),
        "reelBuilding": _("Building your reel… {percent}%"),
        "reelReady": _("Your reel is ready."),
        "reelFailed": _("The reel could not be built: {error}"),
        "copied": _("Link copied."),
        "revoked": _("Revoked"),
        "confirmDelete": _("Delete this reel and its share links?"),
        "late": _("{seconds} s late"),
        "early": _("{seconds} s early"),
        "onTime": _("on time"),
    }


@login_required
@require_GET
def session_page(request: AuthenticatedHttpRequest, session_id: Any) -> HttpResponse:
    """The dubbing page: the scene plays, the learner records each of their lines."""
    session = _session_or_404(request, session_id)
    lines = selectors.session_lines(session=session)
    body = presenting.session_body(session, lines, request)
    words = {entry.line.pk: _scene_words(entry.line) for entry in lines if entry.is_role}
    scene_audio = session.script.scene_audio
    context = {
        "session": session,
        "script": session.script,
        "role": presenting.role_name(session.actor),
        "lines": lines,
        "body": body,
        "words": words,
        "scene_audio_url": scene_audio.url if scene_audio else "",
        "clips": {} if scene_audio else _scene_clips(lines),
        "clip_pad": settings.SCENE_IMPORT_CLIP_PAD_SECONDS,
        "max_seconds": settings.MAX_RECORDING_SECONDS,
        "page_text": page_text(),
        "stage_labels": stage_labels(),
    }
    return render(request, "dubbing/session.html", context)


@login_required
@require_GET
def result_page(request: AuthenticatedHttpRequest, session_id: Any) -> HttpResponse:
    """The scene's results: the reel with its subtitles, per-line scores, the scene score,
    the worst-synced line, share links."""
    session = _session_or_404(request, session_id)
    lines = selectors.session_lines(session=session)
    body = presenting.session_body(session, lines, request)
    score = selectors.session_scene_score(lines)
    reel = body["reel"]
    for line in body["lines"]:  # the take each row links to
        line["chosen_take"] = next((t for t in line["takes"] if t["chosen"]), None)
    worst = score.worst_synced
    shares = []
    if reel is not None:
        shares = [presenting.share_body(s) for s in selectors.reel_share_list(reel=session.reel)]
    context = {
        "session": session,
        "script": session.script,
        "role": presenting.role_name(session.actor),
        "lines": lines,
        "body": body,
        "reel": reel,
        "score": score,
        "worst": None
        if worst is None or worst.onset_offset is None
        else {
            "position": worst.position,
            "text": worst.text,
            "seconds": abs(worst.onset_offset),
            "late": worst.onset_offset > 0,
        },
        "body_lines": [entry.line for entry in lines],
        "shares": shares,
        "page_text": page_text(),
    }
    return render(request, "dubbing/result.html", context)


@require_GET
def shared_page(request: HttpRequest, token: str) -> HttpResponse:
    """A shared reel, for anyone with the link."""
    share = selectors.shared_reel(token=token)
    if share is None:
        raise Http404
    body = presenting.shared_reel_body(share, request)
    lines = list(
        catalogue.visible_lines()
        .filter(script_id=share.reel.session.script_id)
        .select_related("actor")
        .order_by("position")
    )
    response = render(request, "dubbing/shared.html", {"reel": body, "lines": lines})
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response["X-Robots-Tag"] = "noindex"
    return response
