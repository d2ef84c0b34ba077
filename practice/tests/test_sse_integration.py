"""SSE progress against a real uvicorn process, fed through Redis by another process."""

import queue
import threading

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from practice.models import Attempt, AttemptStatus
from practice.progress import publish_attempt
from practice.tests.conftest import saved_attempt
from yousync.testing import child_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def read_events(url: str, headers: dict, out: queue.Queue) -> None:
    """Parse the stream into {"id", "event", "data"} dicts; None marks the end."""
    with requests.get(url, headers=headers, stream=True, timeout=(5, 60)) as response:
        out.put({"status": response.status_code, "type": response.headers["Content-Type"]})
        event: dict = {}
        for raw in response.iter_lines(decode_unicode=True):
            if raw == "":
                if "data" in event:
                    out.put(event)
                event = {}
            elif raw.startswith("retry:"):
                # Sent once the stream has subscribed: publishing is safe from here on.
                out.put({"retry": raw.split(":", 1)[1].strip()})
            elif not raw.startswith(":"):
                name, _, value = raw.partition(": ")
                event[name] = value
    out.put(None)


def stream(server, attempt, token, last_event_id=None) -> queue.Queue:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    out: queue.Queue = queue.Queue()
    url = f"{server.base_url}/api/tokens/analysis-progress/{attempt.job_id}"
    threading.Thread(target=read_events, args=(url, headers, out), daemon=True).start()
    return out


def publish(attempt, status, stage, progress, **scores):
    attempt.status, attempt.stage, attempt.progress = status, stage, progress
    for name, value in scores.items():
        setattr(attempt, name, value)
    publish_attempt(attempt)


def test_sse_streams_events_in_order_and_resumes_after_last_event_id(processes, learner, line):
    server = processes.server(child_env())
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.RUNNING,
        stage="decode",
        progress=5,
    )
    token = str(RefreshToken.for_user(learner).access_token)

    first = stream(server, attempt, token)
    head = first.get(timeout=20)
    assert first.get(timeout=20) == {"retry": "3000"}
    current = first.get(timeout=20)  # the state at subscription time comes first
    publish(attempt, AttemptStatus.RUNNING, "alignment", 30)
    publish(attempt, AttemptStatus.RUNNING, "timing", 75)
    publish(attempt, AttemptStatus.COMPLETED, "done", 100, overall=81.0)
    events = [current]
    while (event := first.get(timeout=30)) is not None:
        events.append(event)

    assert head == {"status": 200, "type": "text/event-stream"}
    assert [e["event"] for e in events] == ["progress", "progress", "progress", "completed"]
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert '"overall":81.0' in events[-1]["data"]

    # A client that saw the "alignment" event reconnects after the attempt has finished.
    Attempt.objects.filter(id=attempt.id).update(status=AttemptStatus.COMPLETED, progress=100)
    resumed = stream(server, attempt, token, last_event_id=ids[1])
    resumed.get(timeout=20)
    resumed.get(timeout=20)  # retry
    replay = []
    while (event := resumed.get(timeout=30)) is not None:
        replay.append(event)
    assert [e["event"] for e in replay] == ["completed"]


def test_sse_resume_skips_states_already_seen(processes, learner, line):
    server = processes.server(child_env())
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.RUNNING,
        stage="timing",
        progress=75,
    )
    token = str(RefreshToken.for_user(learner).access_token)
    seen_id = 75 * 100 + 8  # the "timing" event this client already has

    resumed = stream(server, attempt, token, last_event_id=seen_id)
    resumed.get(timeout=20)
    assert resumed.get(timeout=20) == {"retry": "3000"}
    publish(attempt, AttemptStatus.RUNNING, "emotion", 85)
    publish(attempt, AttemptStatus.COMPLETED, "done", 100, overall=70.0)
    events = []
    while (event := resumed.get(timeout=30)) is not None:
        events.append(event)

    # Not the "timing" state again: only what came after it.
    assert [e["event"] for e in events] == ["progress", "completed"]
    assert '"stage":"emotion"' in events[0]["data"]


def test_open_streams_hold_no_database_connection(processes, learner, line):
    # A pool of 2 connections and 6 waiting streams: each stream reads the database and
    # gives the connection back, so all 6 start and a plain request still gets one.
    env = child_env(
        DB_POOL_MAX_SIZE="2",
        DB_POOL_MIN_SIZE="1",
        DB_POOL_TIMEOUT="3",
        SSE_MAX_STREAMS_PER_LEARNER="10",
    )
    server = processes.server(env)
    attempt = saved_attempt(learner, line, status=AttemptStatus.RUNNING, stage="decode", progress=5)
    token = str(RefreshToken.for_user(learner).access_token)

    streams = [stream(server, attempt, token) for _ in range(6)]
    heads = [s.get(timeout=20) for s in streams]
    firsts = [(s.get(timeout=20), s.get(timeout=20)) for s in streams]  # retry, state
    me = requests.get(
        f"{server.base_url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    publish(attempt, AttemptStatus.COMPLETED, "done", 100, overall=70.0)
    finals = []
    for s in streams:
        while (event := s.get(timeout=30)) is not None:
            finals.append(event["event"])

    assert all(head["status"] == 200 for head in heads)
    assert all(state["event"] == "progress" for _, state in firsts)
    assert me.status_code == 200
    assert finals == ["completed"] * 6


def test_a_learner_beyond_the_stream_limit_gets_429(processes, learner, line):
    server = processes.server(child_env(SSE_MAX_STREAMS_PER_LEARNER="2"))
    attempt = saved_attempt(learner, line, status=AttemptStatus.RUNNING, stage="decode", progress=5)
    token = str(RefreshToken.for_user(learner).access_token)

    open_streams = [stream(server, attempt, token) for _ in range(2)]
    [s.get(timeout=20) for s in open_streams]
    third = requests.get(
        f"{server.base_url}/api/tokens/analysis-progress/{attempt.job_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    publish(attempt, AttemptStatus.COMPLETED, "done", 100, overall=70.0)

    assert third.status_code == 429
    assert third.json()["code"] == "too_many_streams"
