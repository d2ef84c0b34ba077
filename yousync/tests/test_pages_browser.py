"""Every learner page in Chromium, on a desktop and a phone, light and dark: no serious or
critical axe violation, no sideways scrolling, no request to any host but the site's, and
no Content-Security-Policy violation.
With UPDATE_SCREENSHOTS=1, full-page screenshots (light) go to
docs/screenshots/<page>-<desktop|phone>.png."""

import math
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string
from playwright.sync_api import expect

from accounts.adapters import PENDING_VERIFICATION_SESSION_KEY
from dubbing import building, services
from dubbing.tests.conftest import make_scene, score, upload_take
from practice.tests.factories import (
    DIAGNOSED_LINE,
    AttemptFactory,
    BookmarkFactory,
    PracticeSessionFactory,
    diagnosed_feedback,
)
from practice.tests.factories import LineFactory as NamedClipLineFactory
from scripts.models import Kind
from scripts.tests.factories import LineFactory, ScriptFactory, UserFactory, tone
from yousync.testing import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    CspViolations,
    RequestLog,
    axe_report,
    axe_violations,
    horizontal_overflow,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# UPDATE_SCREENSHOTS=1 writes full-page screenshots (light) of every page to docs/.
SCREENSHOTS = (
    Path(settings.BASE_DIR) / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else None
)
VIEWPORTS = {"desktop": DESKTOP_VIEWPORT, "phone": PHONE_VIEWPORT}
# In the dark scheme only colours change: the rules about colour are run again.
COLOUR_RULES = ("color-contrast", "link-in-text-block")
# Signed up, not confirmed yet: the "confirm your e-mail" pages are theirs.
NEWCOMER = "joon@example.com"


@dataclass(frozen=True)
class LearnerPage:
    name: str
    signed_in: bool = True
    # Swagger UI is a developer's page, not a learner's: only its requests are checked,
    # after it has fetched the schema.
    checks_layout: bool = True
    settle: str = "load"
    # What a learner taps once the page is checked, for the requests it makes (audio).
    use: str = ""
    # A dubbing page: needs the dubbed scene (takes scored, reel built, shared).
    dubbed: bool = False
    # A browser that has just signed up: its session waits for the address's confirmation.
    signing_up: bool = False
    status: int = 200
    # What shows the page is in the state it is listed for (a form a wrong key would not
    # get, the error panel).
    shows: str = ""


PAGES = [
    LearnerPage("catalogue"),
    LearnerPage("script", use=".play"),
    LearnerPage("practice", use="[data-play=actor]"),
    LearnerPage("song-practice", use="[data-play=actor]", shows=".song-key"),
    LearnerPage("attempt", use="button.word"),
    LearnerPage("attempt-unusable", shows=".error-panel[data-error-code=too_short]"),
    LearnerPage("attempt-expired", use="button.word", shows=".take-expired"),
    LearnerPage("history"),
    LearnerPage("overview"),
    LearnerPage("sessions"),
    LearnerPage("bookmarks"),
    LearnerPage("profile"),
    LearnerPage("email", shows="input[type=radio][name=email]"),
    LearnerPage("password-change", shows="input[name=oldpassword]"),
    LearnerPage("account-delete", shows="input[name=password]"),
    LearnerPage("login", signed_in=False),
    LearnerPage("signup", signed_in=False),
    LearnerPage("verification-sent", signed_in=False, signing_up=True, shows=".resend-form"),
    LearnerPage("confirm-email", signed_in=False, shows="form[action*=confirm-email] button"),
    LearnerPage("password-reset", signed_in=False, shows="input[name=email]"),
    LearnerPage("password-reset-done", signed_in=False),
    LearnerPage("password-reset-key", signed_in=False, shows="input[name=password1]"),
    LearnerPage("not-found", status=404),
    LearnerPage("api-docs", checks_layout=False, settle="networkidle"),
    LearnerPage("dubbing-scenes", dubbed=True),
    LearnerPage("dubbing-roles", dubbed=True),
    LearnerPage("dubbing-studio", dubbed=True),
    LearnerPage("dubbing-results", dubbed=True, use=".cue"),
    LearnerPage("dubbing-shared", signed_in=False, dubbed=True, use=".cue"),
]


