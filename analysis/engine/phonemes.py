"""The phoneme recogniser and the canonical phones of a line, per language.

The recogniser is hama's CTC phoneme model (Apache-2.0, weights inside the PyPI
wheel, numpy only): 16 kHz audio in, log posteriors over 191 IPA tokens every
20 ms out. The same token inventory covers English and Korean.

Canonical phones: English words come from CMUdict (the copy inside the pocketsphinx
wheel) mapped ARPAbet -> IPA, and from hama's G2P for words CMUdict lacks. Korean
words come from hama's G2P (its Korean side applies the pronunciation rules:
liaison, tensification, nasalisation). A canonical position is a *set* of tokens
where the dictionary does not decide between them (see ``ctc``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import models
from .lexicon import Word

SAMPLE_RATE = 16_000
# The model subsamples a 160-sample STFT hop by two: one output frame per 320 samples.
FRAME_SECONDS = 0.02
MODEL_NAME = "hama-1.7.0 CTC phoneme recogniser"

# Languages with a phone model. Others are scored without pronunciation.
ASSESSED_LANGUAGES = ("en", "ko")

# ARPAbet -> accepted IPA tokens, the first one shown to the learner. Where American
# speech varies without being wrong, the position accepts each variant: AH is /ʌ/ or
# /ə/ (this CMUdict has no stress marks), AO is /ɔ/ or /ɑ/ (the cot-caught merger),
# T and D may be flapped (/ɾ/, "water").
ARPABET_IPA: dict[str, tuple[str, ...]] = {
    "AA": ("ɑ", "a"),
    "AE": ("æ",),
    "AH": ("ʌ", "ə"),
    "AO": ("ɔ", "ɑ"),
    "AW": ("aʊ",),
    "AY": ("aɪ",),
    "B": ("b",),
    "CH": ("t͡ʃ",),
    "D": ("d", "ɾ"),
    "DH": ("ð",),
    "EH": ("ɛ", "e"),
    "ER": ("ɚ", "ɝ", "ɜ"),
    "EY": ("eɪ", "e"),
    "F": ("f",),
    "G": ("g", "ɡ"),
    "HH": ("h",),
    "IH": ("ɪ",),
    "IY": ("i",),
    "JH": ("d͡ʒ",),
    "K": ("k",),
    "L": ("l", "ɫ"),
    "M": ("m",),
    "N": ("n",),
    "NG": ("ŋ",),
    "OW": ("oʊ", "o"),
    "OY": ("ɔɪ",),
    "P": ("p",),
    "R": ("ɹ",),
    "S": ("s",),
    "SH": ("ʃ",),
    "T": ("t", "ɾ"),
    "TH": ("θ",),
    "UH": ("ʊ",),
    "UW": ("u",),
    "V": ("v",),
    "W": ("w",),
    "Y": ("j",),
    "Z": ("z",),
    "ZH": ("ʒ",),
}
# Before /ɹ/ American English neutralises the tense/lax pairs ("here" is [hɪɹ]).
BEFORE_R: dict[str, tuple[str, ...]] = {
    "IY": ("i", "ɪ"),
    "IH": ("ɪ", "i"),
    "UW": ("u", "ʊ"),
    "UH": ("ʊ", "u"),
    "EH": ("ɛ", "e", "æ"),
    "EY": ("eɪ", "e", "ɛ"),
    "AO": ("ɔ", "ɑ", "o", "oʊ"),
}
# Function words whose weak form reduces the vowel to schwa ("to" is [tə]).
WEAK_FORMS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "but",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "him",
        "his",
        "i'm",
        "is",
        "just",
        "me",
        "my",
        "of",
        "or",
        "our",
        "she",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "them",
        "then",
        "there",
        "to",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
VOWELS = frozenset(
    [
        "a",
        "aɪ",
        "aʊ",
        "e",
        "eɪ",
        "i",
        "o",
        "oʊ",
        "u",
        "æ",
        "ɑ",
        "ɒ",
        "ɔ",
        "ɔɪ",
        "ə",
        "ɚ",
        "ɛ",
        "ɜ",
        "ɝ",
        "ɪ",
        "ʊ",
        "ʌ",
        "ɯ",
        "ɨ",
        "ja",
        "je",
        "jo",
        "ju",
        "jʌ",
        "wa",
        "we",
        "wi",
        "wʌ",
        "ɯi",
    ]
)

# Phones a learner says instead of the expected one. The alternatives a phone is
# judged against: comparing against every phone finds "better" explanations for
# correct speech everywhere; the confusions learners make are what is worth flagging.
# English: the contrasts Korean has no equivalent for (r/l, f/p, v/b, θ/s/t, ð/d/z,
# z/dʒ, vowel length and the æ/ɛ, ʌ/ɑ pairs) and nothing else: a first version also
# compared near neighbours (ɹ/w, s/ʃ, ɔ/oʊ, n/ŋ, ...), and they flagged accents and
# model noise more often than errors (held-out precision 0.61 against 0.70 without).
CONFUSIONS_EN: dict[str, tuple[str, ...]] = {
    "ɹ": ("l",),
    "l": ("ɹ",),
    "f": ("p",),
    "p": ("f",),
    "v": ("b",),
    "b": ("v",),
    "θ": ("s", "t"),
    "ð": ("d", "z"),
    "z": ("d͡ʒ",),
    "d͡ʒ": ("z",),
    "i": ("ɪ",),
    "ɪ": ("i",),
    "u": ("ʊ",),
    "ʊ": ("u",),
    "æ": ("ɛ",),
    "ɛ": ("æ",),
    "ʌ": ("ɑ",),
    "ɑ": ("ʌ",),
}
# Korean: the three-way stop contrast (plain, aspirated, tense) and the vowel pairs
# that learners and dialects merge.
_KO_SERIES = [
    ("g", "kʰ", "k͈"),
    ("d", "tʰ", "t͈"),
    ("b", "pʰ", "p͈"),
    ("t͡ɕ", "t͡ɕʰ", "t͡ɕ͈"),
    ("s", "s͈"),
]
CONFUSIONS_KO: dict[str, tuple[str, ...]] = {
    p: tuple(q for q in series if q != p) for series in _KO_SERIES for p in series
}
CONFUSIONS_KO |= {
    "k": ("kʰ", "k͈"),
    "t": ("tʰ", "t͈"),
    "p": ("pʰ", "p͈"),
    "ʌ": ("o",),
    "o": ("ʌ", "u"),
    "u": ("ɯ", "o"),
    "ɯ": ("u",),
    "e": ("ɛ",),
    "ɛ": ("e",),
    "l": ("ɾ", "n"),
    "ɾ": ("l",),
}
CONFUSIONS = {"en": CONFUSIONS_EN, "ko": CONFUSIONS_KO}
# The vowel Korean speakers add after a final consonant ("bed" -> [bɛdɯ]).
EPENTHETIC_VOWELS = ("ɯ", "ə", "ɨ")

Tokens = tuple[int, ...]
LogProbs = NDArray[np.float64]


@dataclass(frozen=True)
class CanonicalPhone:
    display: str  # the IPA shown to the learner
    tokens: Tokens  # accepted model tokens


@dataclass(frozen=True)
class CanonicalWord:
    index: int
    text: str
    phones: tuple[CanonicalPhone, ...]


def language_of(text: str) -> str:
    """The language a line's script suggests: Hangul -> ko, kana/CJK -> ja, else en."""
    for ch in text:
        if "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f":
            return "ko"
        if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff":
            return "ja"
    return "en"


