import http.server
import threading
from dataclasses import dataclass, field

import dramatiq
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from partners.tests.factories import make_key, make_partner
from practice.tests.conftest import LINE_TEXT, espeak_wav, learner, line

__all__ = ["LINE_TEXT", "espeak_wav", "learner", "line"]


@pytest.fixture
def empty_cache():
    """Rate counters and last-used marks are keyed by key ids, which tests reuse. (The
    scoring tests keep the cache: it holds the synthetic references, made once.)"""
    cache.clear()
    yield
    cache.clear()


def key_client(secret: str | None = None, *, header: str = "bearer") -> APIClient:
    client = APIClient()
    if secret is not None and header == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    elif secret is not None:
        client.credentials(HTTP_X_API_KEY=secret)
    return client


@pytest.fixture
def partner(db):
    return make_partner()


@pytest.fixture
def api_key(partner):
    """(key row, secret)."""
    return make_key(partner)


@pytest.fixture
def client_for(api_key):
    return key_client(api_key[1])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def warm_engine():
    from analysis import engine

    engine.warm_up()
    return engine


@pytest.fixture
def stub_worker(warm_engine):
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker, worker
    worker.stop()
    broker.flush_all()


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class CallbackServer:
    """A local HTTP server that answers each POST with the next status in `statuses`
    (then 200) and keeps what it received."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def callback_server():
    state = CallbackServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(body, dict(self.headers.items())))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