def with_pitch(feedback: dict) -> dict:
    """The feedback with pitch curves of the actor and the take on the actor's clock (the
    take silent where it left 'in' out), so the result page draws its chart."""
    times = [round(0.05 * i, 2) for i in range(37)]
    reference = [round(3 * math.sin(math.pi * t / 0.9), 2) for t in times]
    attempt = [
        None if 0.9 <= t < 1.25 else round(0.6 * r + 0.8, 2)
        for t, r in zip(times, reference, strict=True)
    ]
    pitch = {"unit": "semitones", "times": times, "reference": reference, "attempt": attempt}
    return {**feedback, "pitch": pitch}


@pytest.fixture
def learner_site(db):
    """A learner two days into practising one scene, with a scored take on every line,
    a diagnosed take, an unusable take, a take whose recording was deleted, a session and
    a bookmark, a confirmed and an unconfirmed address; a song line in the catalogue; and
    a newcomer whose address awaits confirmation. Returns the learner and each page's
    path."""
    learner = UserFactory(email="mina@example.com")
    EmailAddress.objects.create(user=learner, email=learner.email, primary=True, verified=True)
    EmailAddress.objects.create(user=learner, email="mina.work@example.com", verified=False)
    newcomer = UserFactory(email=NEWCOMER)
    unconfirmed = EmailAddress.objects.create(user=newcomer, email=newcomer.email, primary=True)
    scene = ScriptFactory(title="The Break", work_title="Friends", difficulty=2)
    song = ScriptFactory(title="Let It Go", work_title="Frozen", kind=Kind.SONG, difficulty=3)
    song_line = LineFactory(
        script=song,
        position=1,
        text="Let it go, let it go",
        reference_analysis={
            "alignment": {
                "words": [
                    {"text": text, "start": 0.16 * i, "end": 0.16 * i + 0.14}
                    for i, text in enumerate(["Let", "it", "go,", "let", "it", "go"])
                ]
            },
            "song": {
                "key": {"name": "A♭ major", "name_ko": "내림가장조"},
                "start_note": {"midi": 60, "name": "C4", "hz": 261.6},
            },
        },
    )
    # The actor's clip as long as the diagnosed take's word timings (1.7 s).
    practised = LineFactory(
        script=scene,
        position=1,
        text=DIAGNOSED_LINE,
        reference_audio=ContentFile(tone(1.8, fmt="FLAC"), name="clip.flac"),
        duration=1.8,
    )
    other = NamedClipLineFactory(script=scene, position=2, text="We were on a break!")
    now = timezone.now()
    session = PracticeSessionFactory(
        user=learner,
        script=scene,
        started_at=now - timedelta(days=1, minutes=20),
        last_activity_at=now - timedelta(days=1),
    )
    for days, overall in [(2, 58.0), (1, 66.0)]:
        for line in (practised, other):
            AttemptFactory(
                user=learner,
                line=line,
                session=session,
                overall=overall,
                created_at=now - timedelta(days=days),
            )
    diagnosed = AttemptFactory(
        user=learner,
        line=practised,
        overall=70.0,
        pronunciation=55.0,
        detailed_feedback=with_pitch(diagnosed_feedback()),
        recording=ContentFile(tone(1.8, freq=180.0), name="take.wav"),
        content_type="audio/wav",
    )
    unusable = AttemptFactory(
        user=learner,
        line=practised,
        failed=True,
        error_code="too_short",
        error_message="The recording is too short.",
    )
    expired = AttemptFactory(
        user=learner,
        line=practised,
        overall=62.0,
        detailed_feedback=diagnosed_feedback(),
        recording="",
        recording_expired_at=now,
    )
    BookmarkFactory(user=learner, line=other)
    reset_key = f"{user_pk_to_url_str(learner)}-{default_token_generator.make_token(learner)}"
    paths = {
        "catalogue": "/",
        "script": f"/scripts/{scene.pk}/",
        "practice": f"/lines/{practised.pk}/practice/",
        "song-practice": f"/lines/{song_line.pk}/practice/",
        "attempt": f"/attempts/{diagnosed.job_id}/",
        "attempt-unusable": f"/attempts/{unusable.job_id}/",
        "attempt-expired": f"/attempts/{expired.job_id}/",
        "history": "/me/history/",
        "overview": "/me/overview/",
        "sessions": "/me/sessions/",
        "bookmarks": "/me/bookmarks/",
        "profile": "/accounts/profile/",
        "email": "/accounts/email/",
        "password-change": "/accounts/password/change/",
        "account-delete": "/accounts/delete/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "verification-sent": "/accounts/confirm-email/",
        "confirm-email": f"/accounts/confirm-email/{EmailConfirmationHMAC(unconfirmed).key}/",
        "password-reset": "/accounts/password/reset/",
        "password-reset-done": "/accounts/password/reset/done/",
        # allauth keeps the key in the session and redirects to the form without it.
        "password-reset-key": f"/accounts/password/reset/key/{reset_key}/",
        "not-found": "/no-such-page/",
        "api-docs": "/api/docs/",
    }
    return learner, paths


