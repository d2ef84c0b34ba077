"""The production HTTP stack with the real parts: gunicorn (2 processes, threads) in front
of PostgreSQL and Redis. Every request goes through Django; what the removed replay layer
promised must still hold here (bounded connections, limits shared by every process,
deactivation at once, isolation between learners, revalidation by ETag)."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from practice.models import AttemptStatus
from practice.tests.conftest import saved_attempt
from scripts.tests.factories import LineFactory, ScriptFactory
from yousync.testing import child_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

POOL_SIZE = 4
PROCESSES = 2


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


APPLICATION_NAME = "yousync-http-stack-test"


def server_env(**extra: str) -> dict:
    env = child_env(
        WEB_CONCURRENCY=str(PROCESSES),
        GUNICORN_THREADS="8",
        DB_POOL_MAX_SIZE=str(POOL_SIZE),
        DB_POOL_MIN_SIZE="1",
        # Rate-limit counters of this server only (ids repeat across runs).
        CACHE_PREFIX=f"http-stack-{uuid.uuid4().hex}",
        **extra,
    )
    # Named, so that only the server's own connections are counted.
    env["DATABASE_URL"] += f"?application_name={APPLICATION_NAME}"
    return env


def server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def learner_with_history(db):
    learner = UserFactory()
    line = LineFactory(script=ScriptFactory(title="Night Bus"))
    saved_attempt(learner, line, status=AttemptStatus.COMPLETED, overall=77.0)
    return learner


def test_64_concurrent_clients_share_a_bounded_pool_and_all_get_answers(
    processes, learner_with_history
):
    server = processes.server(server_env(), command="gunicorn")
    headers = bearer(learner_with_history)
    peak = 0
    loading = threading.Event()

    def watch():
        nonlocal peak
        try:
            while not loading.is_set():
                peak = max(peak, server_connections())
                time.sleep(0.05)
        finally:
            connection.close()  # this thread's own connection

    def client(_):
        with requests.Session() as session:
            return [
                session.get(f"{server.base_url}{path}", headers=headers, timeout=30).status_code
                for path in ("/api/mypage/overview", "/api/scripts/", "/api/mypage/attempts") * 3
            ]

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = [status for batch in pool.map(client, range(64)) for status in batch]
    finally:
        loading.set()
        watcher.join()

    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    # Each process borrows from its own pool: never more than POOL_SIZE connections each.
    assert 0 < peak <= PROCESSES * POOL_SIZE, peak


def test_rate_limits_are_shared_by_every_server_process(processes, learner_with_history):
    server = processes.server(server_env(API_THROTTLE_USER="6/min"), command="gunicorn")
    headers = bearer(learner_with_history)

    # New connections each time, so both processes answer some of them.
    statuses = [
        requests.get(f"{server.base_url}/api/me", headers=headers, timeout=10).status_code
        for _ in range(8)
    ]

    assert statuses[:6] == [200] * 6
    assert statuses[6:] == [429, 429]


def test_deactivation_and_isolation_hold_on_every_request(processes, learner_with_history):
    server = processes.server(server_env(), command="gunicorn")
    other = UserFactory()
    url = f"{server.base_url}/api/mypage/my-dubbed-tokens"

    mine = requests.get(url, headers=bearer(learner_with_history), timeout=10)
    theirs = requests.get(
        url, headers={**bearer(other), "If-None-Match": mine.headers["ETag"]}, timeout=10
    )
    learner_with_history.is_active = False
    learner_with_history.save(update_fields=["is_active"])
    after = requests.get(url, headers=bearer(learner_with_history), timeout=10)

    assert mine.status_code == 200 and len(mine.json()["results"]) == 1
    assert "private" in mine.headers["Cache-Control"]
    assert theirs.status_code == 200 and theirs.json()["results"] == []
    assert after.status_code == 401


def test_catalogue_revalidates_with_304_and_shows_an_edit_at_once(processes, learner_with_history):
    server = processes.server(server_env(), command="gunicorn")
    url = f"{server.base_url}/api/scripts/"

    first = requests.get(url, timeout=10)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    ScriptFactory(title="Morning Ferry")
    after = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)

    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    assert again.status_code == 304
    assert after.status_code == 200
    assert "Morning Ferry" in [script["title"] for script in after.json()["results"]]
