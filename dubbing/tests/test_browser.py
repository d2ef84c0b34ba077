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
    voice = tmp_path / "voice.wav"
    microphone(voice)
    ARTIFACTS.mkdir(exist_ok=True)
    browser = launch_chromium(
        playwright_instance,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={voice}",
        "--autoplay-policy=no-user-gesture-required",
    )
    try:
        page = browser.new_page(locale="en-US")
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(f"{server.base_url}/accounts/login/")
        page.fill("input[name=login]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
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
