import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.utils import translation

WEB_CLIENT_ID = "web-client.apps.googleusercontent.com"
IOS_CLIENT_ID = "ios-client.apps.googleusercontent.com"


_RSA_KEYS: list = []


def rsa_key(index: int = 0):
    """RSA keys are slow to make: a few per test run, shared."""
    while len(_RSA_KEYS) <= index:
        _RSA_KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _RSA_KEYS[index]


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # A Korean request leaves Korean active in the thread; don't let it reach other tests.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and Google's key set live in the cache; no test sees another's.
    cache.clear()
    yield
    cache.clear()


class KeySetServer:
    """Serves a JWK set on 127.0.0.1 in place of Google's, and counts the fetches."""

    def __init__(self):
        self.key = rsa_key(0)
        self.kid = uuid.uuid4().hex
        self.fetches = 0
        self.status = 200
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.fetches += 1
                time.sleep(server.delay)
                body = json.dumps(server.key_set()).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=19000, must-revalidate")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oauth2/v3/certs"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def key_set(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def rotate(self):
        self.key = rsa_key(1)
        self.kid = uuid.uuid4().hex

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def google(settings):
    """Google's key set served locally; `google.id_token(...)` signs tokens with its key."""
    server = KeySetServer()
    settings.GOOGLE_JWKS_URL = server.url
    settings.GOOGLE_JWKS_TIMEOUT_SECONDS = 0.5
    settings.GOOGLE_CLIENT_IDS = [WEB_CLIENT_ID, IOS_CLIENT_ID]

    def id_token(*, key=None, kid=None, headers=None, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": "https://accounts.google.com",
            "aud": IOS_CLIENT_ID,
            "azp": IOS_CLIENT_ID,
            "sub": "108123456789012345678",
            "email": "minji@example.com",
            "email_verified": True,
            "name": "Minji Kim",
            "iat": now,
            "exp": now + 3600,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload,
            key or server.key,
            algorithm="RS256",
            headers={"kid": kid or server.kid, **(headers or {})},
        )

    server.id_token = id_token
    yield server
    server.close()
