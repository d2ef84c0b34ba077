"""A learner dubs the demo scene 'The Rooftop' in Chromium with a fake microphone, builds
the reel, plays it with its subtitles and shares it with someone without an account.

The site runs as `manage.py serve` (ASGI + the in-process worker, which takes the media
queue too) on its own SQLite file, exactly as `make run` serves it.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings

from practice.tests.conftest import espeak_wav
from yousync.testing import child_env, launch_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
EMAIL, PASSWORD = "dubber@example.com", "a-long-password-9"


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


def microphone(path: Path) -> None:
    """Speech all the time (Chromium loops the file): whenever a line is recorded, the
    learner is saying one of Nova's lines."""
    said = [
        sf.read(io.BytesIO(espeak_wav(text, voice="en-us+f3")), dtype="float32")
        for text in ("Look at all those lights.", "Do you ever want to leave?")
    ]
    rate = said[0][1]
    gap = np.zeros(int(0.15 * rate), np.float32)
    sf.write(
        path, np.concatenate([part for samples, _ in said for part in (samples, gap)] * 4), rate
    )


# Every volume the page gives a playing audio element, with the element's time and the
# lines marked as recording at that moment (scene.js keeps its Audio out of the DOM).
VOLUME_LOG = """(() => {
  const volume = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "volume");
  window.volumeLog = [];
  Object.defineProperty(HTMLMediaElement.prototype, "volume", {
    configurable: true,
    get() { return volume.get.call(this); },
    set(value) {
      volume.set.call(this, value);
      window.sceneAudio = this;
      if (this.paused) return;
      const recording = [...document.querySelectorAll(".scene-line.recording")];
      window.volumeLog.push({ time: this.currentTime, volume: value,
                              recording: recording.map((node) => node.dataset.lineId) });
    },
  });
})();"""


def browser_with_microphone(playwright_instance, tmp_path):
    voice = tmp_path / "voice.wav"
    microphone(voice)
    return launch_chromium(
        playwright_instance,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={voice}",
        "--autoplay-policy=no-user-gesture-required",
    )


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.fixture
def site(processes, tmp_path):
    env = child_env(embedded=True, VAR_DIR=str(tmp_path), ACCOUNT_EMAIL_VERIFICATION="none")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    script_id = json.loads(
        manage(
            env,
            "shell",
            "-c",
            "import json; from accounts.models import User; from scripts.models import Script;"
            f"User.objects.create_user({EMAIL!r}, {PASSWORD!r});"
            "print(json.dumps(Script.objects.get(import_key='demo-rooftop').pk))",
        )
        .strip()
        .splitlines()[-1]
    )
    return processes.server(env, command="serve"), script_id


@pytest.mark.browser
def test_learner_dubs_a_scene_builds_the_reel_and_shares_it(site, tmp_path, playwright_instance):
    from playwright.sync_api import expect

    server, script_id = site
    ARTIFACTS.mkdir(exist_ok=True)
    browser = browser_with_microphone(playwright_instance, tmp_path)
    try:
        page = browser.new_page(locale="en-US")
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        log_in(page, server.base_url)
        page.goto(f"{server.base_url}/scripts/{script_id}/")
        page.click("text=Dub this scene")
        expect(page.locator(".role-button")).to_have_count(2)
        page.click(".role-button:has-text('Nova')")
        expect(page.locator(".scene-line.mine")).to_have_count(2)

        uploads = []
        page.on(
            "response",
            lambda r: uploads.append(r) if r.url.endswith("/upload-audio") else None,
        )
        page.click("#start")
        # The count-in is seen, then the first line is recorded with its words lit.
        expect(page.locator("#count-in")).to_have_text("3", timeout=5_000)
        expect(page.locator(".scene-line.mine.recording")).to_have_count(1, timeout=10_000)
        expect(page.locator(".scene-line.recording .word.lit")).not_to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "dubbing-recording.png"), full_page=True)
        # Both takes uploaded and scored by the ordinary pipeline.
        expect(page.locator(".take-completed")).to_have_count(2, timeout=180_000)
        expect(page.locator("#build-reel")).to_be_enabled()
        page.click("#build-reel")
        page.wait_for_url("**/result/", timeout=120_000)

        player = page.locator("[data-reel-player] audio")
        expect(player).to_be_attached()
        expect(page.locator("[data-scene-score]")).to_be_visible()
        expect(page.locator(".line-scores a:has-text('See this take')")).to_have_count(2)
        # The reel plays and the subtitle being heard is lit.
        page.evaluate(
            "() => { const a = document.querySelector('[data-reel-audio]'); a.currentTime = 3.0; }"
        )
        expect(page.locator(".cue.lit")).to_contain_text("The whole city is awake tonight.")
        page.click("#share-form button[type=submit]")
        link = page.locator("#share-list input").first
        expect(link).to_be_visible()
        shared_url = link.input_value()
        page.screenshot(path=str(ARTIFACTS / "dubbing-result.png"), full_page=True)

        # Someone without an account opens the link.
        stranger = browser.new_context(locale="en-US").new_page()
        stranger.goto(shared_url)
        expect(stranger.locator("[data-reel-player] audio")).to_be_attached()
        expect(stranger.locator(".cue")).to_have_count(4)
        vtt = stranger.request.get(server.base_url + stranger.locator("track").get_attribute("src"))
        assert vtt.ok and vtt.text().startswith("WEBVTT")

        # Revoked: the link stops working.
        page.click("#share-list [data-revoke]")
        expect(page.locator("#share-list li.inactive")).to_have_count(1)
        assert stranger.goto(shared_url).status == 404
    finally:
        browser.close()

    assert [r.status for r in uploads] == [202, 202]
    assert all(r.request.headers.get("x-csrftoken") for r in uploads)
    assert not errors


