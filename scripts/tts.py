"""Speech synthesis for the guide voice: Debian's Festival with the CMU ARCTIC "slt" HTS
voice (package festvox-us-slt-hts). No Django here: text in, WAV bytes and word timings out.

Why Festival and not a neural voice: the voice must ship inside a package from a registry
we reach, under a licence that allows a commercial service (docs/guide-voice.md has the
survey). One Festival process reads a batch of texts: starting it (loading the voice)
costs about as much as synthesising a line, so a batch pays for it once.

The slow reading comes from the voice's own rate control (hts_engine's `-r`): the model
predicts longer phones and pauses, so the pitch stays natural; it is not a stretched
recording. Festival reports where each word starts and ends in what it synthesised, so
every word can be played out of either clip.
"""

import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# The voice as Festival names it, and the folder its package installs (for a quick
# "is it installed" check without starting Festival).
VOICE = "cmu_us_slt_arctic_hts"
VOICE_DIR = Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts")
VOICE_LABEL = "Festival · CMU ARCTIC slt (HTS)"
FESTIVAL = "festival"

# hts_engine's speech-rate factor for the slow reading: 1 / 1.5, so the slow clip lasts
# about 1.5 times the normal one (measured: 2.19 s -> 3.30 s on an 8-word line). Slower
# than that the HTS voice starts to drawl vowels unnaturally.
SLOW_RATE = 2 / 3
# Festival on a 2-core machine: ~0.6 s to start, ~0.35 s per second of speech per speed.
SECONDS_PER_TEXT = 10
STARTUP_SECONDS = 20

# Typographic punctuation Festival's (Latin-1, English) tokenizer would read as noise.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": " - ",
        "\u2014": " - ",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


class TTSError(RuntimeError):
    """The voice could not be synthesised; the message says why, for the server log."""


@dataclass(frozen=True)
class SpokenWord:
    """One word of the text as written (Festival's token), and where it is heard, in
    seconds, in the normal and in the slow clip."""

    text: str
    start: float
    end: float
    slow_start: float
    slow_end: float


@dataclass(frozen=True)
class Speech:
    normal_wav: bytes
    slow_wav: bytes
    words: list[SpokenWord]


def available() -> bool:
    """Whether Festival and the voice are installed (cheap: no process is started)."""
    return shutil.which(FESTIVAL) is not None and VOICE_DIR.is_dir()


def speakable(text: str) -> str:
    """The text as Festival can read it: ASCII only (accents folded, curly quotes
    straightened), one line."""
    text = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", text).strip()


def can_speak(text: str) -> bool:
    """Whether an English voice has anything to say in the text (not punctuation only)."""
    return re.search(r"[A-Za-z0-9]", speakable(text)) is not None


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Festival (SIOD Scheme): for each text, synthesise at each rate, save the wave and print
# every token's words with their start and end ("W <tag> <token> <start> <end>"). Tokens
# are the text's own words (punctuation stripped, "42" one token for "forty two").
_PROGRAM = """
(voice_{voice})
(define (guide_speak text rate file tag)
  (set! hts_engine_params
        (append {voice}::hts_engine_params (list (list "-r" rate))))
  (let ((utt (SynthText text)) (tok nil) (index 0))
    (utt.save.wave utt file 'riff)
    (set! tok (utt.relation.first utt 'Token))
    (while tok
      (format t "T %s %d %s\\n" tag index (item.name tok))
      (mapcar
        (lambda (d)
          (let ((w (item.relation d 'Word)))
            (if w
              (format t "W %s %d %f %f\\n" tag index
                      (item.feat w "word_start") (item.feat w "word_end")))))
        (item.daughters tok))
      (set! index (+ index 1))
      (set! tok (item.next tok)))))
"""


def _program(texts: list[str], folder: Path) -> str:
    lines = [_PROGRAM.format(voice=VOICE)]
    for index, text in enumerate(texts):
        for speed, rate in (("n", 1.0), ("s", SLOW_RATE)):
            wav = folder / f"{index}-{speed}.wav"
            lines.append(
                f'(guide_speak {_scheme_string(text)} {rate:.4f} "{wav}" "{index}{speed}")'
            )
    return "\n".join(lines) + "\n"


def speak(texts: list[str]) -> list[Speech]:
    """Synthesises each text at normal and slow speed in one Festival process.

    Raises TTSError when Festival or the voice is missing, fails, or a text has nothing
    to say (punctuation only).
    """
    for text in texts:
        if not can_speak(text):
            raise TTSError(f"nothing to say in {text!r} for an English voice")
    if not available():
        raise TTSError(
            f"the guide voice needs Festival and its {VOICE} voice "
            "(apt-get install festival festvox-us-slt-hts)"
        )
    with tempfile.TemporaryDirectory(prefix="guide-voice-") as folder_name:
        folder = Path(folder_name)
        program = folder / "speak.scm"
        program.write_text(_program([speakable(t) for t in texts], folder), encoding="ascii")
        try:
            done = subprocess.run(
                [FESTIVAL, "--batch", str(program)],
                capture_output=True,
                text=True,
                timeout=STARTUP_SECONDS + SECONDS_PER_TEXT * len(texts),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TTSError(f"Festival took longer than {exc.timeout:.0f} s") from exc
        except OSError as exc:
            raise TTSError(f"Festival could not be started: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise TTSError(f"Festival failed (exit {done.returncode}): {' '.join(detail)}")
        timings = _parse(done.stdout)
        speeches = []
        for index, original in enumerate(texts):
            try:
                normal = (folder / f"{index}-n.wav").read_bytes()
                slow = (folder / f"{index}-s.wav").read_bytes()
            except OSError as exc:
                raise TTSError(f"Festival wrote no audio for {original!r}") from exc
            words = _words(timings.get(f"{index}n", {}), timings.get(f"{index}s", {}))
            if not words:
                raise TTSError(f"Festival spoke no words for {original!r}")
            speeches.append(Speech(normal_wav=normal, slow_wav=slow, words=words))
        return speeches


@dataclass
class _Token:
    text: str = ""
    start: float | None = None
    end: float | None = None


# tag ("0n": first text, normal speed) -> token index -> token
_Timings = dict[str, dict[int, _Token]]


def _parse(output: str) -> _Timings:
    timings: _Timings = {}
    for row in output.splitlines():
        parts = row.split(" ", 3)
        if len(parts) < 4 or parts[0] not in ("W", "T"):
            continue
        token = timings.setdefault(parts[1], {}).setdefault(int(parts[2]), _Token())
        if parts[0] == "T":
            token.text = parts[3]
            continue
        start, end = (float(v) for v in parts[3].split())
        if end <= start:  # a word without sounds ("'s" split off "Smith's")
            continue
        token.start = start if token.start is None else min(token.start, start)
        token.end = end if token.end is None else max(token.end, end)
    return timings


def _words(normal: dict[int, _Token], slow: dict[int, _Token]) -> list[SpokenWord]:
    words = []
    for index in sorted(normal):
        token, slow_token = normal[index], slow.get(index, _Token())
        if token.start is None or token.end is None:  # punctuation: a token without words
            continue
        if slow_token.start is None or slow_token.end is None:
            continue
        words.append(
            SpokenWord(
                text=token.text,
                start=round(token.start, 3),
                end=round(token.end, 3),
                slow_start=round(slow_token.start, 3),
                slow_end=round(slow_token.end, 3),
            )
        )
    return words
