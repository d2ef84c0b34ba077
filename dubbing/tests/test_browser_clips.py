"""A scene imported without its full audio is dubbed in Chromium all the same: the studio
plays the other role's own clips on the scene's clock around the learner's lines."""

import json

import pytest

from dubbing.tests.test_browser import browser_with_microphone, log_in, manage, site
from yousync.testing import child_env

__all__ = ["site"]  # the fixture, shared with the full-audio test

# Every play() of a media element: its file and the studio's clock when it started.
PLAY_LOG = """(() => {
  const play = HTMLMediaElement.prototype.play;
  window.playLog = [];
  HTMLMediaElement.prototype.play = function () {
    const clock = document.getElementById("clock");
    window.playLog.push({ src: this.currentSrc || this.src, from: this.currentTime,
                          clock: clock ? parseFloat(clock.textContent) : null });
    return play.call(this);
  };
})();"""


@pytest.mark.browser
def test_a_scene_without_full_audio_plays_the_other_roles_clips_around_the_takes(
    site, tmp_path, playwright_instance
):
    from playwright.sync_api import expect

    server, script_id = site
    env = child_env(embedded=True, VAR_DIR=str(tmp_path))
    # The curator's scene loses its full audio: only the lines' own clips remain.
    others = json.loads(
        manage(
            env,
            "shell",
            "-c",
            "import json; from scripts.models import Script;"
            f"script = Script.objects.get(pk={script_id}); script.scene_audio = '';"
            "script.save(update_fields=['scene_audio']);"
            "lines = script.lines.select_related('actor').order_by('start_time');"
            "role = lambda l: l.actor.character_name or l.actor.name;"
            "print(json.dumps([l.reference_audio.name for l in lines if role(l) != 'Nova']))",
        )
        .strip()
        .splitlines()[-1]
    )
    assert len(others) == 2 and all(others)
    browser = browser_with_microphone(playwright_instance, tmp_path)
    try:
        page = browser.new_page(locale="en-US")
        page.add_init_script(PLAY_LOG)
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        uploads = []
        page.on(
            "response",
            lambda r: uploads.append(r.status) if r.url.endswith("/upload-audio") else None,
        )
        log_in(page, server.base_url)
        page.goto(f"{server.base_url}/scenes/{script_id}/")
        page.click(".role-button:has-text('Nova')")
        expect(page.locator(".message")).to_contain_text("no full audio")
        expect(page.locator("#start")).to_be_enabled()

        page.click("#start")
        expect(page.locator(".scene-line.mine.recording")).to_have_count(1, timeout=10_000)
        expect(page.locator(".take-completed")).to_have_count(2, timeout=180_000)
        expect(page.locator("#start")).to_be_visible(timeout=30_000)  # the run ended
        plays = page.evaluate("window.playLog")
    finally:
        browser.close()

    assert uploads == [202, 202]
    assert not errors
    # Kai's two clips, each once, in the scene's order and from their beginning.
    clips = [p for p in plays if "/media/" in p["src"]]
    assert [p["src"].rsplit("/", 1)[-1] for p in clips] == [
        name.rsplit("/", 1)[-1] for name in others
    ]
    assert all(p["from"] < 0.1 for p in clips)
    assert clips[0]["clock"] < clips[1]["clock"]
