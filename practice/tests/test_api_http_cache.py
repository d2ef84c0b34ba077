"""The learner's own API answers through Django alone: private to the caller, revalidated
by ETag, current after every write, and closed the moment an account is deactivated."""

import pytest

from practice.models import AttemptStatus
from practice.tests.conftest import api_client, saved_attempt
from practice.tests.factories import BookmarkFactory

pytestmark = pytest.mark.django_db

LEARNER_PATHS = [
    "/api/mypage/overview",
    "/api/mypage/my-dubbed-tokens",
    "/api/mypage/bookmarks/",
    "/api/mypage/sessions",
    "/api/mypage/attempts",
]


@pytest.mark.parametrize("path", LEARNER_PATHS)
def test_learner_answers_are_private_and_revalidated_by_etag(learner, line, path):
    saved_attempt(learner, line, status=AttemptStatus.COMPLETED, overall=70.0)
    client = api_client(learner)

    first = client.get(path)
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    assert "public" not in first["Cache-Control"]
    assert again.status_code == 304
    assert again.content == b""


def test_a_new_attempt_changes_the_answer_the_app_revalidates(learner, line):
    client = api_client(learner)
    before = client.get("/api/mypage/overview")

    saved_attempt(learner, line, status=AttemptStatus.COMPLETED, overall=80.0)
    after = client.get("/api/mypage/overview", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after.json()["totals"]["attempts"] == before.json()["totals"]["attempts"] + 1


def test_a_bookmark_changes_the_bookmark_list_at_once(learner, line):
    client = api_client(learner)
    before = client.get("/api/mypage/bookmarks/")

    BookmarkFactory(user=learner, line=line)
    after = client.get("/api/mypage/bookmarks/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert [item["token_id"] for item in after.json()["results"]] == [line.pk]


def test_one_learners_etag_never_gets_another_learner_a_304(learner, other_learner, line):
    saved_attempt(learner, line, status=AttemptStatus.COMPLETED, overall=91.0)
    mine = api_client(learner).get("/api/mypage/my-dubbed-tokens")

    theirs = api_client(other_learner).get(
        "/api/mypage/my-dubbed-tokens", HTTP_IF_NONE_MATCH=mine["ETag"]
    )

    assert theirs.status_code == 200
    assert theirs.json()["results"] == []
    assert mine.json()["results"][0]["best_overall_score"] == 91.0


@pytest.mark.parametrize("path", LEARNER_PATHS)
def test_deactivation_takes_effect_on_the_very_next_request(learner, line, path):
    client = api_client(learner)
    assert client.get(path).status_code == 200

    learner.is_active = False
    learner.save(update_fields=["is_active"])
    response = client.get(path)

    assert response.status_code == 401
    assert response.json()["code"] in {"user_inactive", "authentication_failed"}


def test_a_deleted_account_is_refused_at_once(learner, line):
    client = api_client(learner)
    assert client.get("/api/mypage/overview").status_code == 200

    learner.delete()
    response = client.get("/api/mypage/overview")

    assert response.status_code == 401
