"""A learner records a line in Chromium (fake microphone fed from a WAV) and sees the score.

The site runs as `manage.py serve` in a separate process (ASGI: HTTP + WebSocket, with
the in-process worker) on its own SQLite file, exactly as `make run` serves it.
"""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings
from django.utils import translation
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from practice.progress import STAGES
from practice.tests.conftest import espeak_wav
from practice.views import stage_labels
from yousync.testing import child_env, launch_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
EMAIL, PASSWORD = "dubber@example.com", "a-long-password-9"


def with_leading_silence(wav: bytes, seconds: float) -> bytes:
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    padded = np.concatenate([np.zeros(int(seconds * rate), np.float32), samples])
    buffer = io.BytesIO()
    sf.write(buffer, padded, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def site(processes, tmp_path):
    # One upload a minute: the learner's second take meets the API's upload limit.
    env = child_env(
        embedded=True,
        VAR_DIR=str(tmp_path),
        ACCOUNT_EMAIL_VERIFICATION="none",
        API_THROTTLE_UPLOAD="1/min",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    line = json.loads(
        manage(
            env,
            "shell",
            "-c",
            "import json; from accounts.models import User; from scripts.models import Line;"
            f"User.objects.create_user({EMAIL!r}, {PASSWORD!r});"
            "line = Line.objects.filter(script__kind='movie').order_by('position')[1];"
            "print(json.dumps({'id': line.id, 'text': line.text}))",
        )
        .strip()
        .splitlines()[-1]
    )
    server = processes.server(env, command="serve")
    return server, line


@pytest.fixture
def speaking_browser(site, tmp_path, playwright_instance):
    """Chromium whose fake microphone says the site's line in a voice of its own."""
    _server, line = site
    take = tmp_path / "take.wav"
    # Chromium plays the file from when the microphone opens; the 3-2-1 count-in
    # (2.4 s) comes before recording starts, so the learner speaks after it.
    take.write_bytes(with_leading_silence(espeak_wav(line["text"], voice="en-us+m3"), 2.6))
    browser = launch_chromium(
        playwright_instance,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={take}",
        "--autoplay-policy=no-user-gesture-required",
    )
    yield browser
    browser.close()


def open_line_signed_in(page, server, line) -> None:
    page.goto(f"{server.base_url}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.base_url}/lines/{line['id']}/practice/")
    expect(page.locator("h1.line-words")).to_contain_text(line["text"].split()[0])


@pytest.mark.browser
def test_learner_records_a_line_and_sees_scores_and_pitch_chart(site, speaking_browser):
    server, line = site
    ARTIFACTS.mkdir(exist_ok=True)
    page = speaking_browser.new_page(locale="en-US")
    try:
        open_line_signed_in(page, server, line)

        record_a_take(page)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#submit")
        upload = answer.value
        # Live progress over the WebSocket, then the result block.
        expect(page.locator("#scoring")).to_be_visible(timeout=10_000)
        expect(page.locator("#result .scores")).to_be_visible(timeout=120_000)
        expect(page.locator("#result .pitch-chart polyline.reference").first).to_be_attached()
        # The result's player: both clips drawn, the learner's take fetched from the site.
        expect(page.locator("#result [data-listen]")).to_have_attribute("data-ready", "1")
        expect(page.locator("#result [data-track=take] [data-wave] canvas").first).to_be_attached()
        expect(page.locator("#submit")).to_be_hidden()
        overall = int(page.locator("#result .score.overall .score-value").inner_text())
        words = page.locator("#result .transcript .word").count()
        page.screenshot(path=str(ARTIFACTS / "practice-result.png"), full_page=True)

        # A second take within the minute: the API refuses it and the page says when to retry.
        record_a_take(page)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#submit")
        refused = answer.value
        refused_body = refused.json()
        expect(page.locator("#recorder-status")).to_contain_text("Try again in")
        expect(page.locator("#submit")).to_be_enabled()
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.locator("#recorder-status").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "practice-throttled-390.png"))
    finally:
        page.close()

    # The page uploads through the API, signed in by its session, with its CSRF token.
    assert upload.url == f"{server.base_url}/api/tokens/{line['id']}/upload-audio"
    assert upload.status == 202
    assert upload.request.headers["x-csrftoken"]
    assert "authorization" not in upload.request.headers
    assert 0 <= overall <= 100
    assert words >= len(line["text"].split()) - 1
    assert refused.url == upload.url
    assert refused.status == 429
    assert refused_body["code"] == "throttled"


