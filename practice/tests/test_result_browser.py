"""On a completed attempt's page, a learner taps a word and sees its sounds (Chromium)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from practice.tests.factories import (
    DIAGNOSED_LINE,
    R_TIP,
    AttemptFactory,
    LineFactory,
    diagnosed_feedback,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_learner_taps_a_word_and_sees_its_sounds_the_substitution_and_a_tip(
    live_server, page, width, height
):
    from playwright.sync_api import expect

    attempt = AttemptFactory(
        line=LineFactory(text=DIAGNOSED_LINE),
        overall=70.0,
        pronunciation=55.0,
        detailed_feedback=diagnosed_feedback(),
    )
    signed_in(page, live_server, attempt.user)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/attempts/{attempt.job_id}/")

    rain = page.get_by_role("button", name=re.compile(r"^rain:"))
    panel = page.locator("#word-panel-1")
    expect(rain).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    expect(page.locator(".word-panel:visible")).to_have_count(0)

    rain.click()

    expect(rain).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(panel.locator(".phone")).to_have_count(3)
    expect(panel.locator(".phone-mispronounced .phone-ipa")).to_have_text("ɹ")
    expect(panel.locator(".word-issue")).to_have_text("/l/ instead of /ɹ/ in 'rain'")
    expect(panel.locator(".word-tip")).to_contain_text(R_TIP["en"])
    expect(panel.locator(".score-chip")).to_have_text("42")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"result-word-panel-{width}.png"), full_page=True)

    # Another word replaces the panel; the keyboard opens and closes them too.
    page.get_by_role("button", name=re.compile(r"^in:")).click()
    expect(panel).to_be_hidden()
    expect(page.locator("#word-panel-2 .phone-missing")).to_have_count(2)
    the = page.get_by_role("button", name=re.compile(r"^The:"))
    the.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#word-panel-0")).to_be_visible()
    expect(page.locator(".word-panel:visible")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator(".word-panel:visible")).to_have_count(0)
    expect(the).to_have_attribute("aria-expanded", "false")


def test_without_javascript_every_words_sounds_are_shown(live_server, chromium):
    from playwright.sync_api import expect

    attempt = AttemptFactory(
        line=LineFactory(text=DIAGNOSED_LINE), detailed_feedback=diagnosed_feedback()
    )
    context = chromium.new_context(locale="en-US", java_script_enabled=False)
    try:
        page = context.new_page()
        signed_in(page, live_server, attempt.user)
        page.goto(f"{live_server.url}/attempts/{attempt.job_id}/")

        expect(page.locator(".word-panel:visible")).to_have_count(4)
        expect(page.locator("#word-panel-1 .word-issue")).to_have_text(
            "/l/ instead of /ɹ/ in 'rain'"
        )
        expect(page.locator(".word-hint")).to_be_hidden()
    finally:
        context.close()
