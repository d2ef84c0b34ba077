"""Pronunciation v2: judged against the actor, phone-level diagnosis, other languages."""

from __future__ import annotations

import pytest

from analysis.engine import pronunciation, synth
from analysis.engine.align import AlignedWord, Alignment
from analysis.engine.diagnosis import diagnose
from analysis.engine.phone_analysis import PhoneAnalysis, PhoneResult, WordResult

from .conftest import LINE

KOREAN_LINE = "안녕하세요 만나서 반갑습니다"


def _flagged(result) -> list[str]:
    return [w["text"] for w in result.detailed_feedback["words"] if w["status"] != "ok"]


# --- the rule, on numbers -----------------------------------------------------------


@pytest.mark.parametrize("gop", [-30.0, -8.0, -1.0, 0.0, 2.0, 12.0])
def test_a_phone_equal_to_the_actors_is_never_flagged(gop):
    assert pronunciation.phone_score(gop, gop) >= 95
    assert pronunciation.phone_score(5.0, 5.0, gop, gop) >= 95


def test_a_deletion_needs_stronger_evidence_than_a_substitution():
    # The same 3-nat loss: enough to call a substitution, not a missing phone.
    assert pronunciation.phone_score(-3.0, 5.0) < pronunciation.MISPRONOUNCED_BELOW
    assert pronunciation.phone_score(5.0, 5.0, -3.0, 5.0) >= pronunciation.MISPRONOUNCED_BELOW
    assert pronunciation.phone_score(5.0, 5.0, -9.0, 5.0) < pronunciation.MISPRONOUNCED_BELOW


def test_a_phone_is_flagged_only_past_both_the_absolute_floor_and_the_actor_margin():
    # The actor is clear (+5 nats); the learner's alternative wins by 3 nats.
    assert pronunciation.phone_score(-3.0, 5.0) < pronunciation.MISPRONOUNCED_BELOW
    # Far below the actor but the expected phone still wins: not flagged.
    assert pronunciation.phone_score(0.5, 5.0) >= pronunciation.MISPRONOUNCED_BELOW
    # The alternative wins, but the actor was just as doubtful: not flagged.
    assert pronunciation.phone_score(-3.0, -2.0) >= pronunciation.MISPRONOUNCED_BELOW


def test_a_much_clearer_actor_raises_the_bar_no_further_than_the_cap():
    assert pronunciation.phone_score(-1.6, 30.0) == pytest.approx(
        pronunciation.phone_score(-1.6, pronunciation.TARGET_CAP_NATS)
    )


def _word(
    gops: list[float],
    epenthesis: float = 30.0,
    presence: float = 20.0,
    deletions: list[float] | None = None,
    other: float = 10.0,
) -> WordResult:
    dels = deletions or [10.0] * len(gops)
    phones = [
        PhoneResult(p, g, {"b": "v", "ɛ": "æ", "d": None}[p], dl, other, 0.1, 0.2)
        for p, g, dl in zip("bɛd", gops, dels, strict=True)
    ]
    return WordResult(0, "bed", phones, presence=presence, epenthesis=epenthesis)


def _judge(att: WordResult, ref: WordResult, aligned: bool | None = True):
    alignment = Alignment([AlignedWord(0, "bed", "bed", bool(aligned))], [])
    return pronunciation.score_pronunciation(
        PhoneAnalysis("en", [ref]), PhoneAnalysis("en", [att]), alignment, "en", aligned is not None
    )


def test_an_added_final_vowel_is_diagnosed_with_a_bilingual_tip():
    result = _judge(_word([5.0, 5.0, 5.0], epenthesis=-6.0), _word([5.0, 5.0, 5.0]))

    word = result.words[0]
    issue = diagnose(word)
    assert word.status == "mispronounced" and word.epenthesis
    assert issue is not None and issue["kind"] == "epenthesis" and issue["expected"] == "d"
    assert "'bed'" in issue["en"] and "모음" in issue["ko"]
    assert issue["tip"] is not None and "으" in issue["tip"]["ko"]


def test_a_substituted_phone_names_what_was_heard():
    result = _judge(_word([5.0, -4.0, 5.0]), _word([5.0, 5.0, 5.0]))

    phone = result.words[0].phones[1]
    issue = diagnose(result.words[0])
    assert phone.status == "mispronounced" and phone.heard == "æ"
    assert issue is not None and issue["en"] == "/æ/ instead of /ɛ/ in 'bed'"
    assert issue["tip"] is not None  # æ/ɛ is one of the confusions with a tip


def test_a_sound_that_is_no_listed_confusion_is_flagged_on_strong_evidence_only():
    weak = _judge(_word([5.0, 5.0, 5.0], other=-8.0), _word([5.0, 5.0, 5.0]))
    strong = _judge(_word([5.0, 5.0, 5.0], other=-15.0), _word([5.0, 5.0, 5.0]))

    assert weak.words[0].status == "ok"
    assert strong.words[0].status == "mispronounced"
    issue = diagnose(strong.words[0])
    assert issue is not None and issue["kind"] == "unclear" and issue["heard"] is None
    assert issue["en"] == "/b/ in 'bed' sounded like another sound"