# What the practice page's two bars look like each time one changes (recorder.js shows
# the upload's, live.js fills the scoring one): its stage name, value, whether it is in
# the viewport and how it is drawn. Kept in the page, read back at the end.
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const recorder = document.getElementById("recorder");
  const look = (block) => {
    const bar = block.querySelector(".progress-bar");
    const fill = block.querySelector(".progress-fill");
    const box = bar.getBoundingClientRect();
    const barStyle = getComputedStyle(bar), fillStyle = getComputedStyle(fill);
    return {
      block: block.id,
      stage: block.querySelector(".progress-stage")?.textContent.trim() ?? "",
      value: Number(bar.getAttribute("aria-valuenow")),
      inView: box.top >= 0 && box.bottom <= innerHeight && box.height > 0,
      height: box.height,
      tag: bar.tagName.toLowerCase(),
      track: barStyle.backgroundColor,
      fill: fillStyle.backgroundImage !== "none" ? fillStyle.backgroundImage
                                                 : fillStyle.backgroundColor,
      rounded: parseFloat(barStyle.borderTopLeftRadius) > 0,
    };
  };
  const note = () => {
    for (const id of ["upload-progress", "scoring"]) {
      const block = document.getElementById(id);
      if (block.hidden) continue;
      const seen = look(block);
      const last = window.progressSeen.findLast((s) => s.block === id);
      if (JSON.stringify(last) !== JSON.stringify(seen)) window.progressSeen.push(seen);
    }
  };
  new MutationObserver(note).observe(recorder, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["hidden", "aria-valuenow"],
  });
}"""


@pytest.mark.browser
def test_learner_sees_the_upload_bar_then_each_scoring_stage_where_they_are_looking(
    site, speaking_browser
):
    """On a phone: "Score my take" shows the upload's bar, then a styled bar with the
    stage names of practice.progress.STAGES, on screen where the learner tapped, then the
    result."""
    server, line = site
    page = speaking_browser.new_page(locale="en-US", viewport={"width": 390, "height": 844})
    try:
        open_line_signed_in(page, server, line)
        record_a_take(page)
        page.evaluate(WATCH_PROGRESS)
        page.click("#submit")
        expect(page.locator("#result .scores")).to_be_visible(timeout=120_000)
        expect(page.locator("#scoring")).to_be_hidden()
        seen = page.evaluate("window.progressSeen")
    finally:
        page.close()

    with translation.override("en"):
        names = [str(stage_labels()[stage]) for stage in STAGES]
    uploads = [s for s in seen if s["block"] == "upload-progress"]
    scoring = [s for s in seen if s["block"] == "scoring"]
    shown = list(dict.fromkeys(s["stage"] for s in scoring))  # in the order they came
    assert uploads, seen
    assert scoring, seen
    assert set(shown) <= set(names), shown
    # Stage names, in the pipeline's order, beyond the page's own "waiting" one.
    assert len(shown) >= 2, shown
    assert [names.index(name) for name in shown] == sorted(names.index(name) for name in shown)
    values = [s["value"] for s in scoring]
    assert values == sorted(values) and values[-1] > 0, values
    for bar in uploads + scoring:
        # A bar of the site's own (not the browser's <progress>): a tinted, rounded track
        # and a fill of another colour, where the learner is looking.
        assert bar["tag"] == "div" and bar["rounded"] and bar["height"] >= 4, bar
        assert bar["track"] not in ("rgba(0, 0, 0, 0)", "transparent"), bar
        assert bar["fill"] not in ("rgba(0, 0, 0, 0)", "transparent", bar["track"]), bar
        assert bar["inView"], bar


def record_a_take(page) -> None:
    """Record, then stop after 4 s; the page stops by itself sooner on a short line (the
    actor's length plus 2 s)."""
    page.click("#record")
    expect(page.locator("#stop")).to_be_visible(timeout=10_000)
    with contextlib.suppress(PlaywrightTimeoutError):
        expect(page.locator("#stop")).to_be_hidden(timeout=4_000)
    if page.locator("#stop").is_visible():
        page.click("#stop")
    expect(page.locator("#submit")).to_be_visible()
