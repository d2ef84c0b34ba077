"""The scene score: how well a whole dub went, from its chosen takes' scores.

A dub must fit the picture, so timing counts double: each line's dub score is the
weighted mean of its take's dimensions below, and the scene's is the mean over its lines.
A dimension the engine did not assess (pronunciation in some languages) is left out and
the other weights share its part.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Weights of a take's dimensions in its line's dub score (they sum to 1).
DUB_WEIGHTS: Mapping[str, float] = {
    "timing": 0.4,
    "pronunciation": 0.2,
    "intonation": 0.2,
    "emotion": 0.2,
}
# Within this many seconds of the actor's start, a line counts as in sync.
IN_SYNC_SECONDS = 0.05


@dataclass(frozen=True)
class LineScores:
    """One line's chosen take as scored: its dimensions (0-100, None when not assessed)
    and how far its voice started from the actor's (seconds, + = late)."""

    line_id: int
    position: int
    text: str
    scores: Mapping[str, float | None]
    onset_offset: float | None


@dataclass(frozen=True)
class SceneScore:
    score: int | None
    line_scores: dict[int, int]  # line id -> dub score
    worst_synced: LineScores | None


def dub_score(scores: Mapping[str, float | None]) -> float | None:
    weighted = [
        (DUB_WEIGHTS[name], value)
        for name in DUB_WEIGHTS
        if (value := scores.get(name)) is not None
    ]
    total = sum(weight for weight, _ in weighted)
    if not total:
        return None
    return sum(weight * value for weight, value in weighted) / total


def onset_offset(feedback: Mapping[str, Any] | None) -> float | None:
    """The take's start relative to the actor's (seconds, + = late), from its feedback."""
    timing = (feedback or {}).get("timing") or {}
    value = timing.get("onset_offset") if isinstance(timing, Mapping) else None
    return float(value) if isinstance(value, int | float) else None


def scene_score(lines: Sequence[LineScores]) -> SceneScore:
    per_line = {
        line.line_id: score for line in lines if (score := dub_score(line.scores)) is not None
    }
    overall = round(sum(per_line.values()) / len(per_line)) if per_line else None
    timed = [line for line in lines if line.onset_offset is not None]
    worst = max(timed, key=lambda line: abs(line.onset_offset or 0.0), default=None)
    if worst is not None and abs(worst.onset_offset or 0.0) < IN_SYNC_SECONDS:
        worst = None  # every line in sync: nothing to name
    return SceneScore(
        score=overall,
        line_scores={line_id: round(score) for line_id, score in per_line.items()},
        worst_synced=worst,
    )
