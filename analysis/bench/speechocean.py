"""speechocean762 (Zhang et al., Interspeech 2021): the standard public check of a
pronunciation scorer. 5,000 English utterances by Mandarin speakers, each scored by
five experts per phone (0–2), per word (accuracy 0–10) and per utterance (accuracy,
completeness, fluency, prosody, total). Reported metric: Pearson correlation (PCC)
between the machine's scores and the experts' at each level.

Layout (Kaldi style, as published)::

    DIR/resource/scores.json   (or DIR/scores.json) utterance id -> {"text", "accuracy",
                               "completeness", "fluency", "prosodic", "total", "words":
                               [{"text", "accuracy", "stress", "total", "phones",
                               "phones-accuracy"}]}
    DIR/test/wav.scp           utterance id <TAB> WAVE/SPEAKERnnnn/<id>.WAV
    DIR/train/wav.scp

The corpus has no actor: the reference is a synthetic voice reading the text at the
speaker's pace, so only the pronunciation levels compare like with like; fluency and
prosody against a synthetic melody are listed for completeness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import engine
from analysis.engine import audio as engine_audio

from . import metrics
from .corpus import speech_span
from .takes import AudioCache, matched_rate
from .validation import Voice

REFERENCE_VOICE = Voice("flite", "slt")


@dataclass(frozen=True)
class Utterance:
    id: str
    text: str
    audio: Path
    human: dict[str, Any]


def scores_file(root: Path) -> Path:
    for path in (root / "resource" / "scores.json", root / "scores.json"):
        if path.exists():
            return path
    raise FileNotFoundError(f"no scores.json under {root} (nor {root}/resource)")


def load(root: Path, split: str = "test", limit: int | None = None) -> list[Utterance]:
    """The utterances of ``split`` in wav.scp order (the first ``limit`` of them)."""
    scores = json.loads(scores_file(root).read_text(encoding="utf-8"))
    out = []
    for row in (root / split / "wav.scp").read_text().splitlines():
        if not row.strip():
            continue
        utt, rel = row.split(maxsplit=1)
        if utt in scores:
            out.append(Utterance(utt, scores[utt]["text"], root / rel.strip(), scores[utt]))
        if limit and len(out) == limit:
            break
    return out


def _phones(word: dict[str, Any]) -> list[str]:
    phones = word.get("phones", [])
    return phones.split() if isinstance(phones, str) else list(phones)


def evaluate(utterances: list[Utterance], cache: AudioCache) -> dict[str, Any]:
    """Score every utterance against a synthetic reading; PCC per level."""
    pairs: dict[str, list[tuple[float, float]]] = {k: [] for k in LEVELS}
    skipped = 0
    for utt in utterances:
        try:
            take = engine_audio.decode(utt.audio)
            rate = matched_rate(cache, REFERENCE_VOICE, utt.text.lower(), speech_span(take.samples))
            ref_path, _ = cache.voice(REFERENCE_VOICE, utt.text.lower(), rate)
            reference = engine.analyse_reference(str(ref_path), utt.text)
            result = engine.assess(None, str(utt.audio), utt.text, reference_analysis=reference)
        except engine.EngineError:
            skipped += 1
            continue
        _collect(pairs, utt.human, result)
    rows = []
    for level, (ours, human) in LEVELS.items():
        x = [a for a, _ in pairs[level]]
        y = [b for _, b in pairs[level]]
        rows.append((level, ours, human, len(x), metrics.pearson(x, y)))
    return {
        "utterances": len(utterances),
        "skipped": skipped,
        "rows": rows,
        "pairs": pairs,
        "reference": REFERENCE_VOICE.label,
    }


# level -> (our score, the experts' score it is compared with)
LEVELS = {
    "phone": ("phone score", "phones-accuracy (0–2)"),
    "word": ("word score", "word accuracy (0–10)"),
    "word total": ("word score", "word total (0–10)"),
    "utterance accuracy": ("pronunciation", "accuracy (0–10)"),
    "utterance completeness": ("share of words not omitted", "completeness (0–10)"),
    "utterance fluency": ("timing", "fluency (0–10)"),
    "utterance prosody": ("intonation", "prosodic (0–10)"),
    "utterance total": ("overall", "total (0–10)"),
}


def _collect(pairs, human: dict[str, Any], result) -> None:
    words = [w for w in result.detailed_feedback["words"] if w.get("index") is not None]
    words.sort(key=lambda w: w["index"])
    if result.pronunciation is not None:
        pairs["utterance accuracy"].append((result.pronunciation, human["accuracy"]))
    pairs["utterance fluency"].append((result.timing, human["fluency"]))
    pairs["utterance prosody"].append((result.intonation, human["prosodic"]))
    pairs["utterance total"].append((result.overall, human["total"]))
    if words:
        kept = sum(w["status"] != "omitted" for w in words) / len(words)
        pairs["utterance completeness"].append((100 * kept, human["completeness"]))
    if len(words) != len(human["words"]):
        return  # the engine split the text otherwise: words cannot be paired
    for ours, theirs in zip(words, human["words"], strict=True):
        if ours.get("score") is None:
            continue
        pairs["word"].append((ours["score"], theirs["accuracy"]))
        pairs["word total"].append((ours["score"], theirs["total"]))
        phones = ours.get("phone_scores") or []
        accuracy = theirs.get("phones-accuracy", [])
        if phones and len(phones) == len(_phones(theirs)) == len(accuracy):
            for phone, value in zip(phones, accuracy, strict=True):
                if phone.get("score") is not None:
                    pairs["phone"].append((phone["score"], value))
