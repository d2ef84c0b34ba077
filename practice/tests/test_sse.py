"""GET /api/tokens/analysis-progress/{job_id}: the Server-Sent Events progress stream."""

import json

import pytest
import redis.exceptions
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import caches
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import RefreshToken

from practice.api.stream import FINAL_EVENT_ID, event_id, format_event, progress_events
from practice.models import Attempt, AttemptStatus
from practice.progress import attempt_group, attempt_state, publish_attempt
from practice.tests.conftest import saved_attempt
from yousync.outages import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def attempt(learner, line):
    return saved_attempt(
        learner,
        line,
        status=AttemptStatus.RUNNING,
        stage="alignment",
        progress=30,
    )


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


def parse(chunks: list[str]) -> list[dict]:
    """SSE blocks -> [{"id", "event", "data"} or {"comment"}], as a client reads them."""
    events = []
    for block in "".join(chunks).split("\n\n"):
        if not block:
            continue
        fields: dict = {}
        for row in block.split("\n"):
            name, _, value = row.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                fields["comment"] = value
            elif name == "data":
                fields["data"] = json.loads(value)
            else:
                fields[name] = value
        events.append(fields)
    return events


def set_state(attempt, status, stage, progress, **scores) -> Attempt:
    attempt.status, attempt.stage, attempt.progress = status, stage, progress
    for name, value in scores.items():
        setattr(attempt, name, value)
    attempt.save()
    return attempt


async def apublish(attempt, *args, **scores) -> None:
    await sync_to_async(lambda: publish_attempt(set_state(attempt, *args, **scores)))()


# --- formatting --------------------------------------------------------------------------


def test_format_event_writes_id_event_and_one_line_of_json(attempt):
    text = format_event(attempt_state(attempt))

    assert text.endswith("\n\n")
    rows = text.strip("\n").split("\n")
    assert rows[0] == f"id: {30 * 100 + 5}"
    assert rows[1] == "event: progress"
    assert json.loads(rows[2].removeprefix("data: ")) == {
        "job_id": str(attempt.job_id),
        "status": "running",
        "stage": "alignment",
        "progress": 30,
    }


def test_event_ids_grow_with_progress_and_stage_and_end_highest():
    states = [
        {"status": "queued", "stage": "", "progress": 0},
        {"status": "running", "stage": "decode", "progress": 1},
        {"status": "running", "stage": "reference", "progress": 3},
        {"status": "running", "stage": "pronunciation", "progress": 60},
        {"status": "running", "stage": "intonation", "progress": 60},
        {"status": "running", "stage": "feedback", "progress": 99},
        {"status": "failed", "stage": "timing", "progress": 70},
    ]
    ids = [event_id(s) for s in states]

    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert ids[-1] == FINAL_EVENT_ID
    assert format_event(states[-1]).split("\n")[1] == "event: failed"


# --- the generator on the in-memory layer ------------------------------------------------


def test_progress_events_relays_states_in_order_and_ends_after_the_final(attempt, learner):
    layer = get_channel_layer()
    group = attempt_group(attempt.job_id)

    async def scenario():
        stream = progress_events(user=learner, job_id=attempt.job_id, heartbeat=0.2)
        chunks = [await anext(stream), await anext(stream)]  # retry hint, current state
        chunks.append(await anext(stream))  # nothing published yet: a heartbeat
        await apublish(attempt, "running", "timing", 75)
        await apublish(attempt, "running", "alignment", 30)
        await apublish(attempt, "completed", "done", 100, overall=81.5)
        chunks += [chunk async for chunk in stream]
        return chunks

    chunks = async_to_sync(scenario)()

    assert chunks[0] == "retry: 3000\n\n"
    events = parse(chunks)
    assert events[2] == {"comment": "ping"}
    relayed = [e for e in events if "data" in e]
    # The stale 30 % state published after 75 % is not sent again.
    assert [e["data"]["progress"] for e in relayed] == [30, 75, 100]
    assert [e["event"] for e in relayed] == ["progress", "progress", "completed"]
    assert relayed[-1]["data"]["scores"]["overall"] == 81.5
    assert [int(e["id"]) for e in relayed] == sorted(int(e["id"]) for e in relayed)
    assert not layer.groups.get(group)  # unsubscribed at the end


