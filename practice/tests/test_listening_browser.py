"""Listening on the result page in Chromium: tap a word and hear the actor's word, then
the learner's, cut from the stored timings; the actor slowed down; an A–B loop; the
keyboard; both waveforms on one time axis.

What was played is read from the media elements' own events (`playing`, `pause`, with
`currentTime`), recorded by a script the test adds, not from the player's state."""

import itertools
import math
import re

import pytest
from django.core.files.base import ContentFile

from practice.tests.factories import DIAGNOSED_LINE, AttemptFactory, LineFactory, diagnosed_feedback
from practice.tests.test_result_browser import ARTIFACTS, signed_in
from scripts.guide import line_make_guide_voice
from scripts.models import Kind
from scripts.tests.factories import ScriptFactory, UserFactory, tone
from yousync.testing import launch_chromium, wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium polls the span's end every 10 ms and pauses; the `pause` event and
# `currentTime` then lag by a frame or two of audio rendering.
END_SLACK = 0.12

RECORD_MEDIA = """
() => {
  window.played = [];
  for (const media of document.querySelectorAll('[data-listen] audio')) {
    const track = media.closest('[data-track]').dataset.track;
    for (const event of ['play', 'playing']) {
      media.addEventListener(event, () => window.played.push(
        {track, event, time: media.currentTime, rate: media.playbackRate,
         pitchKept: media.preservesPitch, at: performance.now()}));
    }
    media.addEventListener('pause', () => window.played.push(
      {track, event: 'pause', time: media.currentTime, at: performance.now()}));
  }
}
"""


def spans(page) -> list[tuple[str, float, float]]:
    """(track, start, end) for each stretch played: where `play` found the clip (after
    the seek), and where the `pause` after it left it."""
    events = page.evaluate("window.played")
    out, open_ = [], {}
    for e in events:
        if e["event"] == "play":
            open_.setdefault(e["track"], e["time"])
        elif e["event"] == "pause" and e["track"] in open_:
            out.append((e["track"], open_.pop(e["track"]), e["time"]))
    return out


@pytest.fixture
def learner_for_browser():
    return UserFactory()


@pytest.fixture
def result_page(live_server, page):
    from playwright.sync_api import expect

    feedback = diagnosed_feedback()
    line = LineFactory(
        text=DIAGNOSED_LINE,
        reference_audio=ContentFile(tone(3.0, freq=200.0), name="actor.wav"),
        duration=3.0,
    )
    attempt = AttemptFactory(
        line=line,
        recording=ContentFile(tone(2.0, freq=300.0), name="take.wav"),
        content_type="audio/wav",
        duration=2.0,
        overall=70.0,
        detailed_feedback=feedback,
    )
    signed_in(page, live_server, attempt.user)
    page.goto(f"{live_server.url}/attempts/{attempt.job_id}/")
    expect(page.locator("#result [data-listen]")).to_have_attribute("data-ready", "1")
    page.evaluate(RECORD_MEDIA)
    words = [w for w in feedback["words"] if w["status"] != "inserted"]
    return page, words


def test_tapping_a_word_plays_the_actors_word_then_the_learners(result_page):
    from playwright.sync_api import expect

    page, words = result_page
    rain = words[1]

    page.get_by_role("button", name=re.compile(r"^rain:")).click()

    wait_for_js(page, "window.played.filter(e => e.event === 'pause').length >= 2")
    (actor, a0, a1), (take, t0, t1) = spans(page)[:2]
    assert actor == "actor"
    assert a0 == pytest.approx(rain["ref_start"], abs=0.02)
    assert rain["ref_end"] <= a1 <= rain["ref_end"] + END_SLACK
    assert take == "take"
    assert t0 == pytest.approx(rain["start"], abs=0.02)
    assert rain["end"] <= t1 <= rain["end"] + END_SLACK
    # The word's panel opens too, and its phones are marked by score.
    expect(page.locator("#word-panel-1 .phone.band-weak")).to_have_count(1)


def test_the_actor_plays_slower_with_the_pitch_kept(result_page):
    page, _ = result_page

    page.get_by_role("button", name="0.5×").click()
    page.locator("#result [data-play=actor]").click()
    wait_for_js(page, "window.played.some(e => e.event === 'playing')")
    page.wait_for_timeout(1200)
    page.locator("#result [data-play=stop]").click()
    wait_for_js(page, "window.played.some(e => e.event === 'pause')")

    events = page.evaluate("window.played")
    start = next(e for e in events if e["event"] == "playing")
    stop = next(e for e in events if e["event"] == "pause")
    media_seconds = stop["time"] - start["time"]
    wall_seconds = (stop["at"] - start["at"]) / 1000
    assert start["rate"] == 0.5
    assert start["pitchKept"] is True
    assert media_seconds / wall_seconds == pytest.approx(0.5, abs=0.12)


