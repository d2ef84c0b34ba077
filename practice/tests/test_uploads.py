import io

import av
import numpy as np
import pytest

from practice.tests.conftest import espeak_wav, upload
from practice.uploads import RecordingRejected, check_recording, sniff_audio_type


def encode(fmt: str, codec: str, seconds: float = 1.0, rate: int = 48000) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        samples = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "codec", "content_type"),
    [
        ("webm", "libopus", "audio/webm"),
        ("ogg", "libopus", "audio/ogg"),
        ("mp4", "aac", "audio/mp4"),
        ("flac", "flac", "audio/flac"),
        ("wav", "pcm_s16le", "audio/wav"),
    ],
)
def test_check_recording_judges_type_by_content_not_name(fmt, codec, content_type):
    data = encode(fmt, codec, seconds=1.2)

    checked = check_recording(upload(data, name="whatever.bin", content_type="text/plain"))

    assert checked.content_type == content_type
    assert checked.duration == pytest.approx(1.2, abs=0.05)
    assert checked.size_bytes == len(data)


def test_check_recording_refuses_a_text_file_named_like_audio():
    with pytest.raises(RecordingRejected) as rejected:
        check_recording(upload(b"hello, this is not audio at all", name="take.wav"))

    assert rejected.value.code == "unsupported_type"
    assert rejected.value.status == 415


def test_check_recording_refuses_corrupt_audio_with_a_valid_header():
    data = encode("webm", "libopus")
    corrupt = data[:40] + bytes(len(data) - 40)

    with pytest.raises(RecordingRejected) as rejected:
        check_recording(upload(corrupt))

    assert rejected.value.code in {"undecodable", "too_short"}


def test_check_recording_refuses_oversized_uploads(settings):
    settings.MAX_UPLOAD_BYTES = 1000

    with pytest.raises(RecordingRejected) as rejected:
        check_recording(upload(espeak_wav("hello there")))

    assert rejected.value.code == "too_large"
    assert rejected.value.status == 413


def test_check_recording_refuses_too_short_and_too_long(settings):
    settings.MAX_RECORDING_SECONDS = 2
    with pytest.raises(RecordingRejected) as short:
        check_recording(upload(encode("wav", "pcm_s16le", seconds=0.1)))
    with pytest.raises(RecordingRejected) as long:
        check_recording(upload(encode("wav", "pcm_s16le", seconds=3.0)))

    assert short.value.code == "too_short"
    assert long.value.code == "too_long"


def test_sniff_audio_type_knows_mp3_frames_and_id3():
    assert sniff_audio_type(b"ID3\x04\x00" + bytes(11)) == ("audio/mpeg", "mp3")
    assert sniff_audio_type(b"\xff\xfb\x90\x00" + bytes(12)) == ("audio/mpeg", "mp3")
    assert sniff_audio_type(b"<html><body>" + bytes(4)) is None
