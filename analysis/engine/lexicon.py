"""Words of a line to ARPAbet phones: CMUdict first, then espeak-ng, then spelling.

Lines come from movies and songs, so names and slang are common. A word missing from
the dictionary must still be scorable, so it gets a pronunciation from espeak-ng's
letter-to-sound rules (IPA mapped to ARPAbet) or, when the binary is absent, from a
crude spelling rule set. Either is better than refusing the line.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass

ARPABET = [
    "AA",
    "AE",
    "AH",
    "AO",
    "AW",
    "AY",
    "B",
    "CH",
    "D",
    "DH",
    "EH",
    "ER",
    "EY",
    "F",
    "G",
    "HH",
    "IH",
    "IY",
    "JH",
    "K",
    "L",
    "M",
    "N",
    "NG",
    "OW",
    "OY",
    "P",
    "R",
    "S",
    "SH",
    "T",
    "TH",
    "UH",
    "UW",
    "V",
    "W",
    "Y",
    "Z",
    "ZH",
]

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen "
_ONES += "fourteen fifteen sixteen seventeen eighteen nineteen"
ONES = _ONES.split()
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


@dataclass(frozen=True)
class Word:
    text: str  # as written in the line, punctuation included, for display
    key: str  # normalised dictionary key
    phones: tuple[str, ...]
    source: str  # "cmudict", "espeak" or "spelling"


def _number_words(n: int) -> list[str]:
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        rest = _number_words(n % 100) if n % 100 else []
        return [ONES[n // 100], "hundred", *rest]
    if n < 10000:
        rest = _number_words(n % 1000) if n % 1000 else []
        return [*_number_words(n // 1000), "thousand", *rest]
    return [d for ch in str(n) for d in [ONES[int(ch)]]]


def tokenize(text: str) -> list[tuple[str, str]]:
    """(display text, key) pairs; punctuation stays on the display text only."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    out: list[tuple[str, str]] = []
    for raw in text.split():
        for part in re.split(r"(?<=\w)[-–—/](?=\w)", raw):
            key = re.sub(r"[^\w']", "", part.lower()).strip("'_")
            if not key:
                continue
            if key.isdigit():
                for i, w in enumerate(_number_words(int(key))):
                    out.append((part if i == 0 else w, w))
                continue
            out.append((part, key))
    return out


@functools.lru_cache(maxsize=1)
def cmudict() -> dict[str, tuple[str, ...]]:
    from pocketsphinx import get_model_path

    path = os.path.join(get_model_path(), "en-us", "cmudict-en-us.dict")
    entries: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word, *phones = line.split()
            if "(" in word:  # alternates: the first listed pronunciation is the norm
                continue
            entries[word] = tuple(phones)
    return entries


# Longest symbols first. Vowel length and stress marks are dropped before lookup.
_IPA = {
    "tʃ": ("CH",),
    "dʒ": ("JH",),
    "aɪ": ("AY",),
    "aʊ": ("AW",),
    "ɔɪ": ("OY",),
    "eɪ": ("EY",),
    "oʊ": ("OW",),
    "əʊ": ("OW",),
    "ɜ": ("ER",),
    "ɝ": ("ER",),
    "ɚ": ("ER",),
    "iə": ("IY", "AH"),
    "eə": ("EH", "R"),
    "ʊə": ("UH", "R"),
    "ɑ": ("AA",),
    "æ": ("AE",),
    "ʌ": ("AH",),
    "ə": ("AH",),
    "ɐ": ("AH",),
    "ɔ": ("AO",),
    "ɛ": ("EH",),
    "e": ("EH",),
    "ɪ": ("IH",),
    "i": ("IY",),
    "ᵻ": ("IH",),
    "ʊ": ("UH",),
    "u": ("UW",),
    "o": ("OW",),
    "ɒ": ("AA",),
    "a": ("AE",),
    "b": ("B",),
    "d": ("D",),
    "f": ("F",),
    "ɡ": ("G",),
    "g": ("G",),
    "h": ("HH",),
    "k": ("K",),
    "l": ("L",),
    "ɫ": ("L",),
    "m": ("M",),
    "n": ("N",),
    "p": ("P",),
    "s": ("S",),
    "t": ("T",),
    "v": ("V",),
    "w": ("W",),
    "z": ("Z",),
    "ŋ": ("NG",),
    "θ": ("TH",),
    "ð": ("DH",),
    "ʃ": ("SH",),
    "ʒ": ("ZH",),
    "ɹ": ("R",),
    "r": ("R",),
    "ɾ": ("T",),
    "ʔ": ("T",),
    "j": ("Y",),
    "x": ("K",),
    "ç": ("HH",),
    "ʍ": ("W",),
    "y": ("UW",),
    "ø": ("ER",),
}
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)


