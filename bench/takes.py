"""Learners' takes for the load test: each line read by espeak-ng in another voice than
the actor's, with a short lead-in of room noise, encoded as the practice page records
(WebM/Opus, by ffmpeg). Made once per text and kept."""

import hashlib
import io
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.practice import espeak
from scripts.models import Line

VOICES = {"en": "en-us+f3", "ko": "ko"}
LEAD_SECONDS = 0.4


def make_takes(lines: list[Line], folder: Path) -> dict[int, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    takes = {}
    for line in lines:
        voice = VOICES.get(line.script.language, "en-us+f3")
        digest = hashlib.sha256(f"{voice}\n{line.text}".encode()).hexdigest()[:16]
        path = folder / f"{digest}.webm"
        if not path.exists():
            path.write_bytes(_webm(_with_lead_in(espeak(line.text, voice))))
        takes[line.id] = path
    return takes


def _with_lead_in(wav: bytes) -> bytes:
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    lead = np.random.default_rng(1).normal(0, 3e-4, int(LEAD_SECONDS * rate)).astype(np.float32)
    out = io.BytesIO()
    sf.write(out, np.concatenate([lead, samples]), rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


FFMPEG_WEBM = (
    "ffmpeg -loglevel error -f wav -i pipe:0 -ac 1 -ar 48000 -c:a libopus -b:a 32k -f webm pipe:1"
)


def _webm(wav: bytes) -> bytes:
    return subprocess.run(
        FFMPEG_WEBM.split(),
        input=wav,
        capture_output=True,
        check=True,
    ).stdout