def test_an_a_b_loop_repeats_the_chosen_words(result_page):
    from playwright.sync_api import expect

    page, words = result_page
    loop = page.locator("#result [data-loop]")
    page.select_option("#result-loop-from", label="rain")
    page.select_option("#result-loop-to", label="Spain.")

    loop.click()
    expect(loop).to_have_attribute("aria-pressed", "true")
    wait_for_js(page, "window.played.filter(e => e.event === 'pause').length >= 2")
    loop.click()
    expect(loop).to_have_attribute("aria-pressed", "false")

    played = [s for s in spans(page) if s[0] == "actor"]
    start, end = words[1]["ref_start"], words[-1]["ref_end"]
    assert len(played) >= 2
    for _track, a, b in played[:2]:
        assert a == pytest.approx(start, abs=0.02)
        assert end <= b <= end + END_SLACK


def test_the_keyboard_moves_between_words_and_plays_them(result_page):
    from playwright.sync_api import expect

    page, words = result_page
    first = page.locator("#result [data-word='0']")
    first.focus()

    page.keyboard.press("ArrowRight")
    expect(page.locator("#result [data-word='1']")).to_be_focused()
    page.keyboard.press("Enter")
    wait_for_js(page, "window.played.filter(e => e.event === 'pause').length >= 2")
    assert spans(page)[0][1] == pytest.approx(words[1]["ref_start"], abs=0.02)

    page.evaluate("window.played = []")
    page.keyboard.press("Space")
    wait_for_js(page, "window.played.some(e => e.event === 'playing')")
    assert page.evaluate("window.played[0]")["track"] == "actor"
    assert page.evaluate("window.played[0]")["time"] == pytest.approx(0, abs=0.05)


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_both_waveforms_are_drawn_on_one_time_axis(result_page, width, height):
    page, _ = result_page
    page.set_viewport_size({"width": width, "height": height})

    boxes = {}
    for track in ("actor", "take"):
        wave = page.locator(f"#result [data-track={track}] [data-wave]")
        assert wave.locator("canvas").count() >= 1  # wavesurfer draws in its shadow root
        boxes[track] = wave.bounding_box()
    # 2 s of take against 3 s of the actor: two thirds as wide, from the same left edge.
    assert boxes["take"]["width"] / boxes["actor"]["width"] == pytest.approx(2 / 3, abs=0.02)
    assert boxes["take"]["x"] == pytest.approx(boxes["actor"]["x"], abs=1)
    page.screenshot(path=str(ARTIFACTS / f"result-listen-{width}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height", "shown"), [(1280, 900, "wide"), (390, 844, "narrow")])
def test_the_pitch_chart_has_a_scale_and_every_word_readable_on_a_phone(
    live_server, page, width, height, shown
):
    from playwright.sync_api import expect

    feedback = diagnosed_feedback()
    times = [round(0.01 * i, 2) for i in range(200)]
    feedback["pitch"] = {
        "unit": "semitones",
        "times": times,
        "reference": [round(3 * math.sin(t * 3), 2) if t < 1.6 else None for t in times],
        "attempt": [round(2 * math.sin(t * 3) - 1, 2) if t < 1.5 else None for t in times],
    }
    attempt = AttemptFactory(line=LineFactory(text=DIAGNOSED_LINE), detailed_feedback=feedback)
    signed_in(page, live_server, attempt.user)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/attempts/{attempt.job_id}/")

    chart = page.locator(f"#result svg.pitch-chart-{shown}")
    expect(chart).to_be_visible()
    expect(page.locator("#result svg.pitch-chart:visible")).to_have_count(1)
    labels = chart.locator("text.word-label")
    expect(labels).to_have_text(["The", "rain", "in", "Spain."])
    ticks = chart.locator("text.tick").all_text_contents()
    assert "0" in ticks and "+2" in ticks and "−2" in ticks  # semitones around the voice
    assert "1 s" in ticks
    expect(chart.locator("text.axis-title")).to_have_text("semitones")
    # Readable: on screen, every label is at least 11 px tall, and none overlaps another.
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    assert min(b["height"] for b in boxes) >= 11
    for a, b in itertools.combinations(boxes, 2):
        apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
        assert apart or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"result-pitch-{width}.png"))


