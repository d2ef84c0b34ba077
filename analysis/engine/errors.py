"""Errors the engine raises for recordings it cannot score.

Each carries a stable ``code`` for programs and a message a learner understands, in
English and Korean, so the caller never has to translate an exception text.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base class: the recording cannot be scored, and retrying will not help."""

    code = "engine_error"
    message_en = "We could not score this recording."
    message_ko = "이 녹음을 채점할 수 없습니다."

    def __init__(self, detail: str = "", **context: object) -> None:
        self.detail = detail
        self.context = context
        super().__init__(detail or self.message_en)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": {"en": self.message_en, "ko": self.message_ko},
            "detail": self.detail,
            **{k: v for k, v in self.context.items() if isinstance(v, int | float | str)},
        }


class UndecodableAudioError(EngineError):
    code = "undecodable_audio"
    message_en = "We could not read this audio file. Please record again."
    message_ko = "오디오 파일을 읽을 수 없습니다. 다시 녹음해 주세요."


class NoSpeechError(EngineError):
    code = "no_speech"
    message_en = "We could not hear any speech. Check your microphone and record again."
    message_ko = "음성이 들리지 않습니다. 마이크를 확인하고 다시 녹음해 주세요."


class TooLittleSpeechError(EngineError):
    code = "too_little_speech"
    message_en = "The recording has too little speech to score. Please say the whole line."
    message_ko = "채점하기에 음성이 너무 짧습니다. 대사 전체를 말해 주세요."

    def __init__(self, detail: str = "", *, speech_seconds: float, minimum_seconds: float):
        super().__init__(detail, speech_seconds=speech_seconds, minimum_seconds=minimum_seconds)
        self.speech_seconds = speech_seconds
        self.minimum_seconds = minimum_seconds


class TooLongError(EngineError):
    code = "too_long"
    message_en = "The recording is too long. Please record only this line."
    message_ko = "녹음이 너무 깁니다. 이 대사만 녹음해 주세요."

    def __init__(self, detail: str = "", *, duration_seconds: float, limit_seconds: float):
        super().__init__(detail, duration_seconds=duration_seconds, limit_seconds=limit_seconds)
        self.duration_seconds = duration_seconds
        self.limit_seconds = limit_seconds


class EmptyTextError(EngineError):
    code = "empty_text"
    message_en = "This line has no words to compare against."
    message_ko = "비교할 대사 텍스트가 없습니다."


# Warnings do not stop scoring; they travel in Assessment.warnings.
WARNING_MESSAGES: dict[str, dict[str, str]] = {
    "clipping": {
        "en": "Your recording is distorted (too loud). Move a little away from the microphone.",
        "ko": "녹음이 찌그러졌습니다(너무 큼). 마이크에서 조금 떨어져 주세요.",
    },
    "reference_clipping": {
        "en": "The original clip is distorted; scores may be less precise.",
        "ko": "원본 클립이 찌그러져 점수가 덜 정확할 수 있습니다.",
    },
}
