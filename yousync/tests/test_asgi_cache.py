"""Kept API answers replayed before Django (yousync/asgi_cache.py, response_cache.py):
what is replayed, to whom, and what makes it go through Django again. Real Redis and
PostgreSQL; Django's side runs in the request threads of the production handler."""

import json
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib import admin
from django.core.cache import cache
from django.db import OperationalError, connections
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.admin import UserAdmin
from accounts.models import User
from accounts.services import user_update_profile
from practice import services
from practice.learner_stats import local_midnight
from practice.tests.factories import AttemptFactory, LineFactory, UserFactory
from scripts.api.cache import catalogue_changed
from yousync import response_cache
from yousync.asgi_cache import ApiResponseCache
from yousync.asgi_handler import PooledThreadASGIHandler
from yousync.testing import asgi_get

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class CountingApp:
    """Django's handler, counting the requests that reach it."""

    def __init__(self):
        self.django = PooledThreadASGIHandler(threads=2)
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.django(scope, receive, send)


@pytest.fixture
def django_app(settings):
    settings.CATALOGUE_CACHE_SECONDS = 120  # the test settings turn caching off
    cache.clear()
    app = CountingApp()
    yield app
    cache.clear()
    for thread in app.django._idle:  # their database connections, before the test db goes
        thread.submit(connections.close_all).result()
        thread.shutdown()


@pytest.fixture
def app(django_app):
    app = ApiResponseCache(django_app)
    yield app
    app.account_thread.submit(connections.close_all).result()


def get(app, path: str, *, token=None, query: str = "", headers=()) -> tuple[int, dict, bytes]:
    sent_headers = list(headers)
    if token is not None:
        sent_headers.append((b"authorization", f"Bearer {token}".encode()))
    return async_to_sync(asgi_get)(
        app, path, query=query, headers=sent_headers, client=("10.1.2.3", 50000)
    )


def token_for(user) -> str:
    return str(AccessToken.for_user(user))


def test_catalogue_answer_is_replayed_without_django_with_its_own_request_id(app, django_app):
    line = LineFactory(script__title="The Door")
    token = token_for(UserFactory())

    first = get(app, "/api/scripts/", token=token)
    second = get(app, "/api/scripts/", token=token)

    assert django_app.calls == 1
    assert first[0] == second[0] == 200
    assert second[2] == first[2]
    assert json.loads(second[2])["results"][0]["title"] == line.script.title
    assert second[1]["content-type"] == "application/json"
    assert second[1]["x-content-type-options"] == "nosniff"  # the middleware's headers too
    assert "x-yousync-cache-entry" not in first[1] and "x-yousync-cache-entry" not in second[1]
    assert second[1]["x-request-id"] != first[1]["x-request-id"]


def test_shared_answer_serves_other_learners_and_anonymous_requests(app, django_app):
    LineFactory()
    get(app, "/api/scripts/", token=token_for(UserFactory()))

    other = UserFactory()
    status = get(app, "/api/scripts/", token=token_for(other))[0]  # its row looked at once
    get(app, "/api/scripts/", token=token_for(other))
    get(app, "/api/scripts/")

    assert status == 200
    assert django_app.calls == 1
    assert cache.get(response_cache.account_key(other.pk)) == 1


def test_catalogue_change_reaches_the_next_request(app, django_app):
    line = LineFactory(script__title="Before")
    token = token_for(UserFactory())
    get(app, f"/api/scripts/{line.script_id}/", token=token)

    type(line.script).objects.filter(pk=line.script_id).update(title="After")
    catalogue_changed()
    status, _, body = get(app, f"/api/scripts/{line.script_id}/", token=token)

    assert status == 200
    assert json.loads(body)["title"] == "After"
    assert django_app.calls == 2


def test_query_string_and_language_are_part_of_what_is_kept(app, django_app):
    LineFactory()
    token = token_for(UserFactory())

    get(app, "/api/scripts/", token=token)
    get(app, "/api/scripts/", token=token, query="kind=movie")
    get(app, "/api/scripts/", token=token, headers=[(b"accept-language", b"ko")])
    get(app, "/api/scripts/", token=token, query="kind=movie")

    assert django_app.calls == 3


