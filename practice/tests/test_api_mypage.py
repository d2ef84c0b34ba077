"""The learner's own API (/api/mypage/): bookmarks, dubbed lines, overview, sessions and
attempts, signed in with a JWT bearer as the app is."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice.models import Bookmark
from practice.tests.conftest import api_client
from practice.tests.factories import (
    AttemptFactory,
    BookmarkFactory,
    LineFactory,
    PracticeSessionFactory,
    ScriptFactory,
    UserFactory,
)
from scripts.guide import GUIDE_FORMAT
from scripts.guide import VOICES as GUIDE_VOICES
from scripts.models import Kind, Line

pytestmark = pytest.mark.django_db

MYPAGE = [
    ("get", "/api/mypage/bookmarks/"),
    ("post", "/api/mypage/bookmarks/"),
    ("delete", "/api/mypage/bookmarks/?token_id=1"),
    ("delete", "/api/mypage/bookmarks/1/"),
    ("get", "/api/mypage/my-dubbed-tokens"),
    ("get", "/api/mypage/overview"),
    ("get", "/api/mypage/sessions"),
    ("get", "/api/mypage/attempts"),
]


@pytest.fixture
def learner():
    return UserFactory()


@pytest.mark.parametrize(("method", "path"), MYPAGE)
def test_mypage_needs_a_signed_in_learner(method, path):
    response = getattr(api_client(), method)(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- bookmarks --------------------------------------------------------------------------


def test_bookmarks_list_only_mine_newest_first_in_the_token_shape(learner):
    older, newer = LineFactory(text="Older line"), LineFactory(text="Newer line")
    BookmarkFactory(user=learner, line=older)
    BookmarkFactory(user=learner, line=newer)
    BookmarkFactory(user=UserFactory(), line=LineFactory())
    AttemptFactory(user=learner, line=older, overall=64.0)
    AttemptFactory(user=learner, line=older, overall=71.0)

    body = api_client(learner).get("/api/mypage/bookmarks/").json()

    assert body["count"] == 2
    assert [b["token_id"] for b in body["results"]] == [newer.pk, older.pk]
    first, second = body["results"]
    assert first["token"]["text"] == "Newer line"
    assert first["token"]["script"]["id"] == newer.script_id
    assert first["token"]["audio_url"].startswith("http://testserver/")
    assert (first["attempt_count"], first["best_overall_score"]) == (0, None)
    assert (second["attempt_count"], second["best_overall_score"]) == (2, 71.0)


def test_bookmarks_filter_by_kind_and_script(learner):
    song = LineFactory(script=ScriptFactory(kind=Kind.SONG))
    movie = LineFactory(script=ScriptFactory(kind=Kind.MOVIE))
    BookmarkFactory(user=learner, line=song)
    BookmarkFactory(user=learner, line=movie)
    client = api_client(learner)

    by_kind = client.get("/api/mypage/bookmarks/", {"kind": "song"}).json()
    by_script = client.get("/api/mypage/bookmarks/", {"script": movie.script_id}).json()

    assert [b["token_id"] for b in by_kind["results"]] == [song.pk]
    assert [b["token_id"] for b in by_script["results"]] == [movie.pk]


@pytest.mark.parametrize(
    "path", ["/api/mypage/sessions", "/api/mypage/attempts", "/api/mypage/bookmarks/"]
)
def test_an_id_filter_past_64_bits_is_a_400_not_a_database_error(learner, path):
    name = "token_id" if path.endswith("attempts") else "script"

    response = api_client(learner).get(path, {name: str(2**63)})

    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_bookmarks_refuse_a_bad_filter_with_the_error_shape(learner):
    response = api_client(learner).get("/api/mypage/bookmarks/", {"kind": "opera"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_choice"
    assert "kind" in body["errors"]


def test_bookmark_post_creates_once_and_a_repeat_keeps_one(learner):
    line = LineFactory()
    client = api_client(learner)

    first = client.post("/api/mypage/bookmarks/", {"token_id": line.pk}, format="json")
    again = client.post("/api/mypage/bookmarks/", {"token_id": line.pk}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["token_id"] == line.pk
    assert first.json()["id"] == again.json()["id"]
    assert Bookmark.objects.filter(user=learner, line=line).count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"token_id": "x"}, "invalid"),
        ({"token_id": 1, "extra": 2}, "unknown_field"),
    ],
)
def test_bookmark_post_validates_its_body(learner, body, code):
    response = api_client(learner).post("/api/mypage/bookmarks/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Bookmark.objects.exists()


def test_bookmark_post_of_an_unknown_or_unpublished_line_is_404(learner):
    hidden = LineFactory(script=ScriptFactory(is_published=False))
    client = api_client(learner)

    unknown = client.post("/api/mypage/bookmarks/", {"token_id": 999999}, format="json")
    unpublished = client.post("/api/mypage/bookmarks/", {"token_id": hidden.pk}, format="json")

    assert unknown.status_code == unpublished.status_code == 404
    assert unknown.json() == {"detail": "This line does not exist.", "code": "not_found"}
    assert not Bookmark.objects.exists()


def test_bookmark_delete_by_query_body_or_path(learner):
    lines = LineFactory.create_batch(3)
    for line in lines:
        BookmarkFactory(user=learner, line=line)
    client = api_client(learner)

    by_query = client.delete(f"/api/mypage/bookmarks/?token_id={lines[0].pk}")
    by_body = client.delete("/api/mypage/bookmarks/", {"token_id": lines[1].pk}, format="json")
    by_path = client.delete(f"/api/mypage/bookmarks/{lines[2].pk}/")

    assert [r.status_code for r in (by_query, by_body, by_path)] == [204, 204, 204]
    assert not Bookmark.objects.filter(user=learner).exists()


def test_bookmark_delete_never_touches_another_learners_bookmark(learner):
    theirs = BookmarkFactory(user=UserFactory())

    response = api_client(learner).delete(f"/api/mypage/bookmarks/{theirs.line_id}/")

    assert response.status_code == 404
    assert response.json()["detail"] == "This line is not bookmarked."
    assert Bookmark.objects.filter(pk=theirs.pk).exists()


def test_bookmark_delete_without_a_token_id_is_a_validation_error(learner):
    response = api_client(learner).delete("/api/mypage/bookmarks/")

    assert response.status_code == 400
    assert response.json()["code"] in {"null", "required"}


# --- my dubbed tokens --------------------------------------------------------------------


def test_my_dubbed_tokens_give_best_and_last_scores_of_my_attempts(learner):
    now = timezone.now()
    line, other_line = LineFactory(), LineFactory()
    AttemptFactory(user=learner, line=line, overall=60.0, created_at=now - timedelta(hours=3))
    AttemptFactory(
        user=learner, line=line, overall=80.0, timing=95.0, created_at=now - timedelta(hours=2)
    )
    last = AttemptFactory(
        user=learner, line=line, overall=70.0, created_at=now - timedelta(hours=1)
    )
    AttemptFactory(user=learner, line=other_line, overall=40.0, created_at=now - timedelta(days=1))
    AttemptFactory(user=UserFactory(), line=line, overall=99.0)

    body = api_client(learner).get("/api/mypage/my-dubbed-tokens").json()

    assert body["count"] == 2
    first = body["results"][0]
    assert first["token_id"] == line.pk
    assert first["token"]["text"] == line.text
    assert first["attempt_count"] == 3
    assert (first["best_overall_score"], first["last_overall_score"]) == (80.0, 70.0)
    assert first["first_overall_score"] == 60.0
    assert first["best_scores"]["timing"] == 95.0
    assert first["last_scores"] == {
        "overall": 70.0,
        "pronunciation": 70.0,
        "intonation": 70.0,
        "timing": 70.0,
        "emotion": 70.0,
    }
    assert first["last_job_id"] == str(last.job_id)


def test_my_dubbed_tokens_order_filter_and_paginate(learner):
    lines = [LineFactory(script=ScriptFactory(kind=kind)) for kind in (Kind.SONG, Kind.MOVIE)]
    lines.append(LineFactory(script=lines[1].script))
    for line, overall in zip(lines, (50.0, 90.0, 70.0), strict=True):
        AttemptFactory(user=learner, line=line, overall=overall)
    client = api_client(learner)

    best = client.get("/api/mypage/my-dubbed-tokens", {"order": "best"}).json()
    weakest = client.get("/api/mypage/my-dubbed-tokens", {"order": "weakest"}).json()
    songs = client.get("/api/mypage/my-dubbed-tokens", {"kind": "song"}).json()
    page_two = client.get(
        "/api/mypage/my-dubbed-tokens", {"order": "best", "page": 2, "page_size": 1}
    ).json()
    beyond = client.get("/api/mypage/my-dubbed-tokens", {"page": 9})

    assert [r["best_overall_score"] for r in best["results"]] == [90.0, 70.0, 50.0]
    assert [r["best_overall_score"] for r in weakest["results"]] == [50.0, 70.0, 90.0]
    assert [r["token_id"] for r in songs["results"]] == [lines[0].pk]
    assert page_two["count"] == 3
    assert [r["best_overall_score"] for r in page_two["results"]] == [70.0]
    assert page_two["next"].endswith("page=3&page_size=1")
    assert beyond.status_code == 404
    assert beyond.json()["code"] == "not_found"


def with_guide(line) -> None:
    """A current guide voice on the line, as the media worker stores it."""
    line.guide = {
        "format": GUIDE_FORMAT,
        "voice": GUIDE_VOICES[line.script.language],
        "text": line.text,
        "words": [],
    }
    line.guide_audio.name, line.guide_audio_slow.name = "guide/a.ogg", "guide/a-slow.ogg"
    line.save(update_fields=["guide", "guide_audio", "guide_audio_slow"])


def test_my_dubbed_tokens_cost_the_same_queries_for_more_lines(learner, settings):
    # The guide voice is on in production (off in the test settings): each token's `guide`
    # reads the script's switch and the line's guide fields.
    settings.GUIDE_VOICE = True
    client = api_client(learner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/mypage/my-dubbed-tokens").status_code == 200
        return len(captured)

    AttemptFactory(user=learner)
    few = queries()
    for _ in range(12):
        AttemptFactory(user=learner, line=AttemptFactory(user=learner).line)
    for line in Line.objects.filter(attempts__user=learner).distinct()[:6]:
        with_guide(line)
    # Song lines too: their `song` reads the line's analysis and the script's song key.
    song_key = {"key": {"name": "C major", "name_ko": "다장조"}, "key_reason": None, "lines": 1}
    for _ in range(3):
        AttemptFactory(user=learner, line__script__kind=Kind.SONG, line__script__song_key=song_key)

    assert queries() == few
    results = client.get("/api/mypage/my-dubbed-tokens").json()["results"]
    guides = [r["token"]["guide"] for r in results]
    assert sum(guide is not None for guide in guides) == 6


# --- overview ----------------------------------------------------------------------------


def test_overview_for_a_new_learner_is_all_zero(learner):
    body = api_client(learner).get("/api/mypage/overview").json()

    assert body["totals"] == {
        "attempts": 0,
        "scored_attempts": 0,
        "minutes": 0.0,
        "lines_practised": 0,
        "days_practised": 0,
        "best_overall_score": None,
    }
    assert body["averages"] == dict.fromkeys(
        ["overall", "pronunciation", "intonation", "timing", "emotion"]
    )
    assert body["streak"] == {"current": 0, "longest": 0, "practised_today": False}
    assert len(body["weekly"]) == 8
    assert body["recent_activity"] == []
    assert body["today"]["goal_percent"] == 0


def test_overview_sums_my_attempts_into_totals_streak_and_weeks(learner):
    learner.daily_goal_minutes = 1
    learner.save()
    now = timezone.now()
    AttemptFactory(user=learner, overall=60.0, duration=30.0, created_at=now - timedelta(days=1))
    AttemptFactory(user=learner, overall=80.0, duration=30.0)
    AttemptFactory(user=learner, failed=True, duration=300.0)
    AttemptFactory(user=UserFactory(), overall=10.0, duration=600.0)

    body = api_client(learner).get("/api/mypage/overview").json()

    assert body["totals"]["attempts"] == 2
    assert body["totals"]["minutes"] == 1.0
    assert body["totals"]["best_overall_score"] == 80.0
    assert body["averages"]["overall"] == 70.0
    assert body["streak"]["current"] == 2
    assert body["streak"]["practised_today"] is True
    assert body["today"] == {"minutes": 0.5, "goal_minutes": 1, "goal_percent": 50}
    assert sum(week["scored_attempts"] for week in body["weekly"]) == 2
    assert body["weekly"][-1]["averages"]["overall"] is not None
    activity = body["recent_activity"]
    assert [a["status"] for a in activity] == ["failed", "completed", "completed"]
    assert activity[1]["overall_score"] == 80.0


def test_overview_and_attempts_with_pronunciation_not_assessed(learner):
    AttemptFactory(user=learner, overall=60.0, pronunciation=70.0)
    not_assessed = AttemptFactory(user=learner, overall=80.0, pronunciation=None)
    client = api_client(learner)

    overview = client.get("/api/mypage/overview").json()
    attempts = client.get("/api/mypage/attempts").json()["results"]

    assert overview["averages"]["overall"] == 70.0
    assert overview["averages"]["pronunciation"] == 70.0  # of the one attempt that has it
    assert overview["weekly"][-1]["averages"]["pronunciation"] == 70.0
    assert attempts[0]["job_id"] == str(not_assessed.job_id)
    assert attempts[0]["pronunciation_score"] is None


def test_overview_costs_the_same_queries_for_more_attempts(learner):
    client = api_client(learner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/mypage/overview").status_code == 200
        return len(captured)

    AttemptFactory(user=learner)
    few = queries()
    now = timezone.now()
    for day in range(20):
        AttemptFactory(user=learner, created_at=now - timedelta(days=day))

    assert queries() == few


# --- sessions and attempts ----------------------------------------------------------------


def test_sessions_are_mine_with_summaries_and_a_script_filter(learner):
    script, other_script = ScriptFactory(), ScriptFactory()
    session = PracticeSessionFactory(user=learner, script=script)
    line = LineFactory(script=script)
    AttemptFactory(user=learner, line=line, session=session, overall=60.0, duration=4.0)
    AttemptFactory(user=learner, line=line, session=session, overall=80.0, duration=6.0)
    other = PracticeSessionFactory(user=learner, script=other_script)
    AttemptFactory(user=learner, line=LineFactory(script=other_script), session=other)
    theirs = PracticeSessionFactory(script=script)
    AttemptFactory(user=theirs.user, line=line, session=theirs)
    client = api_client(learner)

    body = client.get("/api/mypage/sessions", {"script": script.pk}).json()
    everything = client.get("/api/mypage/sessions").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == session.pk
    assert row["script"]["id"] == script.pk
    assert (row["attempt_count"], row["lines_practised"]) == (2, 1)
    assert (row["average_overall_score"], row["best_overall_score"]) == (70.0, 80.0)
    assert row["speaking_seconds"] == 10.0
    assert row["in_progress"] is True
    assert everything["count"] == 2


def test_attempts_are_mine_newest_first_and_filter_by_token_and_status(learner):
    line = LineFactory()
    now = timezone.now()
    old = AttemptFactory(user=learner, line=line, created_at=now - timedelta(hours=2))
    failed = AttemptFactory(user=learner, line=line, failed=True, created_at=now)
    AttemptFactory(user=learner)
    AttemptFactory(user=UserFactory(), line=line)
    client = api_client(learner)

    by_line = client.get("/api/mypage/attempts", {"token_id": line.pk}).json()
    by_status = client.get("/api/mypage/attempts", {"status": "failed"}).json()
    bad = client.get("/api/mypage/attempts", {"status": "lost"})

    assert [a["job_id"] for a in by_line["results"]] == [str(failed.job_id), str(old.job_id)]
    assert "detailed_feedback" not in by_line["results"][0]
    assert by_line["results"][0]["error_code"] == "undecodable"
    assert [a["job_id"] for a in by_status["results"]] == [str(failed.job_id)]
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_choice"
