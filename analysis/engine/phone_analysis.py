"""What the phoneme model makes of one recording of a line, phone by phone.

For each canonical phone: its GOP (``ctc``) against the confusions of its language
(and which one came closest), against its deletion, and against any other sound.
For each word: how much more likely the utterance is with the word than without it
(is it there at all?), whether extra sounds follow it (an extra word), and for a
word-final consonant, whether an added vowel explains the audio better (the 'ㅡ'
Korean speakers add: "bed" -> [bɛdɯ]). Computed once for the actor's clip (cached
with the reference analysis) and once for each take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import ctc, phonemes
from .phonemes import CanonicalWord

# Alternatives are compared on log-likelihood of the whole utterance, in nats.
# A GOP is capped at both ends: beyond +/-30 nats the model is certain either way,
# and capping keeps one absurd value from dominating a mean.
GOP_CAP = 30.0


@dataclass
class PhoneResult:
    phone: str  # canonical IPA (display)
    # nats: log P(expected) - log P(best substitution); < 0: the substitution wins.
    # GOP_CAP where the phone has no confusion to compare with.
    substitution: float
    heard: str | None  # that substitution's IPA (None: no confusion listed)
    deletion: float  # nats: log P(expected) - log P(phone left out)
    # nats: log P(expected) - log P(any other sound there): a different word, a sound
    # that is no listed confusion.
    other: float
    start: float  # seconds, on the best CTC path (coarse: CTC is peaky)
    end: float

    @property
    def gop(self) -> float:
        """Against the best alternative of either kind."""
        return min(self.substitution, self.deletion)


@dataclass
class WordResult:
    index: int
    text: str
    phones: list[PhoneResult] = field(default_factory=list)
    presence: float = GOP_CAP  # nats: log P(word said) - log P(word left out)
    epenthesis: float = GOP_CAP  # nats: log P(as written) - log P(vowel added at the end)
    # nats: log P(as written) - log P(extra sounds right after this word); and the same
    # for a vowel alone (an added vowel is epenthesis, not an extra word).
    extra_after: float = GOP_CAP
    vowel_after: float = GOP_CAP
    start: float = 0.0
    end: float = 0.0


@dataclass
class PhoneAnalysis:
    language: str
    words: list[WordResult]
    extra_before: float = GOP_CAP  # nats: extra sounds before the first word

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "extra_before": round(self.extra_before, 3),
            "words": [
                {
                    "index": w.index,
                    "text": w.text,
                    "presence": round(w.presence, 3),
                    "epenthesis": round(w.epenthesis, 3),
                    "extra_after": round(w.extra_after, 3),
                    "vowel_after": round(w.vowel_after, 3),
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "phones": [
                        [
                            p.phone,
                            round(p.substitution, 3),
                            p.heard,
                            round(p.deletion, 3),
                            round(p.other, 3),
                            round(p.start, 3),
                            round(p.end, 3),
                        ]
                        for p in w.phones
                    ],
                }
                for w in self.words
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhoneAnalysis:
        words = [
            WordResult(
                index=int(w["index"]),
                text=str(w["text"]),
                phones=[
                    PhoneResult(
                        str(p[0]),
                        float(p[1]),
                        p[2],
                        float(p[3]),
                        float(p[4]),
                        float(p[5]),
                        float(p[6]),
                    )
                    for p in w["phones"]
                ],
                presence=float(w["presence"]),
                epenthesis=float(w["epenthesis"]),
                extra_after=float(w["extra_after"]),
                vowel_after=float(w["vowel_after"]),
                start=float(w["start"]),
                end=float(w["end"]),
            )
            for w in data["words"]
        ]
        return cls(
            language=str(data["language"]), words=words, extra_before=float(data["extra_before"])
        )

    def shift(self, seconds: float) -> None:
        for w in self.words:
            w.start += seconds
            w.end += seconds
            for p in w.phones:
                p.start += seconds
                p.end += seconds


def _clip(value: float) -> float:
    return float(np.clip(value, -GOP_CAP, GOP_CAP))


def _substitutions(
    position: int, phone: phonemes.CanonicalPhone, confusions: dict[str, tuple[str, ...]]
) -> list[tuple[ctc.Alternative, str]]:
    alts: list[tuple[ctc.Alternative, str]] = []
    for name in confusions.get(phone.display, ()):
        tokens = phonemes.token_ids((name,))
        if tokens and not set(tokens) & set(phone.tokens):
            alts.append((ctc.Alternative("substitution", position, tokens), name))
    return alts


def _other(phone: phonemes.CanonicalPhone, anything: phonemes.Tokens) -> phonemes.Tokens:
    accepted = set(phone.tokens)
    return tuple(t for t in anything if t not in accepted)


def analyse_phones(
    samples: NDArray[np.float32], words: list[CanonicalWord], language: str
) -> PhoneAnalysis:
    log_probs = phonemes.posteriors(samples)
    labels = [p.tokens for w in words for p in w.phones]
    results = [WordResult(w.index, w.text) for w in words]
    if not labels or len(log_probs) < 2:
        return PhoneAnalysis(language, results)
    lat = ctc.lattice(log_probs, labels, phonemes.blank_id())
    spans = ctc.viterbi_spans(lat)
    confusions = phonemes.CONFUSIONS.get(language, {})
    epenthetic = phonemes.token_ids(phonemes.EPENTHETIC_VOWELS)
    anything = phonemes.speech_tokens()

    def loss(alt: ctc.Alternative) -> float:
        return _clip(lat.log_likelihood - ctc.alternative_log_likelihood(lat, log_probs, alt))

    position = 0
    for word, result in zip(words, results, strict=True):
        first = position
        for phone in word.phones:
            alts = _substitutions(position, phone, confusions)
            losses = [loss(a) for a, _ in alts]
            best = int(np.argmin(losses)) if losses else -1
            f0, f1 = spans[position]
            result.phones.append(
                PhoneResult(
                    phone.display,
                    losses[best] if losses else GOP_CAP,
                    alts[best][1] if losses else None,
                    loss(ctc.Alternative("deletion", position)),
                    loss(ctc.Alternative("substitution", position, _other(phone, anything))),
                    f0 * phonemes.FRAME_SECONDS,
                    (f1 + 1) * phonemes.FRAME_SECONDS,
                )
            )
            position += 1
        if position == first:
            continue
        result.presence = loss(ctc.Alternative("deletion", first, last=position - 1))
        result.extra_after = loss(ctc.Alternative("insertion", position - 1, anything))
        result.vowel_after = loss(ctc.Alternative("insertion", position - 1, epenthetic))
        if word.phones[-1].display not in phonemes.VOWELS:
            result.epenthesis = result.vowel_after
        result.start = result.phones[0].start
        result.end = max(result.phones[-1].end, result.start)
    extra_before = loss(ctc.Alternative("insertion", -1, anything))
    return PhoneAnalysis(language, results, extra_before)
