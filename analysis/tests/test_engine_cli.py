"""The command line: single take and JSON-lines batch."""

from __future__ import annotations

import json

from analysis import score
from analysis.engine import synth

from .conftest import LINE


def test_batch_scores_each_line_and_reports_failures(warm_engine, speech, tmp_path, capsys):
    ref = tmp_path / "ref.wav"
    take = tmp_path / "take.wav"
    broken = tmp_path / "broken.webm"
    ref.write_bytes(synth.to_wav_bytes(speech()))
    take.write_bytes(synth.to_wav_bytes(speech(voice="en-us+klatt2")))
    broken.write_bytes(b"\x1a\x45\xdf\xa3 not really webm")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "\n".join(
            json.dumps({"reference": str(ref), "attempt": str(a), "text": LINE, "kind": "movie"})
            for a in (take, broken)
        )
    )

    code = score.main(["--batch", str(batch)])

    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1  # one take failed
    assert lines[0]["ok"] is True and 0 <= lines[0]["overall"] <= 100
    assert lines[0]["seconds"] > 0
    assert lines[1] == {**lines[1], "ok": False}
    assert lines[1]["error"]["code"] == "undecodable_audio"


def test_single_take_prints_the_assessment(warm_engine, speech, tmp_path, capsys):
    ref = tmp_path / "ref.wav"
    ref.write_bytes(synth.to_wav_bytes(speech()))

    code = score.main(["--reference", str(ref), "--attempt", str(ref), "--text", LINE])

    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["timing"] > 90
    assert out["detailed_feedback"]["version"] == 2


def test_language_comes_from_the_option_or_the_batch_line(warm_engine, speech, tmp_path, capsys):
    clip = tmp_path / "clip.wav"
    clip.write_bytes(synth.to_wav_bytes(speech()))
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"reference": str(clip), "attempt": str(clip), "text": LINE},
        {"reference": str(clip), "attempt": str(clip), "text": LINE, "language": "ja"},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines))

    assert score.main(["--batch", str(batch)]) == 0
    english, japanese = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    code = score.main(
        ["--reference", str(clip), "--attempt", str(clip), "--text", LINE, "--language", "ja"]
    )
    single = json.loads(capsys.readouterr().out)

    assert code == 0
    assert english["detailed_feedback"]["language"] == "en" and english["pronunciation"] >= 95
    assert japanese["detailed_feedback"]["language"] == "ja" and japanese["pronunciation"] is None
    assert single["pronunciation"] is None
    assert single["detailed_feedback"]["pronunciation"]["reason"]["en"]