def test_only_json_answers_are_kept(app, django_app):
    LineFactory()
    token = token_for(UserFactory())
    html = [(b"accept", b"text/html")]

    first = get(app, "/api/scripts/", token=token, headers=html)
    get(app, "/api/scripts/", token=token, headers=html)

    assert first[1]["content-type"].startswith("text/html")
    assert django_app.calls == 2


def test_learner_answers_are_each_learners_own(app, django_app):
    mine, theirs = UserFactory(), UserFactory()
    AttemptFactory(user=mine, overall=91.0)
    AttemptFactory(user=theirs, overall=42.0)
    AttemptFactory(user=theirs, overall=43.0)

    for _ in range(2):
        my_body = get(app, "/api/mypage/overview", token=token_for(mine))[2]
        their_body = get(app, "/api/mypage/overview", token=token_for(theirs))[2]

    assert json.loads(my_body)["totals"]["attempts"] == 1
    assert json.loads(their_body)["totals"]["attempts"] == 2
    assert django_app.calls == 2


def test_a_new_attempt_reaches_the_next_request(app, django_app):
    learner = UserFactory()
    token = token_for(learner)
    first_line = AttemptFactory(user=learner).line
    before = json.loads(get(app, "/api/mypage/my-dubbed-tokens", token=token)[2])

    second_line = AttemptFactory(user=learner).line  # the services refresh the statistics
    after = json.loads(get(app, "/api/mypage/my-dubbed-tokens", token=token)[2])

    assert [row["token_id"] for row in before["results"]] == [first_line.pk]
    assert {row["token_id"] for row in after["results"]} == {first_line.pk, second_line.pk}
    assert django_app.calls == 2


def test_a_bookmark_and_a_profile_change_reach_the_next_request(app, django_app):
    learner = UserFactory()
    token = token_for(learner)
    line = LineFactory()
    get(app, "/api/mypage/bookmarks/", token=token)
    get(app, "/api/mypage/overview", token=token)

    services.bookmark_add(user=learner, line=line)
    bookmarks = json.loads(get(app, "/api/mypage/bookmarks/", token=token)[2])
    user_update_profile(user=learner, data={"daily_goal_minutes": 25})
    overview = json.loads(get(app, "/api/mypage/overview", token=token)[2])

    assert [row["token_id"] for row in bookmarks["results"]] == [line.pk]
    assert overview["today"]["goal_minutes"] == 25
    assert django_app.calls == 4


def test_started_attempt_status_reaches_the_overview(app, django_app):
    learner = UserFactory()
    attempt = AttemptFactory(user=learner, pending=True)
    token = token_for(learner)
    get(app, "/api/mypage/overview", token=token)

    services.attempt_start(attempt_id=attempt.pk)
    overview = json.loads(get(app, "/api/mypage/overview", token=token)[2])

    assert overview["recent_activity"][0]["status"] == "running"


def test_deactivated_account_is_refused_at_once(app, django_app, rf):
    learner = UserFactory()
    token = token_for(learner)
    LineFactory()
    get(app, "/api/scripts/", token=token)
    get(app, "/api/mypage/overview", token=token)

    learner.is_active = False
    UserAdmin(User, admin.site).save_model(rf.post("/"), learner, form=None, change=True)

    assert get(app, "/api/mypage/overview", token=token)[0] == 401
    assert get(app, "/api/scripts/", token=token)[0] == 401


def test_lapsed_account_check_is_one_query_not_a_rebuild(app, django_app):
    learner = UserFactory()
    token = token_for(learner)
    AttemptFactory(user=learner)
    first = get(app, "/api/mypage/my-dubbed-tokens", token=token)

    cache.delete(response_cache.account_key(learner.pk))  # as after ACCOUNT_CHECK_SECONDS
    again = get(app, "/api/mypage/my-dubbed-tokens", token=token)

    assert again[2] == first[2]
    assert django_app.calls == 1
    assert cache.get(response_cache.account_key(learner.pk)) == 1


