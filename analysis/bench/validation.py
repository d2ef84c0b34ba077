"""The validation corpus of ``python -m analysis.evaluate``: lines, voices, known faults.

Two parts with different sentences *and* different voices: ``development`` (what the
engine may be tuned on) and ``held-out`` (what it must not be). Each part has an
actor voice that reads every line (the reference), learner voices that read it
correctly, real people reading their own transcripts (pocketsphinx's test
recordings, the actor then reads the same text at the person's pace), and copies of
each correct take that are wrong in exactly one known way:

- ``substitution``: one phone of one word swapped for a confusion Korean learners
  make (r→l, f→p, θ→s, iː→ɪ, ...), spoken by espeak-ng from its phoneme input; its
  ``control`` is the same sentence with that word spoken from its *unchanged*
  phonemes, so the pair differs by that one phone only.
- ``omission`` / ``insertion``: one word left out / one word added.
- ``tempo_0.8`` / ``tempo_1.25`` / ``delay``: sox tempo (pitch kept), 1 s of silence first.
- ``pitch_+3st`` / ``pitch_-3st``: the same voice three semitones higher / lower (Praat
  PSOLA: every pitch point moved, formants kept), as when a learner speaks higher.
- ``voice_+300c`` / ``voice_-300c``: sox's pitch shift, which moves the formants with the
  pitch (a smaller or larger vocal tract: another voice). Reported, no target: a
  different voice may legitimately sound different to the phone model.
- ``flat_pitch`` / ``inverted_pitch``: Praat resynthesis (``synth``), words untouched.

Choices (which word, which confusion, which added word) come from hashes of the line
and voice, so the corpus is the same on every run; ``takes`` makes its audio.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

POCKETSPHINX_DATA = Path("/usr/share/pocketsphinx/test/data")


@dataclass(frozen=True)
class Voice:
    engine: str  # espeak | flite | festival
    name: str
    pitch: int = 50

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Recording:
    """A real person reading ``text`` (16 kHz wav, or raw 16-bit mono when ``raw``)."""

    speaker: str
    path: Path
    text: str
    raw: bool = False


@dataclass(frozen=True)
class Split:
    name: str
    actor: Voice
    voices: tuple[Voice, ...]
    sentences: tuple[str, ...]
    recordings: tuple[Recording, ...] = ()


@dataclass
class Take:
    key: str
    voice: str
    kind: str
    audio: Path
    text: str  # what was said (the line's text except for omissions/insertions)
    changed_word: int | None = None  # index into the line's words
    confusion: str | None = None
    base: str | None = None  # key of the take this one is a degraded copy of


@dataclass
class Line:
    split: str
    text: str
    actor: str
    actor_audio: Path
    language: str | None = None
    takes: list[Take] = field(default_factory=list)


def _cards(name: str) -> Recording:
    transcripts = _transcripts(POCKETSPHINX_DATA / "cards" / "cards.transcription")
    return Recording("cards", POCKETSPHINX_DATA / "cards" / f"{name}.wav", transcripts[name])


def _librivox(name: str) -> Recording:
    transcripts = _transcripts(POCKETSPHINX_DATA / "librivox" / "transcription")
    return Recording("librivox", POCKETSPHINX_DATA / "librivox" / f"{name}.wav", transcripts[name])


def _transcripts(path: Path) -> dict[str, str]:
    """Sphinx transcription lines: '<s> words </s> (utterance id)'."""
    out = {}
    if path.exists():
        for row in path.read_text().splitlines():
            m = re.match(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\((\S+)\)\s*$", row)
            if m:
                out[m.group(2)] = m.group(1).strip()
    return out


DEVELOPMENT = Split(
    name="development",
    actor=Voice("flite", "slt"),
    voices=(
        Voice("espeak", "en-us+klatt2", 35),
        Voice("espeak", "en-us+f3", 60),
        Voice("espeak", "en-gb", 45),
        Voice("espeak", "en-us", 50),
        Voice("flite", "rms"),
        Voice("flite", "kal16"),
    ),
    sentences=(
        "Are you really going to leave me here all alone tonight?",
        "I never said she stole my money, but somebody did.",
        "We have to find the key before the sun goes down.",
        "Why would anyone want to live on a boat in winter?",
        "That was the best birthday party I have ever been to.",
        "Please bring the red folder from the office upstairs.",
    ),
    # The real people are added by splits(), where pocketsphinx-testdata is installed.
)
HELD_OUT = Split(
    name="held-out",
    actor=Voice("espeak", "en-us+klatt4", 50),
    voices=(
        Voice("espeak", "en-us+klatt", 65),
        Voice("espeak", "en-us+m3", 40),
        Voice("espeak", "en-gb-x-rp", 50),
        Voice("espeak", "en-029", 55),
        Voice("flite", "awb"),
        # The speaker of the development actor (flite slt), so it stays out of that part.
        Voice("festival", "cmu_us_slt_arctic_hts"),
    ),
    sentences=(
        "The weather was lovely so we walked along the river to the station.",
        "My father drove the van through the forest very slowly.",
        "Nobody believes that the three thieves ran away with the jewels.",
        "She thinks the movie was funny but a little too long.",
        "Leave the light on when you go to sleep tonight.",
        "Give me five minutes and I will fix the broken window.",
    ),
)


FESTIVAL_VOICES = Path("/usr/share/festival/voices")


def voice_available(voice: Voice) -> bool:
    if voice.engine == "festival":
        return shutil.which("text2wave") is not None and any(
            FESTIVAL_VOICES.glob(f"*/{voice.name}")
        )
    return shutil.which("flite" if voice.engine == "flite" else "espeak-ng") is not None


def _installed(split: Split, recordings: list[Recording]) -> Split:
    """``split`` without the voices and recordings this machine lacks."""
    voices = tuple(v for v in split.voices if voice_available(v))
    present = tuple(r for r in recordings if r.path.exists() and r.text)
    return Split(split.name, split.actor, voices, split.sentences, present)


def splits() -> list[Split]:
    """Development: the 'cards' speaker; held-out: the LibriVox reader (other sentences)."""
    cards = [_cards(f"00{i}") for i in (1, 2, 3, 5)] if POCKETSPHINX_DATA.exists() else []
    goforward = Recording(
        "goforward", POCKETSPHINX_DATA / "goforward.raw", "go forward ten meters", raw=True
    )
    books = (
        [_librivox(f"sense_and_sensibility_01_austen_64kb-0{n}") for n in (880, 890, 920, 930)]
        if POCKETSPHINX_DATA.exists()
        else []
    )
    return [
        _installed(DEVELOPMENT, [*cards, goforward]),
        _installed(HELD_OUT, books),
    ]


KOREAN_ACTOR = Voice("espeak", "ko", 50)
KOREAN_VOICES = (Voice("espeak", "ko+f3", 60), Voice("espeak", "ko+klatt4", 40))
KOREAN_SENTENCES = (
    "안녕하세요 만나서 반갑습니다",
    "오늘 날씨가 정말 좋네요",
    "저는 내일 친구와 영화를 볼 거예요",
)

# Korean learners' English confusions, in espeak-ng's phoneme mnemonics:
# (espeak phoneme, what the learner says instead, label shown in the report).
CONFUSIONS = (
    ("r", "l", "r→l"),
    ("l", "r", "l→r"),
    ("f", "p", "f→p"),
    ("v", "b", "v→b"),
    ("T", "s", "θ→s"),
    ("D", "d", "ð→d"),
    ("z", "dZ", "z→dʒ"),
    ("i:", "I", "iː→ɪ"),
    ("u:", "U", "uː→ʊ"),
    ("a", "E", "æ→ɛ"),
    ("V", "A:", "ʌ→ɑ"),
)
# espeak-ng multi-character phonemes (English), longest first, so that 'aI' is not
# read as 'a' + 'I' and 'dZ' not as 'd' + 'Z'.
_MULTI = sorted(
    [
        "aI@",
        "aU@",
        "i@3",
        "dZ",
        "tS",
        "i:",
        "u:",
        "A:",
        "O:",
        "3:",
        "aI",
        "eI",
        "oU",
        "aU",
        "OI",
        "i@",
        "e@",
        "U@",
        "A@",
        "O@",
        "o@",
        "a#",
        "r-",
        "l-",
        "@L",
        "@2",
        "@5",
        "I2",
        "I#",
        "O2",
        "e#",
        "0#",
        "oU#",
        "aI3",
    ],
    key=len,
    reverse=True,
)
INSERTED_WORDS = ("really", "just", "actually", "maybe", "quite")
# kind -> the dimensions it must lower (empty: it must move nothing much)
DEGRADATIONS: dict[str, tuple[str, ...]] = {
    "substitution": ("pronunciation",),
    "omission": ("pronunciation",),
    "insertion": ("pronunciation",),
    "flat_pitch": ("intonation", "emotion"),
    "inverted_pitch": ("intonation",),
    "tempo_0.8": ("timing",),
    "tempo_1.25": ("timing",),
    "delay": ("timing",),
    "pitch_+3st": (),
    "pitch_-3st": (),
    "voice_+300c": (),
    "voice_-300c": (),
}
# Changes that leave the words alone: pronunciation must not move with them.
WORDS_KEPT = (
    "tempo_0.8",
    "tempo_1.25",
    "delay",
    "pitch_+3st",
    "pitch_-3st",
    "flat_pitch",
    "inverted_pitch",
)
SUBSTITUTIONS_PER_TAKE = 3


def tokenize_phonemes(word: str) -> list[str]:
    """An espeak-ng phoneme string ('r'i@li') as phonemes and stress marks."""
    out, i = [], 0
    while i < len(word):
        for token in _MULTI:
            if word.startswith(token, i):
                out.append(token)
                i += len(token)
                break
        else:
            out.append(word[i])
            i += 1
    return out


@lru_cache(maxsize=512)
def word_phonemes(voice: str, text: str) -> tuple[str, ...]:
    """espeak-ng's phonemes of each word of ``text`` as ``voice`` says it."""
    words = text.split()
    said = subprocess.run(
        ["espeak-ng", "-v", voice, "-x", "-q", text], capture_output=True, text=True, check=True
    ).stdout.split()
    if len(said) == len(words):
        return tuple(said)
    # espeak joined or split words: ask word by word (loses only sentence stress).
    return tuple(
        subprocess.run(
            ["espeak-ng", "-v", voice, "-x", "-q", w], capture_output=True, text=True, check=True
        ).stdout.strip()
        for w in words
    )


def substitution_candidates(voice: str, text: str) -> list[tuple[int, str, str, str]]:
    """(word index, original phonemes, changed phonemes, confusion) for every word of
    four letters or more and every confusion whose phoneme the word has (its first).
    Short function words are reduced in fluent speech ('the' -> [ðə]), so a swapped
    phone there is barely audible even to a teacher."""
    out = []
    for i, (word, phon) in enumerate(zip(text.split(), word_phonemes(voice, text), strict=True)):
        if len(re.sub(r"\W", "", word)) < 4:
            continue
        tokens = tokenize_phonemes(phon)
        for source, target, label in CONFUSIONS:
            if source in tokens:
                at = tokens.index(source)
                changed = "".join([*tokens[:at], target, *tokens[at + 1 :]])
                out.append((i, phon, changed, label))
    return out


def seeded_order(items: list, seed: str) -> list:
    """``items`` in an order that looks random but depends only on ``seed``."""

    def rank(item) -> str:
        return hashlib.sha256(f"{seed}|{item}".encode()).hexdigest()

    return sorted(items, key=rank)


def choose_substitutions(voice: str, text: str, count: int) -> list[tuple[int, str, str, str]]:
    """``count`` substitutions on different words with different confusions."""
    candidates = seeded_order(substitution_candidates(voice, text), f"{voice}|{text}")
    chosen: list[tuple[int, str, str, str]] = []
    for cand in candidates:
        if all(cand[0] != c[0] and cand[3] != c[3] for c in chosen):
            chosen.append(cand)
        if len(chosen) == count:
            break
    return sorted(chosen)


def with_phonemes(text: str, index: int, phonemes: str) -> str:
    """``text`` with word ``index`` replaced by espeak-ng phoneme input, punctuation kept."""
    words = text.split()
    lead, _core, trail = re.match(r"^(\W*)(.*?)(\W*)$", words[index]).groups()
    words[index] = f"{lead}[[{phonemes}]]{trail}"
    return " ".join(words)


def content_word(text: str, salt: str) -> int:
    """A word of four letters or more, not the first, chosen by a seeded generator."""
    words = text.split()
    options = [i for i, w in enumerate(words) if i > 0 and len(re.sub(r"\W", "", w)) >= 4]
    return seeded_order(options or [len(words) - 1], f"{salt}|{text}")[0]


def omit_word(text: str, index: int) -> str:
    words = text.split()
    return " ".join(words[:index] + words[index + 1 :])


def insert_word(text: str, index: int, word: str) -> str:
    words = text.split()
    return " ".join([*words[:index], word, *words[index:]])