def test_a_deleted_phone_is_reported_missing():
    result = _judge(_word([5.0, 5.0, 5.0], deletions=[10.0, -9.0, 10.0]), _word([5.0, 5.0, 5.0]))

    phone = result.words[0].phones[1]
    issue = diagnose(result.words[0])
    assert phone.status == "missing" and phone.heard is None
    assert issue is not None and issue["kind"] == "deletion" and issue["expected"] == "ɛ"


def test_a_word_is_left_out_only_when_the_phone_model_and_the_aligner_agree():
    gone = _word([-9.0, -9.0, -9.0], presence=-25.0)
    actor = _word([5.0, 5.0, 5.0])

    assert _judge(gone, actor, aligned=False).words[0].status == "omitted"
    assert _judge(gone, actor, aligned=True).words[0].status == "mispronounced"
    # No word aligner (Korean): the phone model decides alone.
    assert _judge(gone, actor, aligned=None).words[0].status == "omitted"


# --- on speech ------------------------------------------------------------------------


def test_the_actor_against_himself_is_the_top_of_every_scale(score, speech):
    result = score(speech())

    assert min(result.scores.values()) >= 95
    assert _flagged(result) == []
    phones = [p for w in result.detailed_feedback["words"] for p in w["phone_scores"]]
    assert phones and all(p["status"] == "ok" and p["score"] >= 95 for p in phones)


def test_a_correct_take_by_another_voice_scores_high_with_few_flags(score, speech):
    result = score(speech(voice="en-us+klatt2", pitch=35))

    assert result.pronunciation >= 85
    assert len(_flagged(result)) <= 1


def test_an_r_said_as_l_is_found_in_its_word_and_named(score, speech):
    take = speech(LINE.replace("really", "[[l'i@li]]"), voice="en-us+klatt2", pitch=35)

    result = score(take)

    words = {w["text"]: w for w in result.detailed_feedback["words"]}
    really = words["really"]
    assert really["status"] == "mispronounced"
    assert really["issue"]["kind"] == "substitution"
    assert (really["issue"]["expected"], really["issue"]["heard"]) == ("ɹ", "l")
    assert really["issue"]["en"] == "/l/ instead of /ɹ/ in 'really'"
    assert really["issue"]["ko"] == "'really'에서 /ɹ/ 대신 /l/로 발음했어요"
    assert "혀끝" in really["issue"]["tip"]["ko"]
    assert really["phone_scores"][0]["status"] == "mispronounced"
    assert len(_flagged(result)) <= 2  # the changed word, at most one other
    assert result.pronunciation < score(speech(voice="en-us+klatt2", pitch=35)).pronunciation
    assert any(t["dimension"] == "pronunciation" for t in result.detailed_feedback["tips"])


def test_a_different_word_is_flagged_even_when_no_listed_confusion_explains_it(score, speech):
    result = score(speech(LINE.replace("leave", "take"), voice="en-us+klatt2", pitch=35))

    words = {w["text"]: w for w in result.detailed_feedback["words"]}
    assert words["leave"]["status"] != "ok"
    assert words["leave"]["issue"] is not None


def test_a_korean_line_is_scored_with_the_korean_phone_set(warm_engine, speech):
    reference = warm_engine.analyse_reference(
        synth.to_wav_bytes(speech(KOREAN_LINE, voice="ko")), KOREAN_LINE
    )
    take = synth.to_wav_bytes(speech(KOREAN_LINE, voice="ko+f3", pitch=40))

    result = warm_engine.assess(None, take, KOREAN_LINE, reference_analysis=reference)

    feedback = result.detailed_feedback
    assert reference["language"] == "ko" and feedback["language"] == "ko"
    assert feedback["pronunciation"]["assessed"] is True
    assert result.pronunciation >= 80
    assert "omitted" not in {w["status"] for w in feedback["words"]}
    phones = [p["phone"] for p in feedback["words"][0]["phone_scores"]]
    assert phones[:2] == ["a", "n"]  # 안녕: the Korean G2P's phones, not English ones


def test_a_language_without_a_phone_model_is_not_assessed(warm_engine, speech):
    text = "こんにちは 元気 ですか"
    clip = synth.to_wav_bytes(speech(KOREAN_LINE, voice="ko"))
    reference = warm_engine.analyse_reference(clip, text)

    result = warm_engine.assess(None, clip, text, reference_analysis=reference)

    feedback = result.detailed_feedback
    assert result.pronunciation is None
    assert feedback["pronunciation"]["assessed"] is False
    assert "Japanese" in feedback["pronunciation"]["reason"]["en"]
    assert "일본어" in feedback["pronunciation"]["reason"]["ko"]
    assert {w["status"] for w in feedback["words"]} == {"not_assessed"}
    # Overall is the speech weights over the three assessed dimensions.
    weights = {"intonation": 0.25, "timing": 0.25, "emotion": 0.15}
    expected = sum(w * result.scores[k] for k, w in weights.items()) / sum(weights.values())
    assert result.overall == pytest.approx(expected, abs=0.1)


def test_a_cached_reference_for_another_language_is_not_reused(warm_engine, reference_clip):
    english = warm_engine.analyse_reference(reference_clip, LINE)

    result = warm_engine.assess(
        reference_clip, reference_clip, LINE, reference_analysis=english, language="ja"
    )

    assert result.pronunciation is None
    assert result.detailed_feedback["language"] == "ja"