def test_account_deactivated_behind_the_services_back_is_refused_once_its_check_lapses(
    app, django_app
):
    learner = UserFactory()
    token = token_for(learner)
    LineFactory()
    get(app, "/api/scripts/", token=token)

    User.objects.filter(pk=learner.pk).update(is_active=False)  # no learner_changed()
    cache.delete(response_cache.account_key(learner.pk))

    assert get(app, "/api/scripts/", token=token)[0] == 401
    assert django_app.calls == 2


def test_failed_account_check_leaves_the_answer_to_django(app, django_app, monkeypatch):
    learner = UserFactory()
    token = token_for(learner)
    LineFactory()
    get(app, "/api/scripts/", token=token)
    cache.delete(response_cache.account_key(learner.pk))

    def database_down(user_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(response_cache, "account_is_active", database_down)
    status = get(app, "/api/scripts/", token=token)[0]

    assert status == 200
    assert django_app.calls == 2


def test_bad_token_never_gets_a_kept_answer(app, django_app):
    LineFactory()
    get(app, "/api/scripts/", token=token_for(UserFactory()))

    status, _, body = get(app, "/api/scripts/", token="not-a-jwt")
    expired = AccessToken.for_user(UserFactory())
    expired.set_exp(lifetime=-timedelta(seconds=1))
    expired_status = get(app, "/api/scripts/", token=str(expired))[0]

    assert status == expired_status == 401
    assert json.loads(body)["code"] == "token_not_valid"
    assert django_app.calls == 3


def test_browser_requests_always_go_through_django(app, django_app):
    LineFactory()
    token = token_for(UserFactory())
    get(app, "/api/scripts/", token=token)

    get(app, "/api/scripts/", headers=[(b"cookie", b"sessionid=abc")])
    get(app, "/api/scripts/", token=token, headers=[(b"origin", b"https://app.example")])

    assert django_app.calls == 3


def test_rate_limit_counts_each_request_once_and_django_answers_429(app, django_app, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": (3, 60)}
    LineFactory()
    token = token_for(UserFactory())

    statuses = [get(app, "/api/scripts/", token=token)[0] for _ in range(4)]
    refused = get(app, "/api/scripts/", token=token)

    assert statuses == [200, 200, 200, 429]
    assert refused[0] == 429
    assert int(refused[1]["retry-after"]) >= 1
    assert json.loads(refused[2])["code"] == "throttled"


def test_overview_is_kept_until_local_midnight_and_not_after(app, django_app):
    learner = UserFactory()
    token = token_for(learner)
    get(app, "/api/mypage/overview", token=token)
    key = next(k for k in cache._cache.get_client().keys("*api:response:learner:*"))
    meta, _, body = cache._cache.get_client().get(key).partition(b"\n")
    meta = json.loads(meta)
    tomorrow = timezone.localdate() + timedelta(days=1)

    assert meta["until"] <= local_midnight(tomorrow).timestamp()

    meta["until"] = time.time() - 1  # as if midnight had passed
    cache._cache.get_client().set(key, json.dumps(meta).encode() + b"\n" + body)
    get(app, "/api/mypage/overview", token=token)

    assert django_app.calls == 2


def test_without_redis_every_request_goes_to_django(django_app):
    LineFactory()
    app = ApiResponseCache(django_app, redis_url="redis://127.0.0.1:1/0")
    token = token_for(UserFactory())

    statuses = [get(app, "/api/scripts/", token=token)[0] for _ in range(2)]

    assert statuses == [200, 200]
    assert django_app.calls == 2


def test_views_mark_nothing_for_requests_that_did_not_come_through_the_cache(client):
    LineFactory()

    response = client.get("/api/scripts/")

    assert response.status_code == 200
    assert response_cache.ENTRY_HEADER not in response
