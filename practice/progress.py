"""The one progress publisher: every attempt state change goes out through here.

The WebSocket consumer and the SSE view subscribe to `attempt_group(job_id)`; the
message `type` names the consumer handler (`attempt.progress` -> `attempt_progress`).
"""

from practice.models import Attempt, AttemptStatus
from yousync.events import group_send

# The stages an attempt passes through, in order. The worker reports them: "reference"
# while the line's reference analysis is made, then the scoring engine's own stages
# (analysis/tests/test_stages.py keeps the two lists in step). The SSE stream orders
# events by them and the pages label them (practice.views.stage_labels).
STAGES = (
    "queued",
    "reference",
    "decode",
    "voice_activity",
    "alignment",
    "pronunciation",
    "intonation",
    "timing",
    "emotion",
    "feedback",
    "scoring",
    "done",
)


def attempt_group(job_id) -> str:
    return f"attempt.{job_id}"


def attempt_state(attempt: Attempt) -> dict:
    """The progress message of DESIGN.md; the final one carries scores or the error."""
    state = {
        "job_id": str(attempt.job_id),
        "status": attempt.status,
        "stage": attempt.stage,
        "progress": attempt.progress,
    }
    if attempt.status == AttemptStatus.COMPLETED:
        state["scores"] = {
            "pronunciation": attempt.pronunciation,
            "intonation": attempt.intonation,
            "timing": attempt.timing,
            "emotion": attempt.emotion,
            "overall": attempt.overall,
        }
    elif attempt.status == AttemptStatus.FAILED:
        state["error"] = attempt.error_message
        state["error_code"] = attempt.error_code
    return state


def publish_attempt(attempt: Attempt) -> None:
    group_send(
        attempt_group(attempt.job_id),
        {"type": "attempt.progress", "state": attempt_state(attempt)},
    )
