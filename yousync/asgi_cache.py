"""Kept API responses answered before Django: an ASGI layer in front of the HTTP handler.

The mobile app reads the same few answers over and over (the catalogue, a script, its
overview, its dubbed lines). Django builds each once; this layer stores the bytes it
sent — status, headers, body — in Redis and answers the next identical request itself,
on the event loop, with one Redis round trip and no thread, middleware or view. What
may be kept, and under which versions, is decided by the views (yousync/response_cache.py);
this layer only checks, stores and replays.

A request is looked at only when it is a GET under /api/ with no cookie and no Origin
(browsers, with their sessions and CORS, always go through Django), and with either no
Authorization or a bearer token that verifies (signature, expiry and type, as DRF's
JWTAuthentication checks them). In the one round trip it also counts the request
against the general rate limits (anon, or user and user_ip) exactly as the DRF
throttles would, and fetches the catalogue version and the learner's version. It
answers from a stored entry when:

- every limit allows the request (else Django answers, and its 429);
- the entry's catalogue version is current, and its time (CATALOGUE_CACHE_SECONDS, or
  the view's own `until`, e.g. the next local midnight) has not passed;
- a learner's own entry (keyed by the account in the token) was stored under the
  learner's current version;
- for a signed-in request, the account was found active within the last minute (the
  account key); when that has lapsed, this layer looks at the account's row itself, on
  a thread (one query, as DRF's JWT authentication does), instead of rebuilding the
  answer.

Otherwise the request goes on to Django, marked as counted (the throttles there skip the
general limits) and with this layer's plan in the scope; when the view marks its 200 as
cacheable (an internal header, removed here), the response is stored as it was sent,
without its X-Request-ID. Each answer from here is logged like any request and gets
its own X-Request-ID.
"""

import asyncio
import hashlib
import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor

import redis.asyncio as redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from rest_framework.settings import api_settings as drf_settings
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from yousync import response_cache
from yousync.api_throttles import COUNTED_SCOPE_KEY, window_allows
from yousync.logging import request_id_var
from yousync.middleware import log_request, request_id_for

logger = logging.getLogger(__name__)

ENTRY_HEADER = response_cache.ENTRY_HEADER.lower().encode()
_HEADERS_READ = {
    b"authorization",
    b"cookie",
    b"origin",
    b"host",
    b"accept",
    b"accept-language",
    b"x-forwarded-for",
    b"x-request-id",
}
_NOT_STORED = {b"x-request-id", b"date", b"server"}