def is_assessed(language: str) -> bool:
    return language in ASSESSED_LANGUAGES


def _load_asr() -> models.Guarded:
    import hama

    return models.Guarded(model=hama.ASRModel(), lock=threading.Lock())


def _load_g2p() -> models.Guarded:
    import hama

    return models.Guarded(model=hama.G2PModel(), lock=threading.Lock())


models.register("phoneme_asr", _load_asr)
models.register("g2p", _load_g2p)


@lru_cache(maxsize=1)
def inventory() -> dict[str, int]:
    """Token -> output index of the recogniser."""
    asr: Any = models.get("phoneme_asr").model
    return {token: i for i, token in enumerate(asr.decoder_tokens)}


def blank_id() -> int:
    return inventory()["<blank>"]


_NOT_SPEECH = ("<pad>", "<sos>", "<eos>", "<unk>", " ", "%", ",", "<wb>", "<blank>")


@lru_cache(maxsize=1)
def speech_tokens() -> Tokens:
    """Every token that is a sound: "any extra sound" is their summed posterior."""
    return tuple(i for name, i in inventory().items() if name not in _NOT_SPEECH)


def token_ids(names: tuple[str, ...]) -> Tokens:
    table = inventory()
    return tuple(table[n] for n in names if n in table)


def posteriors(samples: NDArray[np.float32]) -> LogProbs:
    """Per-frame log posteriors (frames x tokens), renormalised in float64."""
    guarded = models.get("phoneme_asr")
    asr: Any = guarded.model
    wav = np.ascontiguousarray(np.clip(samples, -1.0, 1.0), dtype=np.float32).reshape(1, -1)
    with guarded.lock:
        log_probs, lengths = asr.session.run(
            ["log_probs", "out_lengths"],
            {"waveform": wav, "waveform_lengths": np.array([wav.shape[1]], dtype=np.int64)},
        )
    frames = np.asarray(log_probs[0][: int(np.asarray(lengths).reshape(-1)[0])], dtype=np.float64)
    return frames - np.logaddexp.reduce(frames, axis=1, keepdims=True)


