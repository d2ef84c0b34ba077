"""Pronunciation: each phone judged against the actor's own rendering of it.

Inputs are the phoneme model's GOPs (``phone_analysis``): for every canonical phone,
how many nats the whole utterance loses if the phone is replaced by its best
alternative (a confusion learners make, or a deletion). A negative GOP means the
alternative explains the audio better.

Raw GOPs carry the model's quirks: it hears some words of a perfectly good reading
as something else (a reduced vowel, an utterance-initial word), and a correct take
by another voice shows the same quirks. So a phone is judged *relative to the
actor*: the learner is expected to be at least about as clear as the actor was on
the same phone (``target``), and is flagged only when

* the alternative wins outright by more than ``ABSOLUTE_NATS`` (the model really
  hears something else: the absolute floor), and
* the learner is more than ``MARGIN_NATS`` below the target (the actor, on the same
  phone, was not just as unclear); where the model doubts the actor too (a negative
  reference GOP) the margin grows by that doubt.

The actor's clip scored against itself therefore never flags anything and every
phone scores at the top. The same rule, with its own constants, decides whether a
word was left out (word presence) and whether a vowel was added after a final
consonant (epenthesis). docs/scoring.md gives the calibration data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .align import Alignment
from .phone_analysis import GOP_CAP, PhoneAnalysis, PhoneResult, WordResult

# Phones (nats of whole-utterance log-likelihood, see phone_analysis): a substitution
ABSOLUTE_NATS = 1.5
MARGIN_NATS = 2.0
# ... and a deletion. CTC deletes a short phone cheaply (one emission fewer), and
# coarticulated speech drops sounds legitimately ("have to" [hæftə]): a phone is
# called missing only on much stronger evidence than a substitution needs.
DELETION_ABSOLUTE_NATS = 6.0
DELETION_MARGIN_NATS = 6.0
# ... and any other sound at all (a different word, a sound that is no listed
# confusion): the comparison that flags correct speech most readily. At the
# deletion's 6/6 it flagged 2.7 % of correct words (development, against 1.2 %) and
# cut word precision from 0.83 to 0.59, so it needs twice that: a different word
# loses 15-30 nats here.
OTHER_ABSOLUTE_NATS = 12.0
OTHER_MARGIN_NATS = 10.0
# Being clearer than this earns nothing more: a learner need not match an actor who
# is far above the model's doubt on a phone.
TARGET_CAP_NATS = 5.0
# The logistic width that turns "nats past the flag line" into a 0-100 phone score:
# on the line 50, half a nat inside it 73, 1.5 nats inside it (the least the actor
# against himself can be: the absolute floor when his GOP is 0) 95.
SCORE_SLOPE_NATS = 0.5
# Below the flag line, a phone still loses GRADE_POINTS_PER_NAT for each nat it is
# less clear than the actor (at most GRADE_MAX_NATS of them): closer to the actor
# scores higher, and the actor himself stays at 100.
GRADE_POINTS_PER_NAT = 2.0
GRADE_MAX_NATS = 5.0
# A word is left out when deleting all its phones explains the audio better by more
# than this, and the actor's rendering did not look just as doubtful.
OMIT_ABSOLUTE_NATS = 3.0
OMIT_MARGIN_NATS = 6.0
OMIT_CAP_NATS = 10.0
# An added vowel after a final consonant ('ㅡ' epenthesis).
EPENTHESIS_ABSOLUTE_NATS = 1.0
EPENTHESIS_MARGIN_NATS = 4.0
EPENTHESIS_CAP_NATS = 5.0
# Extra sounds between two words (or before the first, after the last): an extra word.
EXTRA_ABSOLUTE_NATS = 3.0
EXTRA_MARGIN_NATS = 6.0
EXTRA_CAP_NATS = 5.0
# ... unless a single vowel explains them nearly as well (that is an added vowel, not a
# word): "any sounds" must beat "one vowel" by this much.
EXTRA_BEYOND_VOWEL_NATS = 3.0
MISPRONOUNCED_BELOW = 50.0  # a phone scoring below this is flagged (evidence > 0)


@dataclass
class PhoneScore:
    phone: str
    score: float
    status: str  # ok, mispronounced, missing
    heard: str | None  # what the learner most likely said instead (None when ok)
    gop: float
    reference_gop: float


@dataclass
class WordScore:
    index: int
    text: str
    score: float | None
    status: str  # ok, mispronounced, omitted, not_assessed
    phones: list[PhoneScore] = field(default_factory=list)
    epenthesis: bool = False  # a vowel was added after the final consonant

    @property
    def phone_scores(self) -> list[tuple[str, float]]:
        return [(p.phone, p.score) for p in self.phones]


@dataclass
class PronunciationResult:
    score: float | None  # None: no phone model for the line's language
    words: list[WordScore]
    insertions: list[tuple[float, float, list[str]]]
    language: str = "en"


def evidence(value: float, reference: float, absolute: float, margin: float, cap: float) -> float:
    """Nats past the flag line (> 0: flagged). See the module docstring.

    Where the model prefers the alternative even on the actor's clip (a negative
    reference), its view of that phone is unreliable: the margin grows by as much.
    """
    target = min(reference, cap)
    doubt = max(0.0, -target)
    return min(-value - absolute, target - value - margin - doubt)


def _evidences(
    values: tuple[float, float, float], references: tuple[float, float, float]
) -> tuple[float, float, float]:
    """(substitution, deletion, other) evidence, each with its own constants."""
    rules = (
        (ABSOLUTE_NATS, MARGIN_NATS),
        (DELETION_ABSOLUTE_NATS, DELETION_MARGIN_NATS),
        (OTHER_ABSOLUTE_NATS, OTHER_MARGIN_NATS),
    )
    sub, dele, other = (
        evidence(v, r, absolute, margin, TARGET_CAP_NATS)
        for v, r, (absolute, margin) in zip(values, references, rules, strict=True)
    )
    return sub, dele, other


def phone_score(
    value: float,
    reference: float,
    deletion: float = GOP_CAP,
    reference_deletion: float = GOP_CAP,
    other: float = GOP_CAP,
    reference_other: float = GOP_CAP,
) -> float:
    """0-100 from the strongest of the substitution, deletion and other-sound evidence."""
    return _logistic(
        max(_evidences((value, deletion, other), (reference, reference_deletion, reference_other)))
    )


def _logistic(evidence: float) -> float:
    return 100.0 / (1.0 + math.exp(min(50.0, evidence / SCORE_SLOPE_NATS)))


def _phone(att: PhoneResult, ref: PhoneResult | None) -> PhoneScore:
    values = (att.substitution, att.deletion, att.other)
    cap = TARGET_CAP_NATS
    refs = (ref.substitution, ref.deletion, ref.other) if ref is not None else (cap, cap, cap)
    reference = min(refs[0], refs[1])
    shortfall = max(0.0, min(reference, TARGET_CAP_NATS) - att.gop)
    substituted, missing, other = _evidences(values, refs)
    score = min(
        _logistic(max(substituted, missing, other)),
        100.0 - GRADE_POINTS_PER_NAT * min(shortfall, GRADE_MAX_NATS),
    )
    if score >= MISPRONOUNCED_BELOW:
        return PhoneScore(att.phone, round(score, 1), "ok", None, att.gop, reference)
    if missing > 0 and (substituted <= 0 or att.deletion < att.substitution):
        return PhoneScore(att.phone, round(score, 1), "missing", None, att.gop, reference)
    # A listed confusion names what was heard; "any other sound" names nothing.
    heard = att.heard if substituted > 0 else None
    return PhoneScore(att.phone, round(score, 1), "mispronounced", heard, att.gop, reference)


def _omitted(att: WordResult, ref: WordResult | None) -> bool:
    reference = ref.presence if ref is not None else OMIT_CAP_NATS
    e = evidence(att.presence, reference, OMIT_ABSOLUTE_NATS, OMIT_MARGIN_NATS, OMIT_CAP_NATS)
    return e > 0


def _epenthesis(att: WordResult, ref: WordResult | None) -> bool:
    reference = ref.epenthesis if ref is not None else EPENTHESIS_CAP_NATS
    e = evidence(
        att.epenthesis,
        reference,
        EPENTHESIS_ABSOLUTE_NATS,
        EPENTHESIS_MARGIN_NATS,
        EPENTHESIS_CAP_NATS,
    )
    return e > 0


def _word(att: WordResult, ref: WordResult | None, aligned: bool | None) -> WordScore:
    if not att.phones:  # the G2P gave no phones (a symbol, a foreign script)
        return WordScore(att.index, att.text, None, "not_assessed")
    # A word is left out when the phone model says so and, where a word aligner ran
    # (``aligned`` is None where none did), it agrees: two models must doubt it.
    if not aligned and _omitted(att, ref):
        return WordScore(att.index, att.text, 0.0, "omitted")
    ref_phones = ref.phones if ref is not None and len(ref.phones) == len(att.phones) else None
    phones = [
        _phone(p, ref_phones[i] if ref_phones is not None else None)
        for i, p in enumerate(att.phones)
    ]
    values = np.array([p.score for p in phones])
    # A word is as good as its phones on average, but one badly wrong phone changes a
    # word ("ship" vs "sheep"), so the weakest phone weighs in too.
    score = float(0.7 * values.mean() + 0.3 * values.min())
    added = _epenthesis(att, ref)
    if added:
        score = min(score, 45.0)
    flagged = added or any(p.status != "ok" for p in phones)
    return WordScore(
        att.index,
        att.text,
        round(score, 1),
        "mispronounced" if flagged else "ok",
        phones,
        added,
    )


def _extra(value: float, reference: float, vowel: float | None = None) -> bool:
    """Extra sounds, more than an added vowel (``vowel``: None where none can be added)."""
    e = evidence(value, reference, EXTRA_ABSOLUTE_NATS, EXTRA_MARGIN_NATS, EXTRA_CAP_NATS)
    return e > 0 and (vowel is None or vowel - value >= EXTRA_BEYOND_VOWEL_NATS)


def _extra_words(
    reference: PhoneAnalysis | None, attempt: PhoneAnalysis, alignment: Alignment
) -> list[tuple[float, float, list[str]]]:
    """Gaps where extra sounds explain the take better, judged against the actor.

    Times are the gap between the neighbouring words on the phone model's path; the
    word aligner's garbage phones, where it found some there, name the sounds.
    """
    ref_words = {w.index: w for w in reference.words} if reference is not None else {}
    said = [w for w in attempt.words if w.phones]
    found: list[tuple[float, float]] = []
    ref_before = reference.extra_before if reference is not None else EXTRA_CAP_NATS
    if said and _extra(attempt.extra_before, ref_before):
        found.append((max(0.0, said[0].start - 0.5), said[0].start))
    for i, word in enumerate(said):
        ref = ref_words.get(word.index)
        if not _extra(
            word.extra_after, ref.extra_after if ref else EXTRA_CAP_NATS, word.vowel_after
        ):
            continue
        after = said[i + 1].start if i + 1 < len(said) else word.end + 0.5
        found.append((word.end, max(after, word.end)))
    out = []
    for start, end in found:
        phones = [
            p
            for ins in alignment.insertions
            if ins.end > start and ins.start < end
            for p in ins.phones
        ]
        out.append((start, end, phones))
    return out


def score_pronunciation(
    reference: PhoneAnalysis | None,
    attempt: PhoneAnalysis | None,
    alignment: Alignment,
    language: str,
    word_aligner: bool = True,
) -> PronunciationResult:
    """Judge every word of the take; ``alignment`` is the word aligner's view
    (``word_aligner`` False: the alignment came from the phone model itself).

    ``attempt`` is None when the language has no phone model: every word is then
    "not_assessed" and the score None.
    """
    if attempt is None:
        words = [WordScore(w.index, w.text, None, "not_assessed") for w in alignment.words]
        return PronunciationResult(None, words, [], language)
    ref_words = {w.index: w for w in reference.words} if reference is not None else {}
    present = {w.index: w.present for w in alignment.words}
    words = [
        _word(w, ref_words.get(w.index), present.get(w.index, False) if word_aligner else None)
        for w in attempt.words
    ]
    insertions = _extra_words(reference, attempt, alignment)
    scored = [w.score for w in words if w.score is not None]
    if not scored:
        return PronunciationResult(None, words, insertions, language)
    accuracy = float(np.mean(scored))
    # Each extra word dilutes the line like one more word scored 0 (Azure counts
    # insertions against completeness the same way).
    total = accuracy * len(scored) / (len(scored) + len(insertions))
    return PronunciationResult(round(total, 1), words, insertions, language)
