"""Checking an uploaded recording by its content, not its name or declared type."""

import io
from dataclasses import dataclass

import av
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class RecordingRejected(Exception):
    """The upload is not a recording we can score; `message` is for the learner."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CheckedRecording:
    content_type: str
    extension: str
    duration: float
    size_bytes: int


def sniff_audio_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None when not a known audio file."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if head[:4] == b"fLaC":
        return "audio/flac", "flac"
    if head[:4] == b"OggS":
        return "audio/ogg", "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM/Matroska, what browsers record
        return "audio/webm", "webm"
    if head[4:8] == b"ftyp":
        return "audio/mp4", "m4a"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "mp3"
    return None


def _duration_seconds(data: bytes, max_seconds: float) -> float:
    """Decode the audio stream and count samples: container headers can lie or be absent
    (MediaRecorder's WebM has no duration)."""
    with av.open(io.BytesIO(data), mode="r") as container:
        streams = container.streams.audio
        if not streams:
            raise ValueError("no audio stream")
        seconds = 0.0
        for frame in container.decode(streams[0]):
            seconds += frame.samples / float(frame.sample_rate or 1)
            if seconds > max_seconds + 1:
                break
        return seconds


def check_recording(
    upload, *, max_seconds: float | None = None, max_bytes: int | None = None
) -> CheckedRecording:
    """Raise RecordingRejected unless `upload` is a decodable audio file of sensible size
    and length (at most MAX_UPLOAD_BYTES and MAX_RECORDING_SECONDS unless given)."""
    max_seconds = settings.MAX_RECORDING_SECONDS if max_seconds is None else max_seconds
    max_bytes = settings.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    size = upload.size or 0
    if size > max_bytes:
        limit_mb = max_bytes / 1_000_000
        raise RecordingRejected(
            "too_large", str(_("The recording is larger than %(mb).0f MB.") % {"mb": limit_mb}), 413
        )
    if size == 0:
        raise RecordingRejected("empty", str(_("The recording is empty.")))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    sniffed = sniff_audio_type(data[:16])
    if sniffed is None:
        raise RecordingRejected(
            "unsupported_type",
            str(_("This file is not an audio recording we can read (WAV, WebM, Ogg, MP3, M4A).")),
            415,
        )
    try:
        duration = _duration_seconds(data, max_seconds)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise RecordingRejected(
            "undecodable", str(_("We could not read this audio file. Please record again."))
        ) from exc
    if duration < settings.MIN_RECORDING_SECONDS:
        raise RecordingRejected("too_short", str(_("The recording is too short.")))
    if duration > max_seconds:
        raise RecordingRejected(
            "too_long",
            str(_("The recording is longer than %(s)d seconds.") % {"s": max_seconds}),
        )
    content_type, extension = sniffed
    return CheckedRecording(content_type, extension, round(duration, 3), size)
