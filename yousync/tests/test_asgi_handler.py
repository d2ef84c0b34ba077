"""The HTTP handler (yousync/asgi_handler.py): one long-lived thread per request slot,
the whole sync part of a request on it, persistent database connections; streaming
responses and async views as with Django's own handler."""

import asyncio
import json
import threading
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.db import connections
from django.db.backends.signals import connection_created

from scripts.tests.factories import LineFactory
from yousync.asgi_handler import PooledThreadASGIHandler
from yousync.testing import asgi_get

pytestmark = pytest.mark.django_db(transaction=True)


async def call(app, path: str, headers=()) -> tuple[int, dict, bytes]:
    return await asgi_get(app, path, headers=headers)


@pytest.fixture
def persistent_connections():
    """Production keeps connections (CONN_MAX_AGE); the test settings do not."""
    settings_dict = connections.settings["default"]
    before = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 60
    yield
    settings_dict["CONN_MAX_AGE"] = before


def test_asgi_handler_runs_each_request_on_one_reused_thread_with_one_connection(
    persistent_connections,
):
    line = LineFactory(reference_audio="lines/test/clip.flac")
    app = PooledThreadASGIHandler(threads=1)
    threads, opened = [], []

    def started(**kwargs):
        threads.append(("started", threading.get_ident()))

    def finished(**kwargs):
        threads.append(("finished", threading.get_ident()))

    def created(**kwargs):
        opened.append(threading.get_ident())

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    connection_created.connect(created)
    try:
        statuses = [
            async_to_sync(call)(app, f"/api/scripts/{line.script_id}/")[0] for _ in range(4)
        ]
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
        connection_created.disconnect(created)

    assert statuses == [200] * 4
    assert len({ident for _, ident in threads}) == 1  # one thread for every step
    assert threads[0][1] != threading.get_ident()
    assert [name for name, _ in threads] == ["started", "finished"] * 4
    assert len(opened) == 1  # the connection outlived the first request


def test_asgi_handler_serves_api_json_like_django():
    line = LineFactory(text="Hold the door!", reference_audio="lines/test/clip.flac")
    app = PooledThreadASGIHandler(threads=2)

    status, headers, body = async_to_sync(call)(app, f"/api/tokens/{line.pk}/")
    missing, _, error = async_to_sync(call)(app, "/api/tokens/999999/")

    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["text"] == "Hold the door!"
    assert "x-request-id" in headers
    assert missing == 404
    assert json.loads(error)["detail"]


def test_asgi_handler_streams_file_responses():
    app = PooledThreadASGIHandler(threads=1)

    status, headers, body = async_to_sync(call)(app, "/static/css/site.css")

    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert body and len(body) == int(headers["content-length"])


def test_asgi_handler_runs_async_views():
    app = PooledThreadASGIHandler(threads=1)

    status, _, body = async_to_sync(call)(app, f"/api/tokens/analysis-progress/{uuid.uuid4()}")

    assert status == 401  # the SSE view is async; it refuses a request without a token
    assert json.loads(body)["code"]


def test_asgi_handler_gives_a_request_its_own_thread_when_all_are_busy():
    line = LineFactory(reference_audio="lines/test/clip.flac")
    app = PooledThreadASGIHandler(threads=1)
    app.borrow_timeout = 0.01
    seen = []

    def started(**kwargs):
        seen.append(threading.current_thread().name)

    async def with_the_only_thread_taken():
        busy = await app._borrow()  # e.g. a long SSE stream holds it
        try:
            return await call(app, f"/api/scripts/{line.script_id}/")
        finally:
            app._give_back(busy)

    signals.request_started.connect(started)
    try:
        status, _, body = async_to_sync(with_the_only_thread_taken)()
        again, _, _ = async_to_sync(call)(app, f"/api/scripts/{line.script_id}/")
    finally:
        signals.request_started.disconnect(started)

    assert status == again == 200
    assert json.loads(body)["id"] == line.script_id
    assert not seen[0].startswith("request")  # a fresh thread, not the borrowed one
    assert seen[1].startswith("request")


def test_asgi_handler_hands_a_freed_thread_to_a_waiting_request():
    line = LineFactory(reference_audio="lines/test/clip.flac")
    app = PooledThreadASGIHandler(threads=1)
    app.borrow_timeout = 5
    seen = []

    def started(**kwargs):
        seen.append(threading.current_thread().name)

    async def two_at_once():
        return await asyncio.gather(
            call(app, f"/api/scripts/{line.script_id}/"),
            call(app, f"/api/scripts/{line.script_id}/"),
        )

    signals.request_started.connect(started)
    try:
        results = async_to_sync(two_at_once)()
    finally:
        signals.request_started.disconnect(started)

    assert [status for status, _, _ in results] == [200, 200]
    assert len(seen) == 2 and all(name.startswith("request") for name in seen)
    assert len(set(seen)) == 1  # the second waited for the first's thread
    assert app._idle and not app._waiters