def test_progress_events_resumes_after_last_event_id(attempt, learner):
    seen = event_id(attempt_state(attempt))

    async def scenario():
        stream = progress_events(
            user=learner, job_id=attempt.job_id, last_event_id=seen, heartbeat=5
        )
        chunks = [await anext(stream)]
        await apublish(attempt, "running", "timing", 75)
        chunks.append(await anext(stream))
        await apublish(attempt, "failed", "timing", 75)
        chunks += [chunk async for chunk in stream]
        return chunks

    events = [e for e in parse(async_to_sync(scenario)()) if "data" in e]

    assert [(e["event"], e["data"]["progress"]) for e in events] == [
        ("progress", 75),
        ("failed", 75),
    ]


def test_progress_events_after_the_end_sends_the_final_state_once(attempt, learner):
    set_state(attempt, "completed", "done", 100, overall=70.0)

    async def scenario():
        stream = progress_events(
            user=learner, job_id=attempt.job_id, last_event_id=FINAL_EVENT_ID, heartbeat=5
        )
        return [chunk async for chunk in stream]

    events = [e for e in parse(async_to_sync(scenario)()) if "data" in e]

    assert len(events) == 1
    assert (events[0]["event"], events[0]["id"]) == ("completed", str(FINAL_EVENT_ID))


def test_progress_events_unsubscribes_when_the_client_goes_away(attempt, learner):
    layer = get_channel_layer()

    async def scenario():
        stream = progress_events(user=learner, job_id=attempt.job_id, heartbeat=5)
        await anext(stream)
        await anext(stream)
        subscribed = bool(layer.groups.get(attempt_group(attempt.job_id)))
        await stream.aclose()  # what the server does on disconnect
        return subscribed

    assert async_to_sync(scenario)() is True
    assert not layer.groups.get(attempt_group(attempt.job_id))


# --- the view ------------------------------------------------------------------------------


def test_progress_view_streams_to_the_owner_with_event_stream_headers(attempt, learner):
    set_state(attempt, "completed", "done", 100, overall=70.0)
    authorization = bearer(learner)

    async def scenario():
        response = await AsyncClient().get(
            f"/api/tokens/analysis-progress/{attempt.job_id}",
            headers={"Authorization": authorization},
        )
        return response, [chunk.decode() async for chunk in response.streaming_content]

    response, chunks = async_to_sync(scenario)()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    events = [e for e in parse(chunks) if "data" in e]
    assert [e["event"] for e in events] == ["completed"]


def test_progress_view_refuses_strangers_with_a_json_401(attempt):
    response = async_to_sync(AsyncClient().get)(f"/api/tokens/analysis-progress/{attempt.job_id}")

    assert response.status_code == 401
    assert json.loads(response.content) == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_progress_view_hides_other_learners_attempts(attempt, other_learner):
    authorization = bearer(other_learner)
    client = AsyncClient()
    headers = {"Authorization": authorization}

    foreign = async_to_sync(client.get)(
        f"/api/tokens/analysis-progress/{attempt.job_id}", headers=headers
    )
    unknown = async_to_sync(client.get)(
        "/api/tokens/analysis-progress/3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08", headers=headers
    )

    assert foreign.status_code == unknown.status_code == 404
    assert json.loads(foreign.content) == json.loads(unknown.content)
    assert json.loads(foreign.content)["code"] == "not_found"


def test_progress_view_answers_other_methods_with_a_json_405(attempt, learner):
    response = async_to_sync(AsyncClient().post)(
        f"/api/tokens/analysis-progress/{attempt.job_id}",
        headers={"Authorization": bearer(learner)},
    )

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["code"] == "method_not_allowed"


# --- limits: streams per learner, stream lifetime -------------------------------------------


