"""The reel library alone: placement, muting, loudness, encoding and subtitles."""

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import correlate

from dubbing import reel
from dubbing.tests.conftest import LINES, RATE, TAKE_LEAD, TAKE_VOICE, scene_samples, take_samples
from scripts.subtitles import parse_subtitles


def reel_lines(*, dubbed: str = "Mara", clips: bool = False) -> list[reel.ReelLine]:
    samples = scene_samples()
    out = []
    for index, (speaker, start, end, _tone, text) in enumerate(LINES):
        clip = samples[round((start - 0.15) * RATE) : round((end + 0.15) * RATE)]
        out.append(
            reel.ReelLine(
                start=start,
                end=end,
                speaker=speaker,
                text=text,
                take=take_samples(index + 1) if speaker == dubbed else None,
                clip=clip if clips else None,
            )
        )
    return out


def found_at(haystack: np.ndarray, needle: np.ndarray) -> float:
    """Where `needle` is in `haystack` (seconds), by cross-correlation."""
    scores = correlate(haystack, needle, mode="valid", method="fft")
    return int(np.argmax(np.abs(scores))) / RATE


def voice_of(take: np.ndarray) -> np.ndarray:
    first = int(TAKE_LEAD * RATE)
    return take[first : first + int(TAKE_VOICE * RATE)]


def level_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-15))


def window(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    return samples[round(start * RATE) : round(end * RATE)]


def test_mix_reel_keeps_the_scene_length_and_puts_each_take_at_its_line_start():
    lines = reel_lines()
    mix = reel.mix_reel(scene=scene_samples(), lines=lines)

    assert len(mix.samples) == len(scene_samples())
    assert [p.line for p in mix.takes] == [0, 2]
    for line in lines:
        if line.take is not None:
            assert found_at(mix.samples, voice_of(line.take)) == pytest.approx(
                line.start, abs=0.002
            )


def test_mix_reel_mutes_the_dubbed_role_and_keeps_the_other():
    scene = scene_samples()
    lines = reel_lines()
    mix = reel.mix_reel(scene=scene, lines=lines)

    for line in lines:
        if line.dubbed:
            # After the take's voice (and its tail) the role's span holds no take.
            quiet_from = line.start + TAKE_VOICE + reel.TAKE_TAIL_SECONDS + 0.02
            original = level_db(window(scene, quiet_from, line.end))
            dubbed = level_db(window(mix.samples, quiet_from, line.end))
            assert original - dubbed >= 20
        else:
            kept = window(mix.samples, line.start, line.end)
            assert np.allclose(kept, window(scene, line.start, line.end), atol=1e-6)


def test_mix_reel_matches_the_takes_loudness_to_the_voice_they_replace():
    scene = scene_samples()
    lines = reel_lines()
    mix = reel.mix_reel(scene=scene, lines=lines)
    meter = pyloudnorm.Meter(RATE)

    role = np.concatenate([window(scene, ln.start, ln.end) for ln in lines if ln.dubbed])
    assert mix.target_loudness == pytest.approx(meter.integrated_loudness(role), abs=0.01)
    for placement in mix.takes:
        line = lines[placement.line]
        placed = window(mix.samples, line.start, line.start + TAKE_VOICE)
        assert meter.integrated_loudness(placed.astype(np.float64)) == pytest.approx(
            mix.target_loudness, abs=1.5
        )


def test_mix_reel_assembles_the_scene_from_clips_without_scene_audio():
    lines = reel_lines(clips=True)
    mix = reel.mix_reel(scene=None, lines=lines)

    assert mix.duration == pytest.approx(LINES[-1][2] + reel.SCENE_TAIL_SECONDS, abs=1e-3)
    scene = scene_samples()
    for line in lines:
        if line.dubbed:
            assert found_at(mix.samples, voice_of(line.take)) == pytest.approx(
                line.start, abs=0.002
            )
        else:
            # The other role's clip is heard from where its line starts in the scene, as
            # loud as in the scene.
            around = window(mix.samples, line.start - 0.3, line.end)
            first, _last = reel.voice_bounds(around)
            assert first / RATE - 0.3 == pytest.approx(0.0, abs=0.02)
            assert level_db(window(mix.samples, line.start, line.end)) == pytest.approx(
                level_db(window(scene, line.start, line.end)), abs=0.5
            )


def test_mix_reel_needs_a_take():
    with pytest.raises(reel.ReelError):
        reel.mix_reel(scene=scene_samples(), lines=reel_lines(dubbed="nobody"))


def test_voice_bounds_finds_the_onset_within_a_millisecond():
    take = take_samples(3)
    first, last = reel.voice_bounds(take)
    assert first / RATE == pytest.approx(TAKE_LEAD, abs=0.012)
    assert last / RATE == pytest.approx(TAKE_LEAD + TAKE_VOICE, abs=0.03)
    assert reel.voice_bounds(np.zeros(RATE, dtype=np.float32)) is None


@pytest.mark.parametrize("encode", [reel.encode_m4a, reel.encode_opus])
def test_encoded_reel_keeps_duration_and_take_positions(encode):
    lines = reel_lines()
    mix = reel.mix_reel(scene=scene_samples(), lines=lines)

    decoded = reel.decode(encode(mix.samples))

    assert abs(len(decoded) / RATE - mix.duration) <= 0.05
    for line in lines:
        if line.take is not None:
            assert found_at(decoded, voice_of(line.take)) == pytest.approx(line.start, abs=0.02)


@pytest.mark.parametrize("write", [reel.subtitles_srt, reel.subtitles_vtt])
def test_subtitles_parse_and_match_the_lines(write):
    lines = reel_lines()
    cues = parse_subtitles(write(lines))

    assert [(c.start, c.end, c.speaker, c.text) for c in cues] == [
        (start, end, speaker, text) for speaker, start, end, _tone, text in LINES
    ]


def test_subtitles_keep_cue_text_on_one_line_and_escape_vtt():
    line = reel.ReelLine(start=1, end=2, speaker="A&B", text="Two\n\nlines <b> --> x")
    assert "00:00:01,000 --> 00:00:02,000\n[A&B] Two lines <b> → x\n" in reel.subtitles_srt([line])
    assert "<v A&amp;B>Two lines &lt;b&gt; → x</v>" in reel.subtitles_vtt([line])