def ipa_to_arpabet(ipa: str) -> tuple[str, ...]:
    ipa = "".join(c for c in unicodedata.normalize("NFD", ipa) if not unicodedata.combining(c))
    ipa = re.sub(r"[ˈˌːˑ.\-_|‖ ]", "", ipa)
    phones: list[str] = []
    i = 0
    while i < len(ipa):
        for key in _IPA_KEYS:
            if ipa.startswith(key, i):
                phones.extend(_IPA[key])
                i += len(key)
                break
        else:
            i += 1  # unknown symbol: skip rather than fail
    return tuple(phones)


_SPELLING = [
    ("tch", ("CH",)),
    ("sh", ("SH",)),
    ("ch", ("CH",)),
    ("th", ("TH",)),
    ("ph", ("F",)),
    ("ng", ("NG",)),
    ("ck", ("K",)),
    ("ee", ("IY",)),
    ("ea", ("IY",)),
    ("oo", ("UW",)),
    ("ou", ("AW",)),
    ("ai", ("EY",)),
    ("ay", ("EY",)),
    ("oa", ("OW",)),
    ("qu", ("K", "W")),
    ("a", ("AE",)),
    ("b", ("B",)),
    ("c", ("K",)),
    ("d", ("D",)),
    ("e", ("EH",)),
    ("f", ("F",)),
    ("g", ("G",)),
    ("h", ("HH",)),
    ("i", ("IH",)),
    ("j", ("JH",)),
    ("k", ("K",)),
    ("l", ("L",)),
    ("m", ("M",)),
    ("n", ("N",)),
    ("o", ("AA",)),
    ("p", ("P",)),
    ("q", ("K",)),
    ("r", ("R",)),
    ("s", ("S",)),
    ("t", ("T",)),
    ("u", ("AH",)),
    ("v", ("V",)),
    ("w", ("W",)),
    ("x", ("K", "S")),
    ("y", ("Y",)),
    ("z", ("Z",)),
]


def spell_to_arpabet(word: str) -> tuple[str, ...]:
    word = re.sub(r"(.)\1", r"\1", re.sub(r"[^a-z]", "", word.lower()))
    phones: list[str] = []
    i = 0
    while i < len(word):
        for letters, ph in _SPELLING:
            if word.startswith(letters, i):
                if not (letters == "e" and i == len(word) - 1 and phones):  # silent final e
                    phones.extend(ph)
                i += len(letters)
                break
        else:
            i += 1
    return tuple(phones) or ("AH",)


_espeak_lock = threading.Lock()


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def espeak_phones(words: list[str]) -> dict[str, tuple[str, ...]]:
    """One espeak-ng call for all unknown words of a line (one line of IPA per word)."""
    binary = espeak_binary()
    if not binary or not words:
        return {}
    try:
        with _espeak_lock:
            done = subprocess.run(
                [binary, "-q", "--ipa", "-v", "en-us"],
                input="\n".join(words),
                capture_output=True,
                text=True,
                timeout=10,
            )
    except (OSError, subprocess.SubprocessError):
        return {}
    lines = [ln.strip() for ln in done.stdout.splitlines() if ln.strip()]
    if len(lines) != len(words):  # espeak merged or split clauses: go word by word
        lines = [" ".join(lines)] if len(words) == 1 else []
    return {w: p for w, ln in zip(words, lines, strict=False) if (p := ipa_to_arpabet(ln))}


_oov_cache: dict[str, tuple[tuple[str, ...], str]] = {}


def words_for(text: str, language: str = "en") -> list[Word]:
    """The line's words; phones (ARPAbet, for the English word aligner) only for English."""
    tokens = tokenize(text)
    if language != "en":
        return [Word(display, key, (), "none") for display, key in tokens]
    dictionary = cmudict()
    unknown = [k for _, k in tokens if k not in dictionary and k not in _oov_cache]
    if unknown:
        found = espeak_phones(sorted(set(unknown)))
        for key in set(unknown):
            if key in found:
                _oov_cache[key] = (found[key], "espeak")
            else:
                _oov_cache[key] = (spell_to_arpabet(key), "spelling")
    words = []
    for display, key in tokens:
        if key in dictionary:
            words.append(Word(display, key, dictionary[key], "cmudict"))
        else:
            phones, source = _oov_cache[key]
            words.append(Word(display, key, phones, source))
    return words
