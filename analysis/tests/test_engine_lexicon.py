"""Turning a line's text into words and phones, including words not in the dictionary."""

from __future__ import annotations

import pytest

from analysis.engine import lexicon, synth


def test_tokenize_keeps_display_text_and_normalises_keys():
    tokens = lexicon.tokenize("Don’t go—please, 42 times!")

    assert tokens == [
        ("Don't", "don't"),
        ("go", "go"),
        ("please,", "please"),
        ("42", "forty"),
        ("two", "two"),
        ("times!", "times"),
    ]


def test_dictionary_words_use_cmudict():
    words = lexicon.words_for("the lazy dog")

    assert [w.phones for w in words] == [("DH", "AH"), ("L", "EY", "Z", "IY"), ("D", "AO", "G")]
    assert {w.source for w in words} == {"cmudict"}


@pytest.mark.skipif(not synth.espeak_available(), reason="espeak-ng is not installed")
def test_unknown_word_gets_espeak_pronunciation():
    (word,) = lexicon.words_for("Zorblatix")

    assert word.source == "espeak"
    assert word.phones[0] == "Z"
    assert set(word.phones) <= set(lexicon.ARPABET)


def test_unknown_word_falls_back_to_spelling_without_espeak(monkeypatch):
    monkeypatch.setattr(lexicon, "espeak_binary", lambda: None)
    monkeypatch.setattr(lexicon, "_oov_cache", {})

    (word,) = lexicon.words_for("Quoxibar")

    assert word.source == "spelling"
    assert word.phones[:2] == ("K", "W")
    assert set(word.phones) <= set(lexicon.ARPABET)


def test_ipa_maps_to_arpabet():
    assert lexicon.ipa_to_arpabet("ðə kwˈɪk") == ("DH", "AH", "K", "W", "IH", "K")
    assert lexicon.ipa_to_arpabet("tʃˈeɪndʒ") == ("CH", "EY", "N", "JH")
