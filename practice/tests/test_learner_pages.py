import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practice import selectors
from practice.models import Bookmark
from practice.tests.factories import (
    AttemptFactory,
    BookmarkFactory,
    LineFactory,
    PracticeSessionFactory,
    ScriptFactory,
    UserFactory,
    feedback_for,
)
from scripts.models import AudioStatus

pytestmark = pytest.mark.django_db

PAGES = ["practice:history", "practice:bookmarks", "practice:overview", "practice:sessions"]


@pytest.fixture
def learner(db):
    return UserFactory(email="learner@example.com", daily_goal_minutes=1)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_learner_pages_send_visitors_to_log_in(client, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_learner_pages_never_show_another_learners_lines(learner_client, name):
    other = UserFactory()
    line = LineFactory(text="Somebody else's secret line")
    AttemptFactory(
        user=other,
        line=line,
        detailed_feedback=feedback_for(line.text, scores={"secret": 20.0}),
        session=PracticeSessionFactory(user=other, script=line.script),
    )
    BookmarkFactory(user=other, line=line)

    response = learner_client.get(reverse(name))

    assert response.status_code == 200
    assert "secret" not in response.content.decode()


# --- history --------------------------------------------------------------------------------


def test_history_lists_each_line_with_best_last_attempts_and_trend(learner_client, learner):
    rising = LineFactory(text="We were on a break!", script__work_title="Friends")
    single = LineFactory(text="Winter is coming.", script__work_title="Thrones")
    for minutes, overall in [(50, 55.0), (40, 81.2), (30, 72.0)]:
        AttemptFactory(user=learner, line=rising, overall=overall, created_at=ago(minutes=minutes))
    AttemptFactory(user=learner, line=single, overall=64.0, created_at=ago(minutes=5))

    response = learner_client.get(reverse("practice:history"))

    text = text_of(response)
    html = response.content.decode()
    assert text.index("Winter is coming.") < text.index("We were on a break!")
    assert "You have dubbed 2 lines." in text
    assert "Best 81 Last 72" in text and "3 attempts" in text and "+17" in text
    assert "Best 64 Last 64" in text and "1 attempt " in text
    assert "Overall scores over time: 55, 81, 72" in html
    assert f'href="{reverse("practice:line", args=[rising.pk])}"' in html


def test_history_best_and_last_scores_link_to_their_takes(learner_client, learner):
    line = LineFactory(text="You talkin' to me?")
    AttemptFactory(user=learner, line=line, overall=58.0, created_at=ago(minutes=30))
    best = AttemptFactory(user=learner, line=line, overall=86.0, created_at=ago(minutes=20))
    last = AttemptFactory(user=learner, line=line, overall=71.0, created_at=ago(minutes=10))
    AttemptFactory(user=learner, line=line, pending=True, created_at=ago(minutes=1))

    html = learner_client.get(reverse("practice:history")).content.decode()

    pill_links = r'<a href="([^"]+)" class="score-pill[^"]*"><span class="score-label">(\w+)<'
    links = {label: href for href, label in re.findall(pill_links, html)}
    assert links == {
        "Best": reverse("practice:attempt", args=[best.job_id]),
        "Last": reverse("practice:attempt", args=[last.job_id]),
    }


def test_history_shows_a_line_still_being_scored_without_scores(learner_client, learner):
    AttemptFactory(user=learner, line=LineFactory(text="Still scoring this."), pending=True)

    response = learner_client.get(reverse("practice:history"))

    assert "Still scoring this." in text_of(response) and "Best — Last —" in text_of(response)
    assert 'class="score-pill none"' in response.content.decode()
    assert "/attempts/" not in response.content.decode()  # no take to open yet


def test_history_is_paginated(learner_client, learner):
    for i in range(23):
        line = LineFactory(text=f"Line number {i}.")
        AttemptFactory(user=learner, line=line, created_at=ago(hours=i))

    first = text_of(learner_client.get(reverse("practice:history")))
    second = text_of(learner_client.get(reverse("practice:history"), {"page": 2}))

    assert "Line number 0." in first and "Line number 19." in first
    assert "Line number 20." not in first
    assert "Line number 20." in second and "Line number 22." in second and "Page 2 of 2" in second


def test_history_query_count_does_not_grow_with_lines_or_attempts(
    learner_client, learner, django_assert_max_num_queries
):
    for line in LineFactory.create_batch(2):
        AttemptFactory.create_batch(2, user=learner, line=line)
    few = page_queries(learner_client, reverse("practice:history"))
    for line in LineFactory.create_batch(15):
        AttemptFactory.create_batch(4, user=learner, line=line)

    with django_assert_max_num_queries(few):
        many = page_queries(learner_client, reverse("practice:history"))

    assert many == few


def test_history_says_so_when_nothing_was_dubbed(learner_client):
    text = text_of(learner_client.get(reverse("practice:history")))

    assert "You have not dubbed any line yet." in text


# --- bookmarks ------------------------------------------------------------------------------


def test_bookmarks_page_lists_the_learners_bookmarks_newest_first(learner_client, learner):
    older = LineFactory(text="Here's looking at you, kid.")
    newer = LineFactory(text="May the Force be with you.")
    BookmarkFactory(user=learner, line=older)
    BookmarkFactory(user=learner, line=newer)
    AttemptFactory(user=learner, line=older, overall=77.0)

    response = learner_client.get(reverse("practice:bookmarks"))

    text = text_of(response)
    assert text.index("May the Force be with you.") < text.index("Here's looking at you, kid.")
    assert "Not tried yet" in text and "1 attempt" in text and "Best 77" in text
    assert response.content.decode().count('aria-pressed="true"') == 2


def test_bookmarks_page_query_count_does_not_grow_with_bookmarks(learner_client, learner):
    for line in LineFactory.create_batch(2):
        BookmarkFactory(user=learner, line=line)
        AttemptFactory(user=learner, line=line)
    few = page_queries(learner_client, reverse("practice:bookmarks"))
    for line in LineFactory.create_batch(12):
        BookmarkFactory(user=learner, line=line)
        AttemptFactory.create_batch(3, user=learner, line=line)

    assert page_queries(learner_client, reverse("practice:bookmarks")) == few


def test_bookmark_toggle_without_javascript_posts_and_returns_to_the_page(learner_client, learner):
    line = LineFactory()
    back = reverse("practice:script", args=[line.script_id]) + f"#line-{line.pk}"
    url = reverse("practice:bookmark-toggle", args=[line.pk])

    added = learner_client.post(url, {"next": back})
    exists_after_add = Bookmark.objects.filter(user=learner, line=line).exists()
    removed = learner_client.post(url, {"next": back})

    assert (added.status_code, added["Location"]) == (302, back)
    assert exists_after_add is True
    assert removed["Location"] == back
    assert not Bookmark.objects.filter(user=learner, line=line).exists()


def test_bookmark_toggle_with_javascript_answers_json(learner_client, learner):
    line = LineFactory()
    url = reverse("practice:bookmark-toggle", args=[line.pk])

    on = learner_client.post(url, headers={"Accept": "application/json"})
    off = learner_client.post(url, headers={"Accept": "application/json"})

    assert on.status_code == 200
    assert on.json() == {"line": line.pk, "bookmarked": True}
    assert off.json() == {"line": line.pk, "bookmarked": False}


def test_bookmark_toggle_needs_a_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    line = LineFactory()

    response = client.post(reverse("practice:bookmark-toggle", args=[line.pk]))

    assert response.status_code == 403
    assert not Bookmark.objects.exists()


def test_bookmark_toggle_is_post_only(learner_client):
    line = LineFactory()

    response = learner_client.get(reverse("practice:bookmark-toggle", args=[line.pk]))

    assert response.status_code == 405


def test_bookmark_toggle_ignores_a_next_on_another_site(learner_client):
    line = LineFactory()

    response = learner_client.post(
        reverse("practice:bookmark-toggle", args=[line.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("practice:bookmarks")


def test_bookmark_toggle_sends_visitors_to_log_in_and_back(client):
    line = LineFactory()
    back = reverse("practice:script", args=[line.script_id])
    url = reverse("practice:bookmark-toggle", args=[line.pk])

    form = client.post(url, {"next": back})
    fetch = client.post(url, headers={"Accept": "application/json"})

    assert form.status_code == 302
    assert form["Location"] == f"{reverse('account_login')}?next={back}"
    assert fetch.status_code == 401
    assert fetch.json()["code"] == "not_authenticated"
    assert not Bookmark.objects.exists()


def test_bookmark_toggle_refuses_unknown_and_hidden_lines(learner_client):
    hidden = LineFactory(audio_status=AudioStatus.MISSING)

    unknown = learner_client.post(reverse("practice:bookmark-toggle", args=[999_999]))
    not_visible = learner_client.post(reverse("practice:bookmark-toggle", args=[hidden.pk]))

    assert unknown.status_code == 404 and not_visible.status_code == 404
    assert not Bookmark.objects.exists()


# --- script page ----------------------------------------------------------------------------


def test_script_page_shows_the_learners_best_score_and_bookmarks_per_line(learner_client, learner):
    script = ScriptFactory()
    tried, saved, untouched = (
        LineFactory(script=script, position=i, text=t)
        for i, t in enumerate(["Tried line.", "Saved line.", "Untouched line."], 1)
    )
    AttemptFactory(user=learner, line=tried, overall=58.0)
    AttemptFactory(user=learner, line=tried, overall=83.4)
    AttemptFactory(user=UserFactory(), line=saved, overall=99.0)
    BookmarkFactory(user=learner, line=saved)

    response = learner_client.get(reverse("practice:script", args=[script.pk]))

    html = response.content.decode()
    items = {
        line.pk: html[html.index(f'id="line-{line.pk}"') :].split("</li>", 1)[0]
        for line in (tried, saved, untouched)
    }
    assert "Best 83" in items[tried.pk] and 'aria-pressed="false"' in items[tried.pk]
    assert "Best" not in items[saved.pk] and 'aria-pressed="true"' in items[saved.pk]
    assert "Best" not in items[untouched.pk]
    assert reverse("practice:bookmark-toggle", args=[untouched.pk]) in items[untouched.pk]
    assert "practice/bookmarks.js" in html


def test_script_page_query_count_does_not_grow_with_lines_or_attempts(learner_client, learner):
    script = ScriptFactory()
    for line in LineFactory.create_batch(2, script=script):
        AttemptFactory(user=learner, line=line)
    url = reverse("practice:script", args=[script.pk])
    few = page_queries(learner_client, url)
    for line in LineFactory.create_batch(10, script=script):
        AttemptFactory.create_batch(3, user=learner, line=line)
        BookmarkFactory(user=learner, line=line)

    assert page_queries(learner_client, url) == few


def test_script_page_offers_visitors_a_log_in_link_instead_of_the_toggle(client):
    line = LineFactory()

    html = client.get(reverse("practice:script", args=[line.script_id])).content.decode()

    assert reverse("practice:bookmark-toggle", args=[line.pk]) not in html
    assert "Log in to bookmark lines." in html


# --- overview -------------------------------------------------------------------------------


def test_overview_shows_this_weeks_numbers_streak_and_weak_spots(learner_client, learner):
    line = LineFactory(text="I think so.")
    weak = feedback_for(line.text, scores={"think": 42.0}, phones={"think": [("TH", 30.0)]})
    AttemptFactory(user=learner, line=line, duration=30.0, detailed_feedback=weak)
    AttemptFactory(user=learner, line=line, duration=60.0, overall=90.0)
    AttemptFactory(user=learner, line=line, duration=600.0, created_at=ago(days=40))

    response = learner_client.get(reverse("practice:overview"))

    text = text_of(response)
    html = response.content.decode()
    assert re.search(r'data-stat="week-attempts">\s*2\s*<', html)
    assert "Time practised 1 min 30 s this week · 12 min in total" in text
    assert re.search(r'data-stat="streak">\s*1 day\s*<', html)
    assert "Today's goal 1 min 30 s / 1 min" in text
    assert "think weak in 1 of 3 avg 42" in text
    assert "/θ/ 1 time think" in text
    assert html.count('<g class="series series-') == 5


def test_overview_of_a_learner_never_assessed_on_pronunciation(learner_client, learner):
    AttemptFactory(user=learner, overall=64.0, pronunciation=None)
    AttemptFactory(user=learner, overall=76.0, pronunciation=None)

    response = learner_client.get(reverse("practice:overview"))

    html = response.content.decode()
    assert response.status_code == 200
    week = re.findall(r"<tr><th scope=\"row\">.*?</tr>", html)[-1]
    # Week, attempts, then overall and pronunciation: an average of 70, no pronunciation.
    assert re.findall(r"<td>([^<]*)</td>", week)[:3] == ["2", "70", "—"]
    assert '<g class="series series-pronunciation">\n              \n' in html


def test_overview_for_a_new_learner_explains_the_empty_chart(learner_client):
    text = text_of(learner_client.get(reverse("practice:overview")))

    assert "Your scores will appear here once your first recordings are scored." in text
    assert "0 days" in text


def page_numbers(html: str) -> dict:
    def stat(name: str) -> str:
        return re.search(rf'data-stat="{name}">\s*(.*?)\s*</p>', html).group(1)

    def minutes(name: str) -> list[float]:
        # Amounts of time are <time datetime="PT<seconds>S"> elements.
        seconds = re.findall(r'<time datetime="PT(\d+)S">', stat(name))
        return [round(int(value) / 60, 1) for value in seconds]

    return {
        "week_attempts": int(stat("week-attempts")),
        "week_minutes": minutes("week-minutes")[0],
        "total_minutes": minutes("total-minutes")[0],
        "streak": int(stat("streak").split()[0]),
        "today_minutes": minutes("today")[0],
        "goal_minutes": int(minutes("today")[1]),
        "goal_percent": int(re.search(r'aria-valuenow="(\d+)"', html).group(1)),
        "latest": re.findall(r'<li data-job-id="([^"]+)"', html),
    }


def api_numbers(body: dict) -> dict:
    return {
        "week_attempts": body["this_week"]["attempts"],
        "week_minutes": body["this_week"]["minutes"],
        "total_minutes": body["totals"]["minutes"],
        "streak": body["streak"]["current"],
        "today_minutes": body["today"]["minutes"],
        "goal_minutes": body["today"]["goal_minutes"],
        "goal_percent": body["today"]["goal_percent"],
        "latest": [row["job_id"] for row in body["recent_activity"]],
    }


@pytest.mark.parametrize("goal_minutes", [1, 0])
@pytest.mark.parametrize("attempts", [0, 3])
def test_overview_page_and_api_show_the_same_overview(
    learner_client, learner, monkeypatch, attempts, goal_minutes
):
    # A goal of 0 cannot be saved through the profile form or the API; a row changed
    # behind their back must not break either surface (no division by zero).
    type(learner).objects.filter(pk=learner.pk).update(daily_goal_minutes=goal_minutes)
    for n in range(attempts):
        AttemptFactory(user=learner, duration=20.0 * (n + 1), created_at=ago(seconds=n))
    built = []

    def learner_overview(**kwargs):
        built.append(real(**kwargs))
        return built[-1]

    real = selectors.learner_overview
    monkeypatch.setattr(selectors, "learner_overview", learner_overview)

    page = learner_client.get(reverse("practice:overview"))
    api = learner_client.get("/api/mypage/overview")

    assert page.status_code == api.status_code == 200
    assert page_numbers(page.content.decode()) == api_numbers(api.json())
    assert len(built) == 2 and built[0] == built[1]  # one selector, the same object twice
    assert len(api.json()["recent_activity"]) == attempts
    if attempts:
        assert api.json()["this_week"]["minutes"] == 2.0  # 20 + 40 + 60 seconds
    expected_percent = 100 if attempts else 0
    assert api.json()["today"]["goal_percent"] == expected_percent


def test_overview_query_count_does_not_grow_with_attempts(learner_client, learner):
    line = LineFactory()
    AttemptFactory(user=learner, line=line)
    few = page_queries(learner_client, reverse("practice:overview"))
    for days in range(30):
        AttemptFactory.create_batch(2, user=learner, line=LineFactory(), created_at=ago(days=days))

    assert page_queries(learner_client, reverse("practice:overview")) == few


# --- sessions -------------------------------------------------------------------------------


def test_sessions_page_summarises_each_sitting(learner_client, learner):
    script = ScriptFactory(title="Rooftop", work_title="Infernal Affairs")
    one, two = LineFactory.create_batch(2, script=script)
    sitting = PracticeSessionFactory(
        user=learner, script=script, started_at=ago(minutes=30), last_activity_at=ago(minutes=18)
    )
    for line, overall in [(one, 62.0), (one, 74.0), (two, 91.0)]:
        AttemptFactory(user=learner, line=line, session=sitting, overall=overall)

    text = text_of(learner_client.get(reverse("practice:sessions")))

    assert "Infernal Affairs · Rooftop" in text
    assert "Duration 12 min Attempts 3 Lines 2 Average 76 Best 91 Recorded 9 s" in text
    assert "In progress" in text


def test_sessions_page_query_count_does_not_grow_with_sessions(learner_client, learner):
    def sitting():
        session = PracticeSessionFactory(user=learner)
        AttemptFactory.create_batch(
            2, user=learner, session=session, line=LineFactory(script=session.script)
        )

    sitting()
    few = page_queries(learner_client, reverse("practice:sessions"))
    for _ in range(10):
        sitting()

    assert page_queries(learner_client, reverse("practice:sessions")) == few


# --- navigation and language ----------------------------------------------------------------


def test_navigation_links_to_the_learner_pages_once_signed_in(learner_client):
    visitor = Client().get(reverse("home")).content.decode()

    html = learner_client.get(reverse("home")).content.decode()

    assert reverse("practice:history") not in visitor
    for name in ("practice:history", "practice:bookmarks", "practice:overview"):
        assert f'href="{reverse(name)}"' in html


def test_learner_pages_speak_korean(learner_client, learner):
    AttemptFactory(user=learner, overall=70.0)
    learner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    history = text_of(learner_client.get(reverse("practice:history")))
    overview = text_of(learner_client.get(reverse("practice:overview")))

    assert "내가 더빙한 대사" in history and "최고 70" in history
    assert "이번 주 시도" in overview and "연속 연습" in overview


def test_learner_pages_write_korean_dates_times_and_durations_as_koreans_do(
    learner_client, learner, settings
):
    settings.TIME_ZONE = "Asia/Seoul"
    evening = datetime(2025, 3, 12, 13, 24, tzinfo=UTC)  # 22:24 in Seoul
    script = ScriptFactory(title="Rooftop", work_title="Infernal Affairs")
    sitting = PracticeSessionFactory(
        user=learner,
        script=script,
        started_at=evening,
        last_activity_at=evening + timedelta(minutes=65),
    )
    line = LineFactory(script=script)
    AttemptFactory(user=learner, line=line, session=sitting, duration=42.0, created_at=evening)
    AttemptFactory(user=learner, duration=48.0)  # today
    learner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    overview = text_of(learner_client.get(reverse("practice:overview")))
    sessions = text_of(learner_client.get(reverse("practice:sessions")))
    history = learner_client.get(reverse("practice:history")).content.decode()

    assert "연습한 시간 48초 이번 주 · 전체 1분 30초" in overview
    assert "오늘의 목표 48초 / 1분" in overview
    assert "2025. 3. 12. 오후 10:24" in overview  # the latest takes
    assert "2025년 3월 12일 오후 10:24 – 오후 11:29" in sessions
    assert "1시간 5분" in sessions and "녹음 42초" in sessions
    assert 'title="2025년 3월 12일 오후 10:24"' in history
    assert "10:24 오후" not in overview + sessions + history


def test_history_filters_by_kind_orders_and_keeps_filters_across_pages(learner, learner_client):
    song = ScriptFactory(kind="song", title="A song")
    for overall in (50.0, 90.0):
        AttemptFactory(user=learner, line=LineFactory(script=song), overall=overall)
    for _ in range(20):
        AttemptFactory(user=learner, line=LineFactory(script=ScriptFactory(kind="song")))
    AttemptFactory(user=learner, line=LineFactory(script=ScriptFactory(kind="movie")))
    url = reverse("practice:history")

    best = learner_client.get(url, {"kind": "song", "order": "best"})
    nothing = learner_client.get(url, {"kind": "animation"})

    lines = best.context["lines"]
    assert best.context["page"].paginator.count == 22
    assert lines[0].best_overall == 90.0
    assert all(line.script.kind == "song" for line in lines)
    assert 'href="?kind=song&amp;order=best&amp;page=2"' in best.content.decode()
    assert "No line matches these filters." in text_of(nothing)


def test_bookmarks_page_filters_by_kind(learner, learner_client):
    song = BookmarkFactory(user=learner, line=LineFactory(script=ScriptFactory(kind="song")))
    BookmarkFactory(user=learner, line=LineFactory(script=ScriptFactory(kind="movie")))

    response = learner_client.get(reverse("practice:bookmarks"), {"kind": "song"})

    assert [b.pk for b in response.context["bookmarks"]] == [song.pk]
