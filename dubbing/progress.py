"""The one reel-progress publisher, the same pattern as practice.progress: every state
change of a reel goes out through `publish_reel` to `reel_group(job_id)`; the message
`type` names the consumer handler (`reel.progress` -> `reel_progress`)."""

from typing import NotRequired, TypedDict

from dubbing.models import Reel, ReelStatus
from yousync.events import group_send

# The stages a reel passes through, in order (dubbing.building reports them).
STAGES = ("queued", "takes", "mix", "encode", "store", "done")


class ReelState(TypedDict):
    job_id: str
    session_id: str
    status: str
    stage: str
    progress: int
    duration: NotRequired[float | None]
    error: NotRequired[str]


def reel_group(job_id: object) -> str:
    return f"reel.{job_id}"


def reel_state(reel: Reel, *, session_id: object) -> ReelState:
    state: ReelState = {
        "job_id": str(reel.job_id),
        "session_id": str(session_id),
        "status": reel.status,
        "stage": reel.stage,
        "progress": reel.progress,
    }
    if reel.status == ReelStatus.READY:
        state["duration"] = reel.duration
    elif reel.status == ReelStatus.FAILED:
        state["error"] = reel.error_message
    return state


def publish_reel(reel: Reel, *, session_id: object) -> None:
    group_send(
        reel_group(reel.job_id),
        {"type": "reel.progress", "state": reel_state(reel, session_id=session_id)},
    )