def spans(page, selector: str) -> dict[str, tuple[float, float]]:
    return {
        node.get_attribute("data-line-id"): (
            float(node.get_attribute("data-start")),
            float(node.get_attribute("data-end")),
        )
        for node in page.locator(selector).all()
    }


def run_and_read_volumes(page, button) -> list[dict]:
    """Click a line's Redo or Continue, wait until the scene stops by itself, and return
    the volumes set while it played."""
    from playwright.sync_api import expect

    page.evaluate("() => { window.volumeLog = []; }")
    button.click()
    expect(page.locator("#stop")).to_be_visible(timeout=5_000)
    expect(page.locator("#stop")).to_be_hidden(timeout=30_000)
    expect(page.locator("#status")).to_have_text("Stopped.")
    return page.evaluate("() => window.volumeLog")


def assert_role_quiet_while_recorded(log, recorded, mine, others, margin):
    """The log holds only volumes set while the original played: over each recorded line
    and its margins the original kept playing at volume 0; over the other role's lines it
    played at full volume."""
    assert {line for entry in log for line in entry["recording"]} == recorded
    for line_id in recorded:
        start, end = mine[line_id]
        inside = [e for e in log if start - margin + 0.05 <= e["time"] <= end + margin - 0.05]
        assert len(inside) >= 5, (line_id, log)
        assert {e["volume"] for e in inside} == {0}, inside
    for start, end in others.values():
        assert all(e["volume"] == 1 for e in log if start <= e["time"] <= end)


@pytest.mark.browser
def test_learner_redoes_one_line_and_continues_from_another_with_the_role_muted(
    site, tmp_path, playwright_instance
):
    from playwright.sync_api import expect

    server, script_id = site
    browser = browser_with_microphone(playwright_instance, tmp_path)
    try:
        context = browser.new_context(locale="en-US")
        context.add_init_script(VOLUME_LOG)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        uploads = []
        page.on(
            "response",
            lambda r: uploads.append(r) if r.url.endswith("/upload-audio") else None,
        )
        log_in(page, server.base_url)
        page.goto(f"{server.base_url}/scripts/{script_id}/")
        page.click("text=Dub this scene")
        page.click(".role-button:has-text('Nova')")
        expect(page.locator(".scene-line.mine")).to_have_count(2)
        first, second = page.locator(".scene-line.mine").all()
        expect(second.locator("[data-from-here]")).to_be_enabled()
        margin = float(page.locator("#studio").get_attribute("data-clip-pad"))
        mine = spans(page, ".scene-line.mine")
        others = spans(page, ".scene-line:not(.mine)")
        first_id, second_id = (
            first.get_attribute("data-line-id"),
            second.get_attribute("data-line-id"),
        )
        assert len(others) == 2 and margin > 0

        # Continue from Nova's second line: only it is recorded, and the scene plays on to
        # its end (Rex's last line at full volume).
        continued = run_and_read_volumes(page, second.locator("[data-from-here]"))
        expect(second.locator(".take")).to_have_count(1, timeout=20_000)
        expect(first.locator(".take")).to_have_count(0)
        assert_role_quiet_while_recorded(continued, {second_id}, mine, others, margin)
        last_other_end = max(end for _start, end in others.values())
        assert any(e["time"] > last_other_end - 0.3 and e["volume"] == 1 for e in continued)

        # Redo the first line: it alone is recorded, and the scene stops soon after it,
        # before the next line.
        redone = run_and_read_volumes(page, first.locator("[data-redo]"))
        expect(first.locator(".take")).to_have_count(1, timeout=20_000)
        expect(second.locator(".take")).to_have_count(1)
        assert_role_quiet_while_recorded(redone, {first_id}, mine, others, margin)
        stopped_at = page.evaluate("() => window.sceneAudio.currentTime")
        next_start = min(start for start, _end in others.values() if start > mine[first_id][1])
        assert mine[first_id][1] + margin <= stopped_at < next_start

        # Redo the second line: a second take of that line only, chosen once scored.
        again = run_and_read_volumes(page, second.locator("[data-redo]"))
        expect(second.locator(".take")).to_have_count(2, timeout=20_000)
        expect(first.locator(".take")).to_have_count(1)
        assert_role_quiet_while_recorded(again, {second_id}, mine, others, margin)
        assert any(e["volume"] == 1 for e in again)  # Rex's line before it was heard

        expect(page.locator(".take-completed")).to_have_count(3, timeout=240_000)
        jobs = [r.json()["job_id"] for r in uploads]
        assert [r.url.split("/tokens/")[1].split("/")[0] for r in uploads] == [
            second_id,
            first_id,
            second_id,
        ]
        assert first.locator(".take input:checked").locator("..").get_attribute(
            "data-job-id"
        ) == str(jobs[1])
        assert second.locator(".take input:checked").locator("..").get_attribute(
            "data-job-id"
        ) == str(jobs[2])
        expect(page.locator("#build-reel")).to_be_enabled()
    finally:
        browser.close()

    assert [r.status for r in uploads] == [202, 202, 202]
    assert not errors
