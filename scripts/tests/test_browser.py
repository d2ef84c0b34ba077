import pytest
from django.core.management import call_command

from scripts.models import Script
from yousync.testing import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_browser_filters_catalogue_opens_script_and_plays_a_clip(live_server, page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    page.goto(f"{live_server.url}/")
    assert page.locator(".script-card").count() == Script.objects.filter(is_published=True).count()
    page.select_option("#id_kind", "song")
    page.click("button[type=submit]")
    page.wait_for_url("**/?*kind=song*")
    cards = page.locator(".script-card")
    assert cards.count() == 1
    assert "Twinkle, Twinkle, Little Star" in cards.first.inner_text()

    cards.first.click()
    page.wait_for_selector("ol.lines")
    assert page.locator("li.line").count() == 4
    assert "Twinkle, twinkle, little star," in page.locator("li.line").first.inner_text()

    play = page.locator("button.play").first
    play.click()
    wait_for_js(
        page,
        "() => { const a = document.getElementById('line-player');"
        " return a.currentTime > 0.3 || a.ended; }",
    )
    player = page.evaluate(
        "() => { const a = document.getElementById('line-player');"
        " return {src: a.currentSrc, error: a.error && a.error.code, duration: a.duration}; }"
    )
    assert player["src"].endswith(".flac")
    assert player["error"] is None
    assert 2.0 < player["duration"] < 6.0
