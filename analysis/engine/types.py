"""The engine's result type and the shape of ``detailed_feedback``.

``detailed_feedback`` crosses into the database, the result page and the mobile
app, so its shape is written down here. Fields are only ever added (version 2 added
``language``, ``pronunciation`` and each word's ``phone_scores`` and ``issue``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NotRequired, TypedDict

FEEDBACK_VERSION = 2
ENGINE_VERSION = "2.0"


class Bilingual(TypedDict):
    en: str
    ko: str


class Tip(TypedDict):
    dimension: str
    en: str
    ko: str
    word: NotRequired[int]  # the word it is about (its index), so the page can play it


class KeyEstimate(TypedDict):
    name: str  # "A minor"
    name_ko: str  # "가단조"
    tonic: str  # "A", "Bb", "F#"
    mode: str  # major, minor
    confidence: float  # Pearson r of the sung-time histogram with the key's profile
    margin: float  # r of this key minus r of the runner-up
    runner_up: str


class SungNote(TypedDict):
    midi: int  # 64
    name: str  # "E4"
    hz: float  # the actor's own pitch on it
    start: float  # seconds into the reference clip
    end: float


class SongAnalysis(TypedDict):
    """``analyse_reference(...)["song"]`` for song lines (absent for speech)."""

    key: KeyEstimate | None
    key_reason: str | None  # why not: too_little_singing, too_few_notes, no_clear_key, ambiguous
    start_note: SungNote | None  # the first held note; None when no note is held
    tuning_cents: float  # how far the notes sit from A440 equal temperament
    notes: int  # held notes found
    # Seconds held on each pitch class, C first: the lines of one song can be added up
    # and given to song.estimate_key for the song's key.
    pitch_classes: list[float]


class PhoneFeedback(TypedDict):
    phone: str  # IPA
    score: float | None
    status: str  # ok, mispronounced, missing
    heard: str | None  # IPA of what the learner most likely said instead


class WordIssue(TypedDict):
    kind: str  # substitution, unclear (no listed confusion fits), deletion, epenthesis
    expected: str  # IPA
    heard: str | None
    en: str  # "/l/ instead of /ɹ/ in 'rain'"
    ko: str
    tip: Bilingual | None  # how to fix it, for the confusions Korean learners make


class WordFeedback(TypedDict):
    index: int | None  # None for an inserted (extra) word
    text: str
    start: float | None
    end: float | None
    ref_start: float | None
    ref_end: float | None
    score: float | None
    status: str  # ok, mispronounced, omitted, inserted, not_assessed
    phone_scores: NotRequired[list[PhoneFeedback]]
    issue: NotRequired[WordIssue | None]
    phones: NotRequired[list[str]]  # inserted words: the aligner's ARPAbet phones
    # Songs only: the learner's pitch minus the actor's on this word, semitones (octave-
    # folded, so in [-6, 6)), rounded to 0.1; None where either sang too little of it.
    pitch_offset: NotRequired[float | None]


class WeakPhone(TypedDict):
    phone: str
    score: float


class PronunciationInfo(TypedDict):
    assessed: bool
    reason: Bilingual | None  # why not, when not assessed
    model: str | None


class PitchFeedback(TypedDict):
    unit: str
    times: list[float | None]
    reference: list[float | None]
    attempt: list[float | None]
    correlation: float | None
    rms_semitones: float | None
    coverage: float
    segments: list[dict[str, Any]]


class LoudnessFeedback(TypedDict):
    unit: str
    times: list[float | None]
    reference: list[float | None]
    attempt: list[float | None]


class TimingFeedback(TypedDict):
    onset_offset: float
    duration_ratio: float
    pause_difference: float
    words: list[dict[str, Any]]
    components: dict[str, float]


class EmotionFeedback(TypedDict):
    reference: dict[str, float]
    attempt: dict[str, float]
    components: dict[str, float]


class DetailedFeedback(TypedDict):
    version: int
    kind: str
    language: str
    pronunciation: PronunciationInfo
    words: list[WordFeedback]
    phones: dict[str, list[WeakPhone]]  # weak words' phones by word index (version 1)
    pitch: PitchFeedback
    loudness: LoudnessFeedback
    timing: TimingFeedback
    emotion: EmotionFeedback
    tips: list[Tip]
    warnings: list[str]


class StoredFeedback(DetailedFeedback, total=False):
    """``Attempt.detailed_feedback`` as practice stores it: the engine's feedback plus the
    seconds each stage took. Rows written before version 2, or by a remote analysis
    server, may lack keys: readers use ``.get``."""

    stage_seconds: dict[str, float]


@dataclass
class Assessment:
    """Scores 0–100 (higher is better) plus the detailed feedback shown to the learner.

    ``pronunciation`` is None when the line's language has no phone model, ``emotion``
    when the reference is synthetic; the overall score is then weighted over the others.
    """

    pronunciation: float | None
    intonation: float
    timing: float
    emotion: float | None
    overall: float
    detailed_feedback: DetailedFeedback
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def scores(self) -> dict[str, float | None]:
        return {
            "pronunciation": self.pronunciation,
            "intonation": self.intonation,
            "timing": self.timing,
            "emotion": self.emotion,
            "overall": self.overall,
        }
