"""Reading scene audio and cutting 16 kHz mono FLAC clips from it.

PyAV decodes every container a curator may upload (wav, mp3, m4a, ogg, webm, flac)
without a system ffmpeg; soundfile writes the lossless clips.
"""

import io
from dataclasses import dataclass
from typing import IO

import av
import numpy as np
import soundfile
from django.utils.translation import gettext as _

SAMPLE_RATE = 16_000
# Container names PyAV reports for the formats curators may upload.
ACCEPTED_FORMATS = {"wav", "mp3", "mov,mp4,m4a,3gp,3g2,mj2", "ogg", "matroska,webm", "flac"}


class AudioError(ValueError):
    """The file is not audio we can read; the message is meant for people."""


@dataclass(frozen=True)
class AudioInfo:
    format_name: str
    duration: float


def probe(file: IO[bytes]) -> AudioInfo:
    """Reads the container header only: cheap enough to do inside a request."""
    file.seek(0)
    try:
        with av.open(file, mode="r") as container:
            if not container.streams.audio:
                raise AudioError(_("The file has no audio track."))
            stream = container.streams.audio[0]
            format_name = container.format.name
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
    except AudioError:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise AudioError(_("The file is not a readable audio file.")) from exc
    finally:
        file.seek(0)
    if format_name not in ACCEPTED_FORMATS:
        raise AudioError(
            _("Unsupported audio format (%(format)s); use wav, mp3, m4a, ogg, webm or flac.")
            % {"format": format_name}
        )
    if duration is None:
        # Some streams (webm from MediaRecorder) carry no duration: decode to find it.
        duration = len(decode(file)) / SAMPLE_RATE
    return AudioInfo(format_name=format_name, duration=duration)


def decode(file: IO[bytes]) -> np.ndarray:
    """The whole file as float32 mono samples at 16 kHz."""
    file.seek(0)
    chunks: list[np.ndarray] = []
    try:
        with av.open(file, mode="r") as container:
            if not container.streams.audio:
                raise AudioError(_("The file has no audio track."))
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except AudioError:
        raise
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise AudioError(_("The audio could not be decoded.")) from exc
    finally:
        file.seek(0)
    if not chunks:
        raise AudioError(_("The file contains no audio samples."))
    return np.concatenate(chunks).astype(np.float32, copy=False)


def cut(samples: np.ndarray, start: float, end: float, *, pad: float = 0.0) -> np.ndarray:
    first = max(0, round((start - pad) * SAMPLE_RATE))
    last = min(len(samples), round((end + pad) * SAMPLE_RATE))
    return samples[first:last]


def to_flac(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def clip_duration(file: IO[bytes]) -> float:
    """Duration of a stored clip, decoding it fully so a broken file is caught."""
    return len(decode(file)) / SAMPLE_RATE
