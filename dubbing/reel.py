"""The dubbed reel, as a plain library (numpy, PyAV, pyloudnorm; no Django).

A reel is the scene with one role's lines replaced by the learner's takes:

- With the scene's own audio, that role is muted over its lines (short fades outside the
  line, never into another role's line) and each take is laid in at its line's start.
- Without it (a scene imported as per-line clips only), the scene is assembled from the
  other roles' clips, each placed at its line's start, plus the takes.

A take is placed by its voice onset: the first moment the learner's voice is heard goes
at the line's start time, whatever lead-in the recording had (the browser records a
short margin before the line, the app may record more). How late the learner actually
came in is what the take's timing score reports; the reel sounds in sync.

Takes are loudness-matched (EBU R128 integrated loudness, ITU-R BS.1770-4, with
pyloudnorm) to the voice they replace: the original role over its lines, or the other
roles' clips when there is no scene audio.
"""

import io
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
import numpy as np
import pyloudnorm

# 48 kHz: Opus only runs at 48 kHz, and AAC is at home there too.
RATE = 48_000
# The original role fades out over this long before its line and back in after it
# (seconds): short enough not to smear into a neighbour, long enough not to click.
FADE_SECONDS = 0.04
# Subtitle cue times are a little tighter than speech: the role stays muted this far
# beyond its cue (seconds), unless another role's line starts sooner.
GUARD_SECONDS = 0.1
# Voice onset: 10 ms frames; a frame is voice when it is 35 dB under the take's loudest
# frame and 12 dB over its noise floor (the 10th percentile of frames), for 3 frames
# (30 ms) in a row, so a click does not count.
FRAME_SECONDS = 0.01
ONSET_BELOW_PEAK_DB = 35.0
ONSET_ABOVE_FLOOR_DB = 12.0
ONSET_FRAMES = 3
# Audio kept before the onset (the start of a consonant lies under the threshold) and
# after the last voiced frame (a decaying vowel), seconds; faded in and out over them.
TAKE_LEAD_SECONDS = 0.03
TAKE_TAIL_SECONDS = 0.15
# A take may run this long past its line's end before it is faded out (seconds): a dub
# that overruns is heard overrunning, but a forgotten stop button is not.
TAKE_OVERRUN_SECONDS = 1.0
# Loudness: EBU R128's programme level when nothing else can be measured (LUFS), and the
# most a take is turned up or down (dB): a near-silent take is not made into noise.
DEFAULT_LOUDNESS = -23.0
MAX_GAIN_DB = 24.0
# A take's peak after gain stays under this (full scale = 1.0): no clipping in the mix.
TAKE_PEAK = 0.95
# pyloudnorm needs at least one 400 ms gating block.
MIN_LOUDNESS_SECONDS = 0.4
# Scenes end this long after their last line when there is no scene audio (seconds).
SCENE_TAIL_SECONDS = 0.5
AAC_BITRATE = 96_000
OPUS_BITRATE = 48_000


class ReelError(ValueError):
    """Audio that cannot be used in a reel; the message is meant for people."""


@dataclass(frozen=True)
class ReelLine:
    """One line of the scene. ``take``: the learner's take (their role's lines only);
    ``clip``: the line's own clip, needed when there is no scene audio."""

    start: float
    end: float
    speaker: str
    text: str
    take: np.ndarray | None = None
    clip: np.ndarray | None = None

    @property
    def dubbed(self) -> bool:
        return self.take is not None


@dataclass(frozen=True)
class Placement:
    """Where a take (or an assembled clip) went: its onset at ``start`` (seconds)."""

    line: int
    start: float
    end: float
    gain_db: float


@dataclass
class Mix:
    samples: np.ndarray
    rate: int
    target_loudness: float
    takes: list[Placement] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


Progress = Callable[[str, int], None]


def _quiet(stage: str, progress: int) -> None:
    return None