class ApiResponseCache:
    def __init__(self, app, *, redis_url: str | None = None):
        self.app = app
        self.redis_url = redis_url or settings.REDIS_URL
        self.cache = caches["default"]  # its key format: the versions are Django's keys
        self.jwt = JWTAuthentication()
        # Account checks, one at a time on one thread (and its one database connection).
        self.account_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="account")
        self._client: redis.Redis | None = None
        self._client_loop = None

    def _redis(self) -> redis.Redis:
        loop = asyncio.get_running_loop()
        if self._client_loop is not loop:  # one client per event loop (tests make several)
            self._client = redis.Redis.from_url(self.redis_url)
            self._client_loop = loop
        return self._client

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/api/")
        ):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        headers = {}
        for name, value in scope["headers"]:
            if name in _HEADERS_READ:
                if name in headers:  # Django would join repeated headers: let it
                    return await self.app(scope, receive, send)
                headers[name] = value.decode("latin-1")
        if b"cookie" in headers or b"origin" in headers:
            return await self.app(scope, receive, send)
        uid = self._learner(headers.get(b"authorization"))
        if uid is False:
            return await self.app(scope, receive, send)  # Django answers for the token
        request = _Lookup(self, scope, headers, uid)
        try:
            found = await request.fetch(self._redis())
        except (redis.RedisError, OSError) as exc:
            logger.warning("API response cache unavailable: %s", exc)
            return await self.app(scope, receive, send)
        if not found.allowed:
            return await self.app(scope, receive, send)  # Django counts it and answers 429
        entry = found.usable_entry()
        if entry is not None and uid and not found.account_checked:
            entry = entry if await self._check_account(uid) else None
        if entry is not None:
            return await self._answer(scope, headers, entry, send, started)
        scope = {
            **scope,
            COUNTED_SCOPE_KEY: True,
            response_cache.PLAN_SCOPE_KEY: {"uid": uid},
        }
        await self.app(scope, receive, _Keeper(self, request, send).send)

    async def _check_account(self, uid: str) -> bool:
        """The account's row, looked at on a thread (one query): still there and active?"""
        loop = asyncio.get_running_loop()
        try:
            active = await loop.run_in_executor(
                self.account_thread, response_cache.account_is_active, uid
            )
        except DatabaseError as exc:
            logger.warning("Account check failed, Django answers: %s", exc)
            return False
        if active:
            await self._redis().set(
                self.cache.make_key(response_cache.account_key(uid)),
                1,
                ex=response_cache.ACCOUNT_CHECK_SECONDS,
            )
        return active

    def _learner(self, authorization: str | None) -> str | bool | None:
        """The token's account id; None without a token; False when Django must decide."""
        if authorization is None:
            return None
        kind, _, raw = authorization.partition(" ")
        if kind not in jwt_settings.AUTH_HEADER_TYPES or not raw or " " in raw:
            return False
        try:
            token = self.jwt.get_validated_token(raw.encode())
        except (InvalidToken, TokenError):
            return False
        uid = token.get(jwt_settings.USER_ID_CLAIM)
        return str(uid) if uid is not None else False

    async def _answer(self, scope, headers, entry, send, started) -> None:
        meta, body = entry
        request_id = request_id_for(headers.get(b"x-request-id", ""))
        sent_headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in meta["headers"]
        ]
        sent_headers.append((b"x-request-id", request_id.encode()))
        await send(
            {"type": "http.response.start", "status": meta["status"], "headers": sent_headers}
        )
        await send({"type": "http.response.body", "body": body})
        token = request_id_var.set(request_id)
        try:
            log_request("GET", scope["path"], meta["status"], started, cache="hit")
        finally:
            request_id_var.reset(token)


class _Lookup:
    """One request's keys, and the one pipeline that counts it and fetches what decides."""

    def __init__(self, layer: ApiResponseCache, scope, headers: dict, uid: str | None):
        self.layer, self.uid = layer, uid
        make_key = layer.cache.make_key
        digest = hashlib.sha256(
            "\n".join(
                (
                    scope.get("scheme", "http"),
                    headers.get(b"host", ""),
                    scope["path"],
                    scope.get("query_string", b"").decode("latin-1"),
                    headers.get(b"accept", ""),
                    headers.get(b"accept-language", ""),
                )
            ).encode()
        ).hexdigest()[:40]
        self.shared_key = make_key(f"api:response:shared:{digest}")
        self.learner_entry_key = make_key(f"api:response:learner:{uid}:{digest}") if uid else None
        self.catalogue_key = make_key(response_cache.CATALOGUE_VERSION_KEY)
        self.learner_key = make_key(response_cache.learner_key(uid)) if uid else None
        self.account_key = make_key(response_cache.account_key(uid)) if uid else None
        self.limits = self._limits(scope, headers)

    def _limits(self, scope, headers) -> list[tuple]:
        ident = _client_ident(scope, headers.get(b"x-forwarded-for"))
        who = (
            [("user", f"user:{self.uid}"), ("user_ip", f"ip:{ident}")]
            if self.uid
            else [("anon", f"ip:{ident}")]
        )
        now = time.time()
        make_key = self.layer.cache.make_key
        limits = []
        for name, client in who:
            rate = settings.API_THROTTLE_RATES.get(name)
            if rate is None:
                continue
            limit, duration = rate
            window, elapsed = divmod(now, duration)
            base = f"throttle:{name}:{client}"
            limits.append(
                (
                    limit,
                    duration,
                    elapsed,
                    make_key(f"{base}:{int(window)}"),
                    make_key(f"{base}:{int(window) - 1}"),
                )
            )
        return limits

    async def fetch(self, client: redis.Redis) -> "_Found":
        pipe = client.pipeline(transaction=False)
        for _limit, duration, _elapsed, current, previous in self.limits:
            pipe.set(current, 0, ex=2 * duration, nx=True)
            pipe.incr(current)
            pipe.get(previous)
        keys = [self.shared_key, self.catalogue_key]
        if self.uid:
            keys += [self.learner_entry_key, self.learner_key, self.account_key]
        pipe.mget(keys)
        replies = await pipe.execute()
        allowed = all(
            window_allows(
                limit=limit,
                duration=duration,
                elapsed=elapsed,
                current=int(replies[3 * i + 1]),
                previous=int(replies[3 * i + 2] or 0),
            )
            for i, (limit, duration, elapsed, _c, _p) in enumerate(self.limits)
        )
        return _Found(self, allowed, replies[-1])