def test_an_unusable_take_gets_an_error_panel_and_cannot_be_sent_again(
    live_server, playwright_instance, learner_for_browser, settings
):
    from playwright.sync_api import expect

    settings.MIN_RECORDING_SECONDS = 20  # any take the browser makes here is too short
    line = LineFactory(text=DIAGNOSED_LINE)
    browser = launch_chromium(playwright_instance, "--use-fake-device-for-media-stream")
    try:
        page = browser.new_page(locale="en-US")
        signed_in(page, live_server, learner_for_browser)
        page.goto(f"{live_server.url}/lines/{line.id}/practice/")
        page.click("#record")
        expect(page.locator("#stop")).to_be_visible(timeout=10_000)
        page.click("#stop")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#submit")

        assert answer.value.status == 400
        assert answer.value.json()["code"] == "too_short"
        panel = page.locator("#take-error .error-panel")
        expect(panel).to_be_visible()
        expect(panel).to_have_attribute("role", "alert")
        expect(panel.locator(".error-title")).to_contain_text("The take is too short")
        expect(panel.locator(".error-what")).to_contain_text("say the whole line")
        expect(page.locator("#submit")).to_be_disabled()  # the same take cannot go again
        page.screenshot(path=str(ARTIFACTS / "practice-unusable-take.png"))

        page.click("#redo")  # a new take may be sent
        expect(panel).to_be_hidden()
        expect(page.locator("#record")).to_be_enabled()
    finally:
        browser.close()


def test_the_guide_voice_plays_in_the_browser_and_its_slow_reading_is_longer(
    live_server, page, settings, learner_for_browser
):
    from playwright.sync_api import expect

    settings.GUIDE_VOICE = True
    line = LineFactory(text="Hold the door, please.")
    line_make_guide_voice(line=line)
    signed_in(page, live_server, learner_for_browser)
    page.goto(f"{live_server.url}/lines/{line.id}/practice/")
    expect(page.locator(".guide-label")).to_contain_text("a synthetic voice, not the actor")
    page.evaluate(RECORD_MEDIA)

    durations = {}
    for track in ("guide", "guide_slow"):
        page.locator(f"[data-play={track}]").click()
        wait_for_js(
            page,
            f"window.played.some(e => e.track === '{track}' && e.event === 'pause')",
            timeout=15,
        )
        durations[track] = page.evaluate(
            f"document.querySelector('[data-track={track}] audio').duration"
        )

    # Chromium decoded both readings; slowed, the same words take longer.
    assert 0.8 < durations["guide"] < 5
    assert durations["guide_slow"] > 1.3 * durations["guide"]
    played = {track: (a, b) for track, a, b in spans(page)}
    assert played["guide"][1] == pytest.approx(durations["guide"], abs=0.15)


def test_a_song_line_names_its_key_plays_the_starting_note_then_counts_in_and_lights_the_lyrics(
    live_server, playwright_instance, learner_for_browser
):
    from playwright.sync_api import expect

    line = LineFactory(
        script=ScriptFactory(kind=Kind.SONG),
        text="Twinkle, twinkle, little star,",
        reference_analysis={
            "alignment": {
                "words": [
                    {"text": t, "start": 0.5 * i, "end": 0.5 * i + 0.45}
                    for i, t in enumerate(["Twinkle,", "twinkle,", "little", "star,"])
                ]
            },
            "song": {
                "key": {"name": "C major", "name_ko": "다장조"},
                "start_note": {"midi": 60, "name": "C4", "hz": 261.6},
            },
        },
    )
    browser = launch_chromium(playwright_instance, "--use-fake-device-for-media-stream")
    try:
        page = browser.new_page(locale="en-US")
        signed_in(page, live_server, learner_for_browser)
        page.goto(f"{live_server.url}/lines/{line.id}/practice/")
        expect(page.locator("#recorder h2")).to_have_text("2. Sing along")
        expect(page.locator(".song-key")).to_contain_text("Key: C major")
        expect(page.locator(".song-key")).to_contain_text("Starting note: C4")

        page.click("#record")
        # The note first (♪, 1.2 s), then the 3-2-1 count-in, then recording.
        expect(page.locator("#countdown")).to_have_text("♪")
        expect(page.locator("#recorder")).to_have_attribute("data-starting-note-played", "261.6")
        expect(page.locator("#countdown")).to_have_text("3", timeout=3_000)
        expect(page.locator("#stop")).to_be_visible(timeout=5_000)
        expect(page.locator(".line-words .ref-word.now")).to_have_count(1, timeout=2_000)
        page.click("#stop")
    finally:
        browser.close()
