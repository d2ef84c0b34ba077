"""Decoding, normalisation and the error paths of the audio front end."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from analysis import engine
from analysis.engine import audio, vad

from .conftest import needs_espeak

RATE_IN = 44_100


def _tone(seconds: float = 1.0, rate: int = RATE_IN, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _encode(samples: np.ndarray, container: str, codec: str, rate: int = RATE_IN) -> bytes:
    """A stereo file in the given container/codec, made with PyAV like a browser would."""
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "stereo"
        fmt = stream.codec_context.format.name
        frame_size = 1024
        stereo = np.stack([samples, samples])
        for start in range(0, stereo.shape[1], frame_size):
            chunk = np.clip(stereo[:, start : start + frame_size].astype(np.float64), -1, 1)
            if fmt.startswith("s16"):
                data = (chunk * 32767).astype(np.int16)
            elif fmt.startswith("s32"):
                data = (chunk * (2**31 - 1)).astype(np.int32)
            else:
                data = chunk.astype(np.float32)
            if not fmt.endswith("p"):  # packed formats interleave the channels
                data = data.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data), format=fmt, layout="stereo"
            )
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


FORMATS = [
    ("wav", "pcm_s16le", RATE_IN),
    ("flac", "flac", RATE_IN),
    ("mp3", "libmp3lame", RATE_IN),
    ("mp4", "aac", RATE_IN),  # .m4a
    ("ogg", "libopus", 48_000),
    ("webm", "libopus", 48_000),  # what MediaRecorder sends
]


@pytest.mark.parametrize(("container", "codec", "rate"), FORMATS)
def test_decode_every_upload_format_to_mono_16k(container, codec, rate):
    data = _encode(_tone(1.0, rate), container, codec, rate)

    decoded = audio.decode(data)

    assert decoded.samples.dtype == np.float32
    assert decoded.samples.ndim == 1
    assert decoded.duration == pytest.approx(1.0, abs=0.08)  # codec priming/padding
    # The 220 Hz tone survives: its spectral peak is where it should be.
    spectrum = np.abs(np.fft.rfft(decoded.samples))
    peak_hz = np.argmax(spectrum) * audio.SAMPLE_RATE / len(decoded.samples)
    assert peak_hz == pytest.approx(220, abs=3)


def test_decode_normalises_loudness_to_the_same_speech_level():
    quiet = audio.decode(_encode(_tone() * 0.02, "wav", "pcm_s16le"))
    loud = audio.decode(_encode(_tone() * 3.0, "wav", "pcm_s16le"))

    level_quiet = np.percentile(audio.frame_db(quiet.samples), 90)
    level_loud = np.percentile(audio.frame_db(loud.samples), 90)
    assert level_quiet == pytest.approx(audio.TARGET_SPEECH_DBFS, abs=1.0)
    assert level_loud == pytest.approx(level_quiet, abs=3.0)  # clipped input is a bit lower


def test_decode_flags_clipping_but_still_decodes():
    clipped = audio.decode(_encode(np.clip(_tone() * 4, -1, 1), "wav", "pcm_s16le"))
    clean = audio.decode(_encode(_tone(), "wav", "pcm_s16le"))

    assert clipped.clipped is True
    assert clean.clipped is False


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 100, b"RIFF\x00\x00\x00\x00WAVEfmt "])
def test_decode_rejects_garbage_as_undecodable(data):
    with pytest.raises(engine.UndecodableAudioError) as caught:
        audio.decode(data)

    assert caught.value.code == "undecodable_audio"
    assert caught.value.to_dict()["message"]["ko"]


def test_decode_rejects_recordings_over_the_limit():
    data = _encode(_tone(3.0), "wav", "pcm_s16le")

    with pytest.raises(engine.TooLongError) as caught:
        audio.decode(data, max_seconds=2.0)

    assert caught.value.limit_seconds == 2.0
    assert caught.value.duration_seconds == pytest.approx(3.0, abs=0.01)


def test_silence_and_noise_are_no_speech(warm_engine):
    rng = np.random.default_rng(1)
    for samples in (np.zeros(16_000, np.float32), rng.normal(0, 0.01, 32_000).astype(np.float32)):
        with pytest.raises(engine.NoSpeechError):
            vad.detect_speech(samples)


@needs_espeak
def test_a_single_short_word_is_too_little_speech(warm_engine, speech):
    samples = speech("hi", rate=300)

    with pytest.raises(engine.TooLittleSpeechError) as caught:
        vad.detect_speech(samples)

    assert caught.value.speech_seconds < vad.MIN_SPEECH_SECONDS


def test_assess_reports_undecodable_take(warm_engine):
    with pytest.raises(engine.UndecodableAudioError):
        warm_engine.assess(b"junk", b"junk", "hello there")


def test_assess_rejects_a_line_without_words(warm_engine):
    with pytest.raises(engine.EmptyTextError):
        warm_engine.assess(b"junk", b"junk", " ... !? ")
