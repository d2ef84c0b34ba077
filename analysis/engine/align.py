"""Forced word alignment with pocketsphinx (English).

Two passes over the same audio, each a few tens of milliseconds:

1. Word pass: a finite-state grammar of the expected words in order, where each word
   may be skipped (an omission) and a loop of "garbage" phone-words may sit between
   words (an insertion). Viterbi decides which explanation the audio supports.
2. Phone pass: pocketsphinx's second-pass state alignment of the words found, giving
   each phone its frames.

Pronunciation itself is judged by the phoneme model (``phone_analysis``); this
aligner is kept for what it measures better: word and phone boundaries (HMM state
alignment on 10 ms frames, where CTC's peaky 20 ms spans are coarse; see
docs/scoring.md), and extra words between the expected ones.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import models
from .lexicon import Word

FRAME_SECONDS = 0.01  # pocketsphinx's default 100 frames per second
# Prior probability that a learner skips a given word. Small: the acoustics must
# clearly favour skipping before a word is called omitted.
P_OMIT = 0.02
P_INSERT = 0.01
# Garbage phones: one per broad class (central vowel, close vowel, fricative, nasal,
# stop) is enough to absorb an extra word. On the benchmark, 5 phones found the same
# insertions and omissions as 11 or 21 at half and a quarter of the word-pass time.
GARBAGE_PHONES = ["AH", "IY", "S", "N", "T"]

_decoder_kwargs = {
    "loglevel": "FATAL",
    # Wide beams: with the strong grammar weight below, a narrow beam can prune the
    # right path after a run of omitted words and leave no hypothesis at all.
    "beam": 1e-150,
    "wbeam": 1e-150,
    "pbeam": 1e-150,
    # bestpath on would rebuild the result from a lattice and can give a phone
    # fewer frames than its HMM has states, which breaks the second pass.
    "bestpath": False,
    # Batch cepstral mean normalisation over the whole utterance. The default "live"
    # CMN carries its estimate over from the previous utterance, so a score would
    # depend on which take the decoder happened to process before.
    "cmn": "batch",
}
# Grammar weight. At pocketsphinx's default (6.5) the omission/insertion priors are
# negligible next to acoustic scores, and synthetic or accented speech falls into the
# garbage loop; 30 makes "skip a word" and "extra phones" cost what the priors say.
WORD_PASS_LW = 30.0


@dataclass
class Phone:
    phone: str
    start: float
    end: float
    gop: float = 0.0  # the phone model's GOP (nats), filled in by recording.analyse


@dataclass
class AlignedWord:
    index: int
    text: str
    key: str
    present: bool
    start: float = 0.0
    end: float = 0.0
    phones: list[Phone] = field(default_factory=list)


@dataclass
class Insertion:
    start: float
    end: float
    phones: list[str]


@dataclass
class Alignment:
    words: list[AlignedWord]
    insertions: list[Insertion]
    frame_seconds: float = FRAME_SECONDS

    def shift(self, seconds: float) -> None:
        """Move every time by ``seconds`` (alignment ran on a cropped excerpt)."""
        for w in self.words:
            w.start += seconds
            w.end += seconds
            for p in w.phones:
                p.start += seconds
                p.end += seconds
        for i in self.insertions:
            i.start += seconds
            i.end += seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": [
                {
                    "index": w.index,
                    "text": w.text,
                    "key": w.key,
                    "present": w.present,
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "phones": [
                        [p.phone, round(p.start, 3), round(p.end, 3), round(p.gop, 3)]
                        for p in w.phones
                    ],
                }
                for w in self.words
            ],
            "insertions": [
                {"start": round(i.start, 3), "end": round(i.end, 3), "phones": i.phones}
                for i in self.insertions
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alignment:
        words = [
            AlignedWord(
                index=w["index"],
                text=w["text"],
                key=w["key"],
                present=w["present"],
                start=w["start"],
                end=w["end"],
                phones=[Phone(p[0], p[1], p[2], p[3]) for p in w["phones"]],
            )
            for w in data["words"]
        ]
        ins = [Insertion(i["start"], i["end"], i["phones"]) for i in data["insertions"]]
        return cls(words=words, insertions=ins)


def _model_dir() -> str:
    from pocketsphinx import get_model_path

    return str(get_model_path())


def _load_word_decoder() -> models.Guarded:
    import pocketsphinx

    base = _model_dir()
    config = pocketsphinx.Config(
        hmm=os.path.join(base, "en-us", "en-us"),
        dict=os.path.join(base, "en-us", "cmudict-en-us.dict"),
        lm=None,
        lw=WORD_PASS_LW,
        **_decoder_kwargs,
    )
    decoder = pocketsphinx.Decoder(config)
    for phone in GARBAGE_PHONES:
        decoder.add_word(_garbage_word(phone), phone, False)
    return models.Guarded(model=decoder, lock=threading.Lock())


models.register("sphinx_words", _load_word_decoder)


def _garbage_word(phone: str) -> str:
    return f"+g{phone.lower()}+"


def _is_garbage(word: str) -> bool:
    return word.startswith("+g") and word.endswith("+")


def _pcm(samples: np.ndarray) -> bytes:
    pcm: bytes = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    return pcm


def _decode(decoder: Any, pcm: bytes) -> None:
    # The front end's noise estimate carries over between utterances; reset it so a
    # take scores the same whatever the decoder processed before (free: ~0.1 ms).
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, no_search=False, full_utt=True)
    decoder.end_utt()


def _grammar(decoder: Any, words: list[Word]) -> Any:
    n = len(words)
    transitions: list[tuple[Any, ...]] = []
    share = 1.0 / len(GARBAGE_PHONES)
    for i, word in enumerate(words):
        transitions.append((i, i + 1, 1 - P_OMIT - P_INSERT, word.key))
        transitions.append((i, i + 1, P_OMIT))
    for i in range(n + 1):
        g = n + 1 + i  # garbage state attached to word boundary i
        transitions.append((i, g, P_INSERT))
        for phone in GARBAGE_PHONES:
            transitions.append((g, g, 0.8 * share, _garbage_word(phone)))
            transitions.append((g, i, 0.2 * share, _garbage_word(phone)))
    return decoder.create_fsg("line", 0, n, transitions)


def _ensure_words(decoder: Any, words: list[Word]) -> None:
    for word in words:
        if decoder.lookup_word(word.key) is None:
            decoder.add_word(word.key, " ".join(word.phones), True)


_NON_WORDS = {"<s>", "</s>", "<sil>", "(NULL)", "[NOISE]", "[SPEECH]"}


def _strip_alt(word: str) -> str:
    """'the(2)' -> 'the': alternate pronunciations are the same word."""
    return re.sub(r"\(\d+\)$", "", word)


def align_words(samples: np.ndarray, words: list[Word]) -> Alignment:
    pcm = _pcm(samples)
    guarded = models.get("sphinx_words")
    decoder = guarded.model
    with guarded.lock:
        _ensure_words(decoder, words)
        decoder.add_fsg("line", _grammar(decoder, words))
        decoder.activate_search("line")
        _decode(decoder, pcm)
        segments = [(_strip_alt(s.word), s.start_frame, s.end_frame) for s in (decoder.seg() or [])]
        phone_entries = None
        spoken = [w for w, _, _ in segments if w not in _NON_WORDS]
        try:
            # The FSG result cannot seed the state alignment directly (its epsilon
            # arcs confuse it), so re-align the words it found as plain text.
            decoder.set_align_text(" ".join(spoken))
            _decode(decoder, pcm)
            decoder.set_alignment()
            _decode(decoder, pcm)
            phone_entries = [
                (_strip_alt(w.name), [(p.name, p.start, p.duration) for p in w])
                for w in decoder.get_alignment()
            ]
        except (RuntimeError, TypeError):
            phone_entries = None  # second pass can fail on odd audio: fall back to words
    return _assemble(words, segments, phone_entries, len(samples))


def _assemble(
    words: list[Word],
    segments: list[tuple[str, int, int]],
    phone_entries: list[tuple[str, list[tuple[str, int, int]]]] | None,
    n_samples: int,
) -> Alignment:
    result = [AlignedWord(i, w.text, w.key, present=False) for i, w in enumerate(words)]
    insertions: list[Insertion] = []
    cursor = 0
    spoken = [s for s in segments if s[0] != "(NULL)"]
    phones_by_pos = {}
    if phone_entries is not None:
        # The alignment lists the same words as the hypothesis, in order.
        spoken_alignment = [e for e in phone_entries if e[0] not in ("<s>", "</s>")]
        non_sil = [e for e in spoken_alignment if e[0] != "<sil>"]
        for pos, entry in enumerate(non_sil):
            phones_by_pos[pos] = entry[1]
    pos = 0
    pending: Insertion | None = None
    for word, start, end in spoken:
        if word in ("<s>", "</s>", "<sil>") or word.startswith("["):
            continue
        if _is_garbage(word):
            phone = word[2:-1].upper()
            if pending and start * FRAME_SECONDS - pending.end <= 0.02:
                pending.end = (end + 1) * FRAME_SECONDS
                pending.phones.append(phone)
            else:
                pending = Insertion(start * FRAME_SECONDS, (end + 1) * FRAME_SECONDS, [phone])
                insertions.append(pending)
            pos += 1
            continue
        pending = None
        while cursor < len(result) and result[cursor].key != word:
            cursor += 1
        if cursor == len(result):
            pos += 1
            continue
        aligned = result[cursor]
        aligned.present = True
        aligned.start = start * FRAME_SECONDS
        aligned.end = (end + 1) * FRAME_SECONDS
        for name, pstart, pdur in phones_by_pos.get(pos, []):
            aligned.phones.append(
                Phone(name, pstart * FRAME_SECONDS, (pstart + pdur) * FRAME_SECONDS)
            )
        if aligned.phones:  # the state alignment's edges are sharper than the word pass
            aligned.start, aligned.end = aligned.phones[0].start, aligned.phones[-1].end
        cursor += 1
        pos += 1
    return Alignment(words=result, insertions=insertions)
