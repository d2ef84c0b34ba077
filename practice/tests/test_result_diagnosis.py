"""The result's per-word diagnosis (feedback version 2): tappable words, their phones as
chips, the substitution named and a tip in the interface language; pronunciation shown
as not assessed where the line's language has no model; version 1 results unchanged."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from practice.tests.factories import (
    DIAGNOSED_LINE,
    NOT_ASSESSED_REASON,
    R_TIP,
    AttemptFactory,
    LineFactory,
    diagnosed_feedback,
    feedback_for,
    not_assessed_feedback,
)
from practice.views import result_context

pytestmark = pytest.mark.django_db


def render_result(attempt, language: str = "en") -> str:
    with translation.override(language):
        return render_to_string("practice/partials/result.html", result_context(attempt))


def panel(html: str, word_position: int) -> str:
    """The panel of the word at `word_position` in feedback["words"]."""
    match = re.search(rf'<section [^>]*id="word-panel-{word_position}".*?</section>', html, re.S)
    assert match, f"no panel for word {word_position}"
    return match.group(0)


def chips(panel_html: str) -> list[tuple[str, str, str]]:
    """(status class, IPA, score text) of each phone chip, in order."""
    return re.findall(
        r'<li class="phone phone-(\w+)[^"]*">.*?<span class="phone-ipa">([^<]+)</span>'
        r'.*?<span class="phone-score">([^<]+)</span>',
        panel_html,
        re.S,
    )


@pytest.fixture
def diagnosed_attempt():
    return AttemptFactory(
        line=LineFactory(text=DIAGNOSED_LINE),
        overall=70.0,
        pronunciation=55.0,
        detailed_feedback=diagnosed_feedback(),
    )


@pytest.fixture
def not_assessed_attempt():
    line = LineFactory(text="내가 그랬잖아")
    return AttemptFactory(
        line=line,
        overall=77.0,
        pronunciation=None,
        intonation=70.0,
        timing=85.0,
        emotion=76.0,
        detailed_feedback=not_assessed_feedback(line.text),
    )


def test_result_words_are_buttons_that_control_their_panels(diagnosed_attempt):
    html = render_result(diagnosed_attempt)

    buttons = re.findall(
        r'<button type="button" class="word status-(\w+)[^"]*" id="word-(\d)" data-word="\d"\s+'
        r'aria-expanded="false" aria-controls="word-panel-(\d)"\s+aria-label="[^"]+">([^<]+)<',
        html,
    )
    assert buttons == [
        ("ok", "0", "0", "The"),
        ("mispronounced", "1", "1", "rain"),
        ("omitted", "2", "2", "in"),
        ("mispronounced", "4", "4", "Spain."),
    ]
    # The extra sound stays a mark in the transcript, with no panel.
    assert 'class="word status-inserted"' in html
    assert 'id="word-panel-3"' not in html
    # Panels start hidden for the script; without it a <noscript> style shows them.
    assert html.count('class="word-panel ') == 4
    assert all("hidden" in panel(html, i).split(">", 1)[0] for i in (0, 1, 2, 4))
    # Rendered without a request here, so the nonce is empty.
    assert '<noscript><style nonce="">.word-panels .word-panel[hidden]' in html
    assert "{#" not in html and "{%" not in html  # no template comment leaks into the page
    assert 'aria-label="rain: Mispronounced · 42"' in html


def test_result_panel_shows_phone_chips_with_what_was_heard(diagnosed_attempt):
    rain = panel(render_result(diagnosed_attempt), 1)

    assert chips(rain) == [("mispronounced", "ɹ", "18"), ("ok", "eɪ", "84"), ("ok", "n", "91")]
    # Not by colour alone: a mark and the sound heard instead are written out.
    assert '<span class="phone-mark" aria-hidden="true">!</span>' in rain
    assert "heard as </span>l</span>" in rain
    assert 'class="phone phone-mispronounced band-weak"' in rain
    assert 'class="phone phone-ok band-good"' in rain
    assert '<span class="score-chip band-weak" title="Word score">42</span>' in rain


def test_result_panel_names_the_substitution_and_the_tip_in_english(diagnosed_attempt):
    html = render_result(diagnosed_attempt, "en")

    rain = panel(html, 1)
    assert "/l/ instead of /ɹ/ in &#x27;rain&#x27;" in rain
    assert R_TIP["en"] in rain and R_TIP["ko"] not in rain
    assert "A vowel added after /s/ in &#x27;Spain&#x27;" in panel(html, 4)
    assert "No problem found in this word." in panel(html, 0)


def test_result_panel_names_the_substitution_and_the_tip_in_korean(diagnosed_attempt):
    html = render_result(diagnosed_attempt, "ko")

    rain = panel(html, 1)
    assert "&#x27;rain&#x27;에서 /ɹ/ 대신 /l/로 발음했어요" in rain
    assert R_TIP["ko"] in rain and R_TIP["en"] not in rain
    assert "단어를 눌러 소리를 확인하세요." in html  # the hint, translated
    assert "instead of" not in html


def test_result_panel_of_a_left_out_word_marks_every_phone_missing(diagnosed_attempt):
    left_out = panel(render_result(diagnosed_attempt), 2)

    assert chips(left_out) == [("missing", "ɪ", "missing"), ("missing", "n", "missing")]
    assert '<span class="phone-mark" aria-hidden="true">✕</span>' in left_out
    assert "You left this word out." in left_out
    assert "score-chip" not in left_out  # a 0 would only repeat "Left out"


def test_result_shows_pronunciation_not_assessed_with_the_reason_and_no_number(
    not_assessed_attempt,
):
    html = render_result(not_assessed_attempt, "en")

    pronunciation = re.search(r'<div class="score not-assessed">.*?</div>', html, re.S).group(0)
    assert "Not assessed" in pronunciation and "Pronunciation" in pronunciation
    assert not re.search(r"\d", pronunciation)
    assert "band-none" not in html.split('class="transcript"')[0]
    assert NOT_ASSESSED_REASON["en"] in html
    # The other scores are shown as usual, the words without panels.
    assert '<span class="score-value">77</span>' in html
    transcript = html.split('class="transcript"')[1].split("</p>")[0]
    assert transcript.count('class="word status-not_assessed') == 2
    # Each word plays (data-word) but opens no panel: there are no phones to show.
    assert transcript.count("data-word=") == 2
    assert "aria-controls" not in transcript
    assert "data-word-panels" not in html


def test_result_shows_the_not_assessed_reason_in_korean(not_assessed_attempt):
    html = render_result(not_assessed_attempt, "ko")

    assert NOT_ASSESSED_REASON["ko"] in html
    assert NOT_ASSESSED_REASON["en"] not in html
    assert "평가하지 않음" in html


def test_result_without_a_reason_still_says_why_pronunciation_is_missing(not_assessed_attempt):
    not_assessed_attempt.detailed_feedback["pronunciation"]["reason"] = None

    html = render_result(not_assessed_attempt, "en")

    assert "Pronunciation was not assessed for this line." in html


def test_result_of_version_1_feedback_renders_words_without_panels():
    attempt = AttemptFactory(
        line=LineFactory(text="I never said that"),
        detailed_feedback=feedback_for("I never said that", scores={"said": 40}),
    )

    html = render_result(attempt)

    assert '<button type="button" class="word status-mispronounced band-weak" data-word="2"' in html
    assert 'aria-label="said: Mispronounced · 40">said</button>' in html
    assert "aria-controls" not in html
    assert "data-word-panels" not in html and "word-panel" not in html
    assert '<span class="score-value">75</span>' in html


def test_attempt_page_in_korean_shows_the_diagnosis_to_its_owner(client, diagnosed_attempt):
    client.force_login(diagnosed_attempt.user)
    client.cookies["django_language"] = "ko"

    response = client.get(reverse("practice:attempt", args=[diagnosed_attempt.job_id]))

    assert response.status_code == 200
    assert "&#x27;rain&#x27;에서 /ɹ/ 대신 /l/로 발음했어요" in response.text
    assert "practice/result.js" in response.text


def test_result_of_a_take_whose_recording_expired_keeps_the_actor_and_says_why_yours_is_gone():
    from django.utils import timezone

    attempt = AttemptFactory(
        line=LineFactory(text=DIAGNOSED_LINE),
        detailed_feedback=diagnosed_feedback(),
        recording="",
        recording_expired_at=timezone.now(),
    )

    html = render_result(attempt)

    assert 'data-track="actor"' in html
    assert 'data-track="take"' not in html and 'data-play="take"' not in html
    assert 'data-plays="take"' not in html and 'data-plays="actor"' in html
    assert "The recording of this take was deleted after 90 days" in html
    assert 'class="score-value">' in html  # the scores stay
