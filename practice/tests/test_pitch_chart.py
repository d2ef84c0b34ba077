"""The result's pitch chart: a scale in the line's unit, seconds, and every word."""

import re

from practice import pitch_chart


def feedback(unit: str, values: list[float], words: list[dict]) -> dict:
    times = [round(0.01 * i, 2) for i in range(len(values))]
    return {
        "pitch": {"unit": unit, "times": times, "reference": values, "attempt": values},
        "words": words,
    }


def labels(svg: str, css: str) -> list[str]:
    return re.findall(rf'<text class="{css}[^"]*"[^>]*>([^<]+)</text>', svg)


def word(text, start, end, status="ok"):
    return {"text": text, "ref_start": start, "ref_end": end, "status": status}


def test_speech_is_scaled_in_semitones_around_the_voice_with_seconds_below():
    svg = pitch_chart.draw(feedback("semitones", [-3.0, 0.0, 3.0] * 50, []), pitch_chart.WIDE)

    assert labels(svg, "axis-title") == ["semitones"]
    assert {"−2", "0", "+2"} <= set(labels(svg, "tick"))
    assert {"0 s", "0.5 s", "1 s"} <= set(labels(svg, "tick"))


def test_songs_are_scaled_in_note_names():
    svg = pitch_chart.draw(feedback("midi", [60.0, 64.0, 67.0] * 50, []), pitch_chart.NARROW)

    assert labels(svg, "axis-title") == ["note"]
    assert {"C4", "E4", "G4"} & set(labels(svg, "tick"))
    assert pitch_chart.note_name(69) == "A4" and pitch_chart.note_name(61) == "C♯4"


def test_every_word_is_labelled_even_one_the_aligner_did_not_place():
    words = [
        word("Too", 0.1, 0.3),
        {"text": "That", "ref_start": None, "ref_end": None, "status": "ok"},
        word("was", 0.6, 0.8),
        {"text": "uh", "ref_start": None, "ref_end": None, "status": "inserted"},
    ]

    svg = pitch_chart.draw(feedback("semitones", [0.0, 1.0] * 50, words), pitch_chart.WIDE)

    assert labels(svg, "word-label") == ["Too", "That", "was"]
    xs = [float(x) for x in re.findall(r'<text class="word-label[^"]*" x="([\d.]+)"', svg)]
    assert xs[0] < xs[1] < xs[2]  # "That" sits in the gap between its neighbours


def test_neighbouring_labels_go_to_different_rows_when_they_would_overlap():
    words = [word(t, 0.1 * i, 0.1 * i + 0.1) for i, t in enumerate(["entertainment", "industry"])]

    svg = pitch_chart.draw(feedback("semitones", [0.0, 1.0] * 50, words), pitch_chart.NARROW)

    ys = re.findall(r'<text class="word-label[^"]*" x="[\d.]+" y="([\d.]+)"', svg)
    assert len(set(ys)) == 2


def test_no_pitch_draws_nothing():
    assert (
        pitch_chart.draw(
            {"pitch": {"unit": "semitones", "times": [], "reference": []}}, pitch_chart.WIDE
        )
        == ""
    )
    assert pitch_chart.draw(None, pitch_chart.WIDE) == ""


def test_the_type_size_is_an_attribute_not_an_inline_style():
    """The site's Content-Security-Policy refuses style attributes; the drawing's own
    font-size attribute sets the size its layout was computed for."""
    svg = pitch_chart.draw(feedback("semitones", [0.0, 1.0] * 50, []), pitch_chart.NARROW)

    assert "style=" not in svg
    assert f'font-size="{pitch_chart.NARROW.font}"' in svg.split(">", 1)[0]
