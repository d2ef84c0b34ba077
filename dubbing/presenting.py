"""The bodies the API answers and the pages draw, built once for both: a session with
its lines and takes, its reel, its share links."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dubbing import scoring, selectors
from dubbing.models import Reel, ReelShare, ReelStatus, SceneSession
from dubbing.routing import reel_websocket_path
from practice.models import Attempt
from scripts.api.serializers import file_url
from scripts.models import Actor

WorstSynced = dict[str, Any]


def actor_body(actor: Actor) -> dict[str, Any]:
    return {"id": actor.pk, "name": actor.name, "character_name": actor.character_name}


def role_name(actor: Actor) -> str:
    return actor.character_name or actor.name


def take_body(attempt: Attempt, *, chosen: bool) -> dict[str, Any]:
    return {
        "job_id": attempt.job_id,
        "status": attempt.status,
        "overall_score": attempt.overall,
        "timing_score": attempt.timing,
        "onset_offset": scoring.onset_offset(attempt.detailed_feedback),
        "chosen": chosen,
        "error": attempt.error_message,
        "created_at": attempt.created_at,
        "result_url": reverse("practice-api:analysis-result", args=[attempt.job_id]),
        "page_url": reverse("practice:attempt", args=[attempt.job_id]),
    }


def reel_body(
    reel: Reel, lines: list[selectors.SessionLine], request: HttpRequest | None
) -> dict[str, Any]:
    ready = reel.status == ReelStatus.READY
    session_id = reel.session.public_id
    return {
        "job_id": reel.job_id,
        "status": reel.status,
        "stage": reel.stage,
        "progress": reel.progress,
        "error": reel.error_message,
        "current": selectors.reel_is_current(reel, lines),
        "duration": reel.duration,
        "m4a_url": file_url(reel.audio_m4a, request) if ready else None,
        "opus_url": file_url(reel.audio_opus, request) if ready else None,
        "srt_url": reverse("dubbing-api:reel-srt", args=[session_id]) if ready else None,
        "vtt_url": reverse("dubbing-api:reel-vtt", args=[session_id]) if ready else None,
        "websocket_url": reel_websocket_path(reel.job_id),
        "requested_at": reel.requested_at,
        "finished_at": reel.finished_at,
    }


def _reel_of(session: SceneSession) -> Reel | None:
    try:
        return session.reel
    except Reel.DoesNotExist:
        return None


def session_summary(session: SceneSession) -> dict[str, Any]:
    reel = _reel_of(session)
    return {
        "id": session.public_id,
        "script_id": session.script_id,
        "script_title": session.script.title,
        "role": actor_body(session.actor),
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "reel_status": reel.status if reel else None,
        "url": reverse("dubbing-api:session", args=[session.public_id]),
    }


def worst_synced_body(score: scoring.SceneScore) -> WorstSynced | None:
    worst = score.worst_synced
    if worst is None or worst.onset_offset is None:
        return None
    return {"token_id": worst.line_id, "text": worst.text, "onset_offset": worst.onset_offset}


def session_body(
    session: SceneSession, lines: list[selectors.SessionLine], request: HttpRequest | None
) -> dict[str, Any]:
    score = selectors.session_scene_score(lines)
    reel = _reel_of(session)
    body = session_summary(session)
    body.update(
        {
            "lines": [
                {
                    "token_id": entry.line.pk,
                    "position": entry.line.position,
                    "text": entry.line.text,
                    "translation": entry.line.translation,
                    "speaker": role_name(entry.line.actor) if entry.line.actor else "",
                    "start_time": entry.line.start_time,
                    "end_time": entry.line.end_time,
                    "is_role": entry.is_role,
                    "dub_score": score.line_scores.get(entry.line.pk),
                    "takes": [take_body(take, chosen=take == entry.chosen) for take in entry.takes],
                    "upload_url": reverse(
                        "dubbing-api:take-upload", args=[session.public_id, entry.line.pk]
                    )
                    if entry.is_role
                    else None,
                }
                for entry in lines
            ],
            "missing_token_ids": [line.pk for line in selectors.session_missing_lines(lines)],
            "scene_score": score.score,
            "worst_synced": worst_synced_body(score),
            "reel": reel_body(reel, lines, request) if reel else None,
            "page_url": reverse("dubbing:session", args=[session.public_id]),
            "result_page_url": reverse("dubbing:result", args=[session.public_id]),
        }
    )
    return body


def share_body(share: ReelShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "url": reverse("dubbing:shared", args=[share.token]),
        "api_url": reverse("dubbing-api:shared-reel", args=[share.token]),
        "active": selectors.share_is_active(share),
        "created_at": share.created_at,
        "expires_at": share.expires_at,
        "revoked_at": share.revoked_at,
    }


def shared_reel_body(share: ReelShare, request: HttpRequest | None) -> dict[str, Any]:
    reel = share.reel
    session = reel.session
    return {
        "script_title": session.script.title,
        "work_title": session.script.work_title,
        "role": role_name(session.actor),
        "duration": reel.duration,
        "m4a_url": file_url(reel.audio_m4a, request),
        "opus_url": file_url(reel.audio_opus, request),
        "srt_url": reverse("dubbing-api:shared-srt", args=[share.token]),
        "vtt_url": reverse("dubbing-api:shared-vtt", args=[share.token]),
        "expires_at": share.expires_at,
    }