@pytest.fixture
def dubbed_scene(learner_site, settings):
    """The learner's dub of a two-role scene: both of Mara's lines taken and scored, the
    reel built and shared. Only the dubbing pages ask for it (building the reel takes
    most of a second). Returns the dubbing pages' paths."""
    # Playwright's event loop runs in this thread, where the services' progress events
    # could not be sent; nothing listens to them here.
    settings.CHANNEL_LAYERS = {}
    learner, _paths = learner_site
    scene = make_scene()
    session = services.scene_session_create(user=learner, script=scene.script, actor=scene.mara)
    for line in scene.role_lines(scene.mara):
        score(upload_take(session, line, seed=line.position), onset_offset=0.18)
    queued, _ = services.reel_request(session=session)
    reel = building.reel_build(reel=services.reel_start(reel_id=queued.pk))
    share = services.reel_share_create(reel=reel)
    return {
        "dubbing-scenes": "/scenes/",
        "dubbing-roles": f"/scenes/{scene.script.pk}/",
        "dubbing-studio": f"/scenes/sessions/{session.public_id}/",
        "dubbing-results": f"/scenes/sessions/{session.public_id}/result/",
        "dubbing-shared": f"/scenes/shared/{share.token}/",
    }


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def awaiting_confirmation(context, live_server) -> None:
    """The session of a browser that has just signed up as the newcomer (what the account
    adapter leaves in it), so the page offers to send the link again."""
    session: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    session[PENDING_VERIFICATION_SESSION_KEY] = EmailAddress.objects.get(email=NEWCOMER).user_id
    session.create()
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}
    context.add_cookies([{**cookie, "url": live_server.url}])


def page_params() -> list:
    return [pytest.param(learner_page, id=learner_page.name) for learner_page in PAGES]


def clipped_tabs(page) -> list[str]:
    """The learner tabs that don't fit inside their bar (cut off or scrolled away)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".learner-tabs")].flatMap((bar) => {
          const edge = bar.getBoundingClientRect();
          return [...bar.querySelectorAll("a")]
            .filter((tab) => tab.getBoundingClientRect().right > edge.right + 0.5
                             || tab.getBoundingClientRect().left < edge.left - 0.5)
            .map((tab) => tab.textContent.trim());
        })"""
    )


@pytest.mark.parametrize("learner_page", page_params())
def test_learner_page_is_accessible_fits_the_screen_and_stays_on_the_site(
    live_server, chromium, learner_site, learner_page, request
):
    learner, paths = learner_site
    if learner_page.dubbed:
        paths = {**paths, **request.getfixturevalue("dubbed_scene")}
    context = chromium.new_context(locale="en-US")
    requests = RequestLog(context)
    violations = CspViolations(context)
    failures = []
    try:
        if learner_page.signed_in:
            sign_in(context, live_server, learner)
        if learner_page.signing_up:
            awaiting_confirmation(context, live_server)
        page = context.new_page()
        for viewport, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.emulate_media(color_scheme="light")

            url = live_server.url + paths[learner_page.name]
            response = page.goto(url, wait_until=learner_page.settle)

            assert response is not None and response.status == learner_page.status, page.url
            if learner_page.shows:
                assert page.locator(learner_page.shows).count(), (
                    f"{page.url}: no {learner_page.shows}"
                )
            if not learner_page.checks_layout:
                continue
            # The page as the learner sees it once its players have drawn their waveforms
            # (player.js marks each ready, also when a clip cannot be fetched).
            expect(page.locator("[data-listen]:not([data-ready='1'])")).to_have_count(0)
            label = f"{learner_page.name} at {viewport}"
            if SCREENSHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SCREENSHOTS / f"{learner_page.name}-{viewport}.png"), full_page=True
                )
            found = horizontal_overflow(page)
            if found["overflow"] > 0:
                failures.append(f"{label} scrolls {found['overflow']} px sideways: {found}")
            if clipped := clipped_tabs(page):
                failures.append(f"{label}: tabs cut off: {clipped}")
            if light := axe_violations(page):
                failures.append(f"axe on {label}, light:\n{axe_report(light)}")
            page.emulate_media(color_scheme="dark")
            if dark := axe_violations(page, rules=COLOUR_RULES):
                failures.append(f"axe on {label}, dark:\n{axe_report(dark)}")
        if learner_page.use:
            page.locator(learner_page.use).first.click()
            page.wait_for_timeout(500)
    finally:
        context.close()

    assert not failures, "\n".join(failures)
    requests.assert_only(live_server.url)
    # The pages pass the site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).
    violations.assert_none(learner_page.name)