def test_a_learner_gets_429_beyond_the_open_stream_limit_and_a_slot_back_on_close(
    attempt, learner, settings
):
    settings.SSE_MAX_STREAMS_PER_LEARNER = 2
    cache_key = f"sse-streams:{learner.pk}"
    url = f"/api/tokens/analysis-progress/{attempt.job_id}"
    mine = {"Authorization": bearer(learner)}

    async def scenario():
        client = AsyncClient()
        first = await client.get(url, headers=mine)
        second = await client.get(url, headers=mine)
        third = await client.get(url, headers=mine)
        # The first stream runs to its end (the attempt finished): its slot is free again.
        await sync_to_async(set_state)(attempt, "completed", "done", 100, overall=70.0)
        _ = [chunk async for chunk in first.streaming_content]
        fourth = await client.get(url, headers=mine)
        return first, second, third, fourth

    from django.core.cache import cache

    cache.delete(cache_key)
    first, second, third, fourth = async_to_sync(scenario)()
    cache.delete(cache_key)

    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 429
    assert third.json()["code"] == "too_many_streams"
    assert third["Retry-After"] == "3"
    assert fourth.status_code == 200


def test_progress_events_end_after_the_longest_stream_time(attempt, learner, settings):
    settings.SSE_MAX_SECONDS = 1

    async def scenario():
        return [
            chunk
            async for chunk in progress_events(user=learner, job_id=attempt.job_id, heartbeat=0.3)
        ]

    chunks = async_to_sync(scenario)()

    events = parse(chunks)
    assert [e.get("event") for e in events if "data" in e] == ["progress"]
    assert 1 <= sum(1 for e in events if e.get("comment") == "ping") <= 4


def test_the_stream_gives_its_database_connection_back_while_it_waits(attempt, learner):
    from django.db import connections

    async def scenario():
        default = connections["default"]
        stream = progress_events(user=learner, job_id=attempt.job_id, heartbeat=5)
        await anext(stream)  # retry:
        await anext(stream)  # the current state, read from the database
        held = await sync_to_async(lambda: default.connection is not None)()
        await stream.aclose()
        return held

    assert async_to_sync(scenario)() is False


# --- Redis going away ------------------------------------------------------------------------


def test_progress_events_end_cleanly_when_redis_goes_away_mid_stream(attempt, learner, monkeypatch):
    layer = get_channel_layer()

    async def redis_gone(channel):
        raise redis.exceptions.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(layer, "receive", redis_gone)

    async def scenario():
        return [
            chunk
            async for chunk in progress_events(user=learner, job_id=attempt.job_id, heartbeat=5)
        ]

    chunks = async_to_sync(scenario)()

    events = parse(chunks)
    # The current state, then a last event that says why, with no id: a reconnect's
    # Last-Event-ID is still the state's, and it waits the API's Retry-After.
    assert [e.get("event") for e in events if "data" in e] == ["progress", "unavailable"]
    last = events[-1]
    assert "id" not in last
    assert last["retry"] == str(RETRY_AFTER_SECONDS * 1000)
    assert last["data"]["code"] == "service_unavailable" and last["data"]["detail"]
    assert not layer.groups.get(attempt_group(attempt.job_id))  # unsubscribed


def test_progress_events_end_cleanly_when_redis_is_down_from_the_start(
    attempt, learner, monkeypatch
):
    layer = get_channel_layer()

    async def refused(*args):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390.")

    monkeypatch.setattr(layer, "group_add", refused)
    monkeypatch.setattr(layer, "group_discard", refused)

    async def scenario():
        return [chunk async for chunk in progress_events(user=learner, job_id=attempt.job_id)]

    events = parse(async_to_sync(scenario)())

    assert [e.get("event") for e in events] == ["unavailable"]


def test_progress_view_answers_503_with_retry_after_while_redis_is_down(
    attempt, learner, monkeypatch
):
    cache_class = type(caches["default"])

    def refused(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390.")

    monkeypatch.setattr(cache_class, "add", refused)
    authorization = bearer(learner)

    response = async_to_sync(AsyncClient().get)(
        f"/api/tokens/analysis-progress/{attempt.job_id}",
        headers={"Authorization": authorization},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {
        "detail": "The service is unavailable for a moment. Please try again shortly.",
        "code": "service_unavailable",
    }