def g2p(word: str) -> tuple[str, ...]:
    """hama's G2P for one word (punctuation stripped first: it trips the model)."""
    clean = re.sub(r"[^\w']", "", unicodedata.normalize("NFKC", word)).strip("'_")
    return _g2p(clean) if clean else ()


# A worker sees the catalogue's words again and again; the cache is bounded all the same.
@lru_cache(maxsize=20_000)
def _g2p(clean: str) -> tuple[str, ...]:
    guarded = models.get("g2p")
    with guarded.lock:
        result = guarded.model(clean)
    table = inventory()
    return tuple(a.phoneme for a in result.alignments if a.phoneme in table)


def _english_phones(word: Word) -> tuple[CanonicalPhone, ...]:
    if word.source != "cmudict":
        # Not in CMUdict: hama's G2P beats espeak's letter-to-sound rules mapped to
        # ARPAbet; when it returns nothing usable, keep the lexicon's phones.
        ipa = g2p(word.key)
        if ipa:
            return tuple(CanonicalPhone(p, token_ids((p,))) for p in ipa)
    out = []
    weak = word.key in WEAK_FORMS
    for i, arpa in enumerate(word.phones):
        following = word.phones[i + 1] if i + 1 < len(word.phones) else ""
        names = BEFORE_R.get(arpa, ARPABET_IPA[arpa]) if following == "R" else ARPABET_IPA[arpa]
        if weak and names[0] in VOWELS:
            names = (*names, "ə", "ɪ")
        out.append(CanonicalPhone(names[0], token_ids(tuple(dict.fromkeys(names)))))
    return tuple(out)


def canonical(words: list[Word], language: str) -> list[CanonicalWord]:
    out = []
    for i, word in enumerate(words):
        if language == "en":
            phones = _english_phones(word)
        else:
            phones = tuple(CanonicalPhone(p, token_ids((p,))) for p in g2p(word.text))
        out.append(CanonicalWord(i, word.text, tuple(p for p in phones if p.tokens)))
    return out
