"""Redis going away under a real uvicorn: an open progress stream ends with its
`unavailable` event, API requests answer 503 with Retry-After, and the server is itself
again once Redis is back. The Redis is a redis-server of the test's own, on a free port."""

import queue
import shutil
import signal
import threading
import time

import pytest
import redis as redis_client
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from practice.models import AttemptStatus
from practice.tests.conftest import saved_attempt
from yousync.outages import RETRY_AFTER_SECONDS
from yousync.testing import child_env, free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def start_redis(processes, port: int):
    args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    redis = processes.start("redis", [*args, "--appendonly", "no"], child_env())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis_client.Redis(port=port, socket_timeout=1).ping()
            return redis
        except redis_client.exceptions.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"redis-server did not start:\n{redis.log()}")


def read_lines(url: str, headers: dict, out: queue.Queue) -> None:
    with requests.get(url, headers=headers, stream=True, timeout=(5, 60)) as response:
        out.put(response.status_code)
        for raw in response.iter_lines(decode_unicode=True):
            out.put(raw)
    out.put(None)  # the server ended the stream


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_redis_going_away_ends_streams_cleanly_and_answers_503_until_it_is_back(
    processes, learner, line
):
    port = free_port()
    redis = start_redis(processes, port)
    server = processes.server(child_env(REDIS_URL=f"redis://127.0.0.1:{port}/0"))
    attempt = saved_attempt(learner, line, status=AttemptStatus.RUNNING, stage="decode")
    token = RefreshToken.for_user(learner).access_token
    headers = {"Authorization": f"Bearer {token}"}
    lines: queue.Queue = queue.Queue()
    url = f"{server.base_url}/api/tokens/analysis-progress/{attempt.job_id}"
    threading.Thread(target=read_lines, args=(url, headers, lines), daemon=True).start()
    assert lines.get(timeout=30) == 200
    while not (lines.get(timeout=30) or "").startswith("event: progress"):
        pass  # subscribed: the current state came

    redis.kill(signal.SIGTERM)
    rest = []
    while (row := lines.get(timeout=30)) is not None:
        rest.append(row)
    down = requests.get(f"{server.base_url}/api/scripts/", headers=headers, timeout=30)

    assert f"retry: {RETRY_AFTER_SECONDS * 1000}" in rest
    assert "event: unavailable" in rest
    assert down.status_code == 503
    assert down.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert down.json()["code"] == "service_unavailable"
    # Redis back on its port: the same server answers again, without a restart.
    start_redis(processes, port)
    deadline = time.monotonic() + 20
    while (
        back := requests.get(f"{server.base_url}/api/scripts/", headers=headers, timeout=30)
    ).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert back.status_code == 200
    assert "Traceback" not in server.log()