class _Found:
    def __init__(self, lookup: _Lookup, allowed: bool, values: list):
        self.lookup, self.allowed = lookup, allowed
        self.shared, catalogue = values[0], values[1]
        self.catalogue = catalogue.decode() if catalogue is not None else None
        self.learner_entry = values[2] if lookup.uid else None
        learner = values[3] if lookup.uid else None
        self.learner = learner.decode() if learner is not None else None
        self.account_checked = bool(lookup.uid) and values[4] is not None

    def usable_entry(self) -> tuple[dict, bytes] | None:
        if self.catalogue is None:
            return None
        if self.lookup.uid and self.learner is not None:
            own = _parse(self.learner_entry)
            if own and own[0]["learner_version"] == self.learner and self._current(own[0]):
                return own
        shared = _parse(self.shared)
        if shared and shared[0]["learner_version"] is None and self._current(shared[0]):
            return shared
        return None

    def _current(self, meta: dict) -> bool:
        return meta["catalogue"] == self.catalogue and meta["until"] > time.time()


def _parse(raw: bytes | None) -> tuple[dict, bytes] | None:
    if raw is None:
        return None
    meta, _, body = raw.partition(b"\n")
    try:
        return json.loads(meta), body
    except ValueError:
        return None


class _Keeper:
    """Passes Django's response on, without the entry header, and stores it when the
    view marked it."""

    def __init__(self, layer: ApiResponseCache, lookup: _Lookup, send):
        self.layer, self.lookup, self._send = layer, lookup, send
        self.meta: dict | None = None
        self.chunks: list[bytes] = []

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            message = self._start(message)
        elif message["type"] == "http.response.body" and self.meta is not None:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send(message)
                await self._store()
                return
        await self._send(message)

    def _start(self, message):
        headers = message.get("headers", [])
        marks = [value for name, value in headers if name.lower() == ENTRY_HEADER]
        if not marks:
            return message
        kept = [(name, value) for name, value in headers if name.lower() != ENTRY_HEADER]
        mark = json.loads(marks[0])
        uid = str(mark["uid"]) if mark["uid"] is not None else None
        content_type = next((v for name, v in kept if name.lower() == b"content-type"), b"")
        if (
            message["status"] == 200
            # JSON only: the browsable API's HTML names the signed-in user.
            and content_type.startswith(b"application/json")
            and not any(name.lower() == b"set-cookie" for name, _v in kept)
            and uid == self.lookup.uid
            and (uid is not None or not mark["learner"])
        ):
            self.meta = {
                "status": 200,
                "catalogue": mark["catalogue"],
                "learner_version": mark["learner_version"] if mark["learner"] else None,
                "until": mark["until"],
                "headers": [
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in kept
                    if name.lower() not in _NOT_STORED
                ],
            }
        return {**message, "headers": kept}

    async def _store(self) -> None:
        meta = self.meta
        ttl = math.ceil(meta["until"] - time.time())
        if ttl <= 0:
            return
        key = self.lookup.learner_entry_key if meta["learner_version"] else self.lookup.shared_key
        value = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + b"".join(self.chunks)
        try:
            await self.layer._redis().set(key, value, ex=ttl)
        except (redis.RedisError, OSError) as exc:
            logger.warning("API response not kept: %s", exc)


def _client_ident(scope, forwarded_for: str | None) -> str:
    """The client address as DRF's throttles name it (BaseThrottle.get_ident)."""
    remote_addr = (scope.get("client") or ("",))[0]
    proxies = drf_settings.NUM_PROXIES
    if proxies is not None:
        if proxies == 0 or forwarded_for is None:
            return remote_addr
        addrs = forwarded_for.split(",")
        return addrs[-min(proxies, len(addrs))].strip()
    return "".join(forwarded_for.split()) if forwarded_for else remote_addr