def decode(source: bytes | IO[bytes], rate: int = RATE) -> np.ndarray:
    """A whole file as float32 mono samples at ``rate``; ReelError when unreadable."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    chunks: list[np.ndarray] = []
    try:
        with av.open(file, mode="r") as container:
            if not container.streams.audio:
                raise ReelError("The file has no audio track.")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except ReelError:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise ReelError("The audio could not be decoded.") from exc
    if not chunks:
        raise ReelError("The file contains no audio samples.")
    return np.concatenate(chunks).astype(np.float32, copy=False)


def _frame_db(samples: np.ndarray, rate: int) -> np.ndarray:
    hop = max(1, round(FRAME_SECONDS * rate))
    count = len(samples) // hop
    if count == 0:
        return np.zeros(0, dtype=np.float64)
    frames = samples[: count * hop].astype(np.float64).reshape(count, hop)
    result: np.ndarray = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return result


def voice_bounds(samples: np.ndarray, rate: int = RATE) -> tuple[int, int] | None:
    """(first, last) sample of the voice in a take, or None when nothing is heard."""
    levels = _frame_db(samples, rate)
    if len(levels) < ONSET_FRAMES:
        return None
    peak = float(levels.max())
    floor = float(np.percentile(levels, 10))
    threshold = max(peak - ONSET_BELOW_PEAK_DB, floor + ONSET_ABOVE_FLOOR_DB)
    if peak < -80 or peak < threshold:  # digital silence, or no frame stands out
        return None
    loud = levels >= threshold
    runs = np.convolve(loud.astype(np.int8), np.ones(ONSET_FRAMES, dtype=np.int8), "valid")
    sustained = np.flatnonzero(runs == ONSET_FRAMES)
    if not len(sustained):
        return None
    hop = round(FRAME_SECONDS * rate)
    first_frame = int(sustained[0])
    last_frame = int(sustained[-1]) + ONSET_FRAMES - 1
    # Within the first loud frame, the voice starts at its first sample over the
    # threshold's amplitude: 10 ms frames alone would place it up to 10 ms early.
    amplitude = 10 ** (threshold / 20)
    frame = np.abs(samples[first_frame * hop : (first_frame + 1) * hop])
    over = np.flatnonzero(frame >= amplitude)
    first = first_frame * hop + (int(over[0]) if len(over) else 0)
    return first, min(len(samples), (last_frame + 1) * hop)


def loudness(samples: np.ndarray, rate: int = RATE) -> float | None:
    """Integrated loudness (LUFS, BS.1770-4 with gating), or None when too short/silent."""
    if len(samples) < MIN_LOUDNESS_SECONDS * rate:
        return None
    value = float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))
    return value if np.isfinite(value) else None


def _spans(lines: Sequence[ReelLine], rate: int) -> list[tuple[int, int]]:
    return [(round(line.start * rate), round(line.end * rate)) for line in lines]


def mute_envelope(length: int, lines: Sequence[ReelLine], rate: int = RATE) -> np.ndarray:
    """Gain 1 everywhere except over the dubbed lines: 0 from GUARD_SECONDS before each to
    GUARD_SECONDS after (never into another role's line), with FADE_SECONDS ramps outside."""
    envelope = np.ones(length, dtype=np.float32)
    others = [(line.start, line.end) for line in lines if not line.dubbed]
    fade = max(1, round(FADE_SECONDS * rate))
    for line in lines:
        if not line.dubbed:
            continue
        # The mute may reach into a gap, not into someone else's line.
        before = max((end for _, end in others if end <= line.start), default=0.0)
        after = min((start for start, _ in others if start >= line.end), default=length / rate)
        quiet_from = max(line.start - GUARD_SECONDS, (before + line.start) / 2)
        quiet_to = min(line.end + GUARD_SECONDS, (line.end + after) / 2)
        first, last = max(0, round(quiet_from * rate)), min(length, round(quiet_to * rate))
        envelope[first:last] = 0.0
        ramp_in = np.linspace(1.0, 0.0, fade, dtype=np.float32)
        lo = max(0, first - fade)
        envelope[lo:first] = np.minimum(envelope[lo:first], ramp_in[fade - (first - lo) :])
        hi = min(length, last + fade)
        ramp_out = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        envelope[last:hi] = np.minimum(envelope[last:hi], ramp_out[: hi - last])
    return envelope


def _voice_piece(
    samples: np.ndarray, rate: int, max_seconds: float
) -> tuple[np.ndarray, int] | None:
    """The voiced part of a take or clip with its lead and tail, faded at both ends, and
    where its onset lies within it (samples); None when no voice is heard."""
    bounds = voice_bounds(samples, rate)
    if bounds is None:
        return None
    onset, offset = bounds
    first = max(0, onset - round(TAKE_LEAD_SECONDS * rate))
    last = min(len(samples), offset + round(TAKE_TAIL_SECONDS * rate))
    last = min(last, onset + max(1, round(max_seconds * rate)))
    piece = samples[first:last].astype(np.float32, copy=True)
    lead = onset - first
    if lead:
        piece[:lead] *= np.linspace(0.0, 1.0, lead, dtype=np.float32)
    tail = min(len(piece) - lead, round(TAKE_TAIL_SECONDS * rate))
    if tail > 0:
        piece[len(piece) - tail :] *= np.linspace(1.0, 0.0, tail, dtype=np.float32)
    return piece, lead


def _gain_db(piece: np.ndarray, rate: int, target: float) -> float:
    measured = loudness(piece, rate)
    gain = 0.0 if measured is None else float(np.clip(target - measured, -MAX_GAIN_DB, MAX_GAIN_DB))
    peak = float(np.max(np.abs(piece))) if len(piece) else 0.0
    if peak > 0:
        gain = min(gain, 20 * float(np.log10(TAKE_PEAK / peak)))
    return gain


def _lay(out: np.ndarray, piece: np.ndarray, at: int) -> None:
    """Adds ``piece`` into ``out`` from sample ``at`` (clipped at both ends)."""
    first = max(0, at)
    last = min(len(out), at + len(piece))
    if last > first:
        out[first:last] += piece[first - at : last - at]


def _target_loudness(scene: np.ndarray | None, lines: Sequence[ReelLine], rate: int) -> float:
    """The loudness the takes are matched to: the voice they replace when it can be
    measured, else the whole scene, else EBU R128's -23 LUFS."""
    if scene is not None:
        role = [scene[a:b] for a, b in _spans([ln for ln in lines if ln.dubbed], rate)]
        for candidate in (np.concatenate(role) if role else None, scene):
            value = None if candidate is None else loudness(candidate, rate)
            if value is not None:
                return value
        return DEFAULT_LOUDNESS
    clips = [ln.clip for ln in lines if not ln.dubbed and ln.clip is not None]
    value = loudness(np.concatenate(clips), rate) if clips else None
    return DEFAULT_LOUDNESS if value is None else value


def mix_reel(
    *,
    scene: np.ndarray | None,
    lines: Sequence[ReelLine],
    rate: int = RATE,
    progress: Progress = _quiet,
) -> Mix:
    """The reel's samples: the scene (or the other roles' clips) with the takes laid in.

    ``scene`` is the whole scene at ``rate``, or None to assemble it from the clips; the
    reel is exactly as long as the scene (or its last line plus SCENE_TAIL_SECONDS).
    """
    if not any(line.dubbed for line in lines):
        raise ReelError("A reel needs at least one of the learner's takes.")
    if scene is not None:
        length = len(scene)
    else:
        last_end = max(line.end for line in lines)
        length = round((last_end + SCENE_TAIL_SECONDS) * rate)
    target = _target_loudness(scene, lines, rate)
    progress("mix", 10)
    if scene is not None:
        out = (scene[:length] * mute_envelope(length, lines, rate)).astype(np.float32)
    else:
        out = np.zeros(length, dtype=np.float32)
        for line in lines:
            if line.dubbed or line.clip is None:
                continue
            found = _voice_piece(line.clip, rate, line.end - line.start + TAKE_OVERRUN_SECONDS)
            if found is not None:
                piece, lead = found
                _lay(out, piece, round(line.start * rate) - lead)
    placements: list[Placement] = []
    dubbed = [(index, line) for index, line in enumerate(lines) if line.dubbed]
    for done, (index, line) in enumerate(dubbed, start=1):
        assert line.take is not None
        found = _voice_piece(line.take, rate, line.end - line.start + TAKE_OVERRUN_SECONDS)
        if found is not None:
            piece, lead = found
            gain = _gain_db(piece, rate, target)
            _lay(out, piece * np.float32(10 ** (gain / 20)), round(line.start * rate) - lead)
            end = line.start + (len(piece) - lead) / rate
            placements.append(Placement(line=index, start=line.start, end=end, gain_db=gain))
        progress("mix", 10 + round(60 * done / len(dubbed)))
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    if peak > 1.0:  # two voices at once can add up past full scale
        out *= np.float32(0.99 / peak)
    return Mix(samples=out, rate=rate, target_loudness=target, takes=placements)


def _encode(samples: np.ndarray, rate: int, *, container: str, codec: str, bitrate: int) -> bytes:
    # A named file, not memory: the MP4 muxer reopens its output to move the index to
    # the front (faststart), so a browser can play the reel before it has all of it.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"reel.{container}"
        options = {"movflags": "+faststart"} if container == "ipod" else {}
        with av.open(str(path), mode="w", format=container, options=options) as output:
            _encode_into(output, samples, rate, codec=codec, bitrate=bitrate)
        return path.read_bytes()


def _encode_into(
    output: "av.container.OutputContainer",
    samples: np.ndarray,
    rate: int,
    *,
    codec: str,
    bitrate: int,
) -> None:
    stream = output.add_stream(codec, rate=rate)
    assert isinstance(stream, av.audio.stream.AudioStream)
    stream.bit_rate = bitrate
    stream.layout = "mono"
    stream.time_base = Fraction(1, rate)
    sample_format = "fltp" if codec == "aac" else "flt"
    step = 960 * 20  # 0.4 s per frame handed to the encoder, which cuts its own
    pts = 0
    for first in range(0, len(samples), step):
        chunk = np.ascontiguousarray(samples[first : first + step], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(
            chunk.reshape(1, -1), format=sample_format, layout="mono"
        )
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        pts += len(chunk)
        for packet in stream.encode(frame):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)


def encode_m4a(samples: np.ndarray, rate: int = RATE) -> bytes:
    """AAC-LC in an MPEG-4 audio file (.m4a), index first so playback starts at once."""
    return _encode(samples, rate, container="ipod", codec="aac", bitrate=AAC_BITRATE)


def encode_opus(samples: np.ndarray, rate: int = RATE) -> bytes:
    """Opus in Ogg (.opus)."""
    return _encode(samples, rate, container="ogg", codec="libopus", bitrate=OPUS_BITRATE)


def encode_both(samples: np.ndarray, rate: int = RATE) -> tuple[bytes, bytes]:
    """(m4a, opus), encoded side by side: FFmpeg's encoders run outside the GIL, so on
    two cores this takes about as long as the slower of the two alone."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        m4a = pool.submit(encode_m4a, samples, rate)
        opus = pool.submit(encode_opus, samples, rate)
        return m4a.result(), opus.result()


# --- Subtitles -------------------------------------------------------------------------


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


def _cue_text(text: str) -> str:
    # A blank line would end the cue early in both formats; "-->" would read as timing.
    return " ".join(text.split()).replace("-->", "→")


def subtitles_srt(lines: Sequence[ReelLine]) -> str:
    """SubRip, one cue per line in time order, the speaker as ``[Name]``."""
    blocks = []
    ordered = sorted(lines, key=lambda line: line.start)
    for number, line in enumerate(ordered, start=1):
        timing = f"{_timestamp(line.start, ',')} --> {_timestamp(line.end, ',')}"
        speaker = f"[{line.speaker}] " if line.speaker else ""
        blocks.append(f"{number}\n{timing}\n{speaker}{_cue_text(line.text)}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def subtitles_vtt(lines: Sequence[ReelLine]) -> str:
    """WebVTT, one cue per line in time order, the speaker as a voice span
    (``<v Name>``), cue ids ``line-1``… so a page can tell which line is playing."""
    blocks = ["WEBVTT\n"]
    ordered = sorted(lines, key=lambda line: line.start)
    for number, line in enumerate(ordered, start=1):
        timing = f"{_timestamp(line.start, '.')} --> {_timestamp(line.end, '.')}"
        text = _vtt_escape(_cue_text(line.text))
        body = f"<v {_vtt_escape(line.speaker)}>{text}</v>" if line.speaker else text
        blocks.append(f"line-{number}\n{timing}\n{body}\n")
    return "\n".join(blocks)
