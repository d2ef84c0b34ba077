import pytest

from scripts.subtitles import SubtitleError, decode_subtitles, parse_subtitles

SRT = """1
00:00:01,000 --> 00:00:02,500
[JOEY] How you doin'?

2
00:00:03,000 --> 00:00:04,250
RACHEL: Oh, stop it.

3
00:00:05,000 --> 00:00:07,000
Nobody speaks here,
over two lines.
"""


def errors_of(text: str, **kwargs) -> list[str]:
    with pytest.raises(SubtitleError) as info:
        parse_subtitles(text, **kwargs)
    return [str(error) for error in info.value.errors]


def test_parse_srt_reads_times_speakers_and_text():
    cues = parse_subtitles(SRT)

    assert [(c.number, c.start, c.end) for c in cues] == [
        (1, 1.0, 2.5),
        (2, 3.0, 4.25),
        (3, 5.0, 7.0),
    ]
    assert [c.speaker for c in cues] == ["JOEY", "RACHEL", ""]
    assert cues[0].text == "How you doin'?"
    assert cues[2].text == "Nobody speaks here, over two lines."


def test_parse_srt_accepts_bom_crlf_and_dot_decimals():
    text = "\ufeff" + SRT.replace("\n", "\r\n").replace("00:00:01,000", "00:00:01.000")

    cues = parse_subtitles(text)

    assert len(cues) == 3
    assert cues[0].start == 1.0


def test_parse_vtt_handles_header_notes_settings_and_voices():
    text = """WEBVTT - a scene

NOTE written by a curator

intro
00:01.000 --> 00:02.000 align:start position:10%
<v Joey>How <i>you</i> doin'?</v>

00:00:02.500 --> 00:00:04.000
<v.loud Mr. Kim>Stop <b>it</b>.

00:00:04.500 --> 00:00:05.000
- Well: I said no.
"""
    cues = parse_subtitles(text)

    assert [(c.start, c.end) for c in cues] == [(1.0, 2.0), (2.5, 4.0), (4.5, 5.0)]
    assert [c.speaker for c in cues] == ["Joey", "Mr. Kim", "Well"]
    assert [c.text for c in cues][:2] == ["How you doin'?", "Stop it."]


def test_parse_does_not_mistake_sound_cues_or_sentences_for_speakers():
    text = "1\n00:00:01,000 --> 00:00:02,000\n[laughs] Really, you think so: maybe.\n"

    cue = parse_subtitles(text)[0]

    assert cue.speaker == ""
    assert cue.text == "[laughs] Really, you think so: maybe."


def test_parse_korean_speaker_with_colon():
    text = "1\n00:00:01,000 --> 00:00:02,000\n지훈: 우산 없어?\n"

    cue = parse_subtitles(text)[0]

    assert (cue.speaker, cue.text) == ("지훈", "우산 없어?")


def test_parse_reports_bad_timestamp_per_cue():
    text = SRT.replace("00:00:03,000 --> 00:00:04,250", "00:00:03 --> 00:00:04,250")

    errors = errors_of(text)

    assert len(errors) == 1
    assert errors[0].startswith("Cue 2, line 6: bad timestamp")


def test_parse_reports_end_before_start_and_overlaps():
    text = """1
00:00:02,000 --> 00:00:01,000
Backwards.

2
00:00:05,000 --> 00:00:08,000
First.

3
00:00:07,000 --> 00:00:09,000
Overlaps the second.
"""
    errors = errors_of(text)

    assert any(e.startswith("Cue 1") and "before it starts" in e for e in errors)
    assert any(e.startswith("Cue 3") and "before cue 2 ends" in e for e in errors)


def test_parse_reports_cues_past_the_end_of_the_audio():
    errors = errors_of(SRT, audio_duration=5.5)

    assert errors == ["Cue 3, line 10: ends at 7.000 s, after the end of the audio (5.500 s)."]


def test_parse_reports_missing_timing_and_empty_text():
    text = "1\nno timing here\n\n2\n00:00:03,000 --> 00:00:04,000\n"

    errors = errors_of(text)

    assert any(e.startswith("Cue 1") and "no timing line" in e for e in errors)
    assert any(e.startswith("Cue 2") and "has no text" in e for e in errors)


def test_parse_rejects_a_file_without_cues():
    assert errors_of("WEBVTT\n") == ["The subtitles contain no cues."]
    assert errors_of("") == ["The subtitles contain no cues."]


def test_parse_rejects_overlong_lines():
    text = "1\n00:00:00,000 --> 00:00:45,000\nA very long monologue.\n"

    assert "at most 30 s" in errors_of(text)[0]


def test_decode_subtitles_reads_utf8_and_korean_legacy_encoding():
    korean = "1\n00:00:01,000 --> 00:00:02,000\n안녕하세요\n"

    assert decode_subtitles(korean.encode("cp949")) == korean
    assert decode_subtitles(b"\xef\xbb\xbf" + korean.encode()) == korean
