"""The engine's result type."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FEEDBACK_VERSION = 1
ENGINE_VERSION = "1.0"


@dataclass
class Assessment:
    """Scores 0–100 (higher is better) plus the detailed feedback shown to the learner."""

    pronunciation: float
    intonation: float
    timing: float
    emotion: float
    overall: float
    detailed_feedback: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def scores(self) -> dict[str, float]:
        return {
            "pronunciation": self.pronunciation,
            "intonation": self.intonation,
            "timing": self.timing,
            "emotion": self.emotion,
            "overall": self.overall,
        }