def test_keyboard_focus_is_visible_and_reduced_motion_stops_transitions(
    live_server, chromium, learner_site
):
    learner, paths = learner_site
    context = chromium.new_context(locale="en-US", viewport=PHONE_VIEWPORT)
    try:
        sign_in(context, live_server, learner)
        page = context.new_page()
        page.goto(live_server.url + paths["catalogue"])
        card = page.locator(".script-card").first

        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => { const style = getComputedStyle(document.activeElement);
                       return [document.activeElement.textContent.trim(), style.outlineStyle,
                               parseFloat(style.outlineWidth)]; }"""
        )
        moving = card.evaluate("(el) => getComputedStyle(el).transitionDuration")
        page.emulate_media(reduced_motion="reduce")
        still = card.evaluate("(el) => getComputedStyle(el).transitionDuration")
    finally:
        context.close()

    assert ring[0] == "YouSync" and ring[1] != "none" and ring[2] >= 2, ring
    assert "0.15s" in moving
    assert set(still.split(", ")) == {"0s"}


def test_word_status_is_not_told_by_colour_alone(live_server, chromium, learner_site):
    """Each status on the result page (the take has every one: OK, mispronounced, left
    out, extra) differs from the others in something besides colour."""
    learner, paths = learner_site
    context = chromium.new_context(locale="en-US")
    try:
        sign_in(context, live_server, learner)
        page = context.new_page()
        page.goto(live_server.url + paths["attempt"])
        looks = page.evaluate(
            """() => Object.fromEntries(
                 ["ok", "mispronounced", "omitted", "inserted"].map((status) => {
                   const el = document.querySelector(`.word.status-${status}`);
                   if (!el) return [status, null];
                   const style = getComputedStyle(el);
                   const marks = ["::before", "::after"].map(
                     (part) => getComputedStyle(el, part).content).join(" ");
                   return [status, [style.textDecorationLine, style.textDecorationStyle,
                                    style.fontStyle, style.borderBottomStyle, marks,
                                    /^[^\\p{L}]/u.test(el.textContent.trim())].join("|")];
                 }))"""
        )
    finally:
        context.close()

    assert all(looks.values()), looks
    assert len(set(looks.values())) == len(looks), looks


def test_studio_keeps_its_status_line_in_view_while_the_lines_scroll(
    live_server, chromium, learner_site, dubbed_scene
):
    """On a phone, the studio's status line stays with its controls in the sticky bar,
    wholly visible and not under anything, however far the lines are scrolled; the line
    being recorded is labelled, not told by its colour alone."""
    learner, _paths = learner_site
    context = chromium.new_context(locale="en-US", viewport=PHONE_VIEWPORT)
    try:
        sign_in(context, live_server, learner)
        page = context.new_page()
        page.goto(live_server.url + dubbed_scene["dubbing-studio"])
        # No microphone in this browser: starting the scene says so on the status line.
        page.click("#start:enabled")
        page.wait_for_function("document.getElementById('status').textContent.length > 0")
        hidden = page.evaluate(
            """() => {
              const el = document.getElementById("status");
              const hidden = [];
              const end = document.documentElement.scrollHeight - innerHeight;
              for (let y = 0; y < end + 40; y += 40) {
                window.scrollTo(0, Math.min(y, end));
                const box = el.getBoundingClientRect();
                const seen = [box.top + 2, box.bottom - 2].every(
                  (y) => el.contains(document.elementFromPoint(box.left + 4, y)));
                if (box.top < 0 || box.bottom > innerHeight || !seen) hidden.push(scrollY);
              }
              return hidden;
            }"""
        )
        text = page.locator("#status").inner_text()
        line = page.locator(".scene-line.mine").first
        line.evaluate("(el) => el.classList.add('recording')")
        label = line.locator(".badge.rec").inner_text()
    finally:
        context.close()

    assert "microphone" in text
    assert not hidden, f"the status line is out of sight or covered, scrolled to {hidden} px"
    assert label == "Recording", label
