"""Server-Sent Events: live progress of one attempt, for its owner (an async view).

Fed by the same channel-layer group as the WebSocket consumer: subscribe, send the
current state, relay each published state, end after the final one. Each event has an
`id:` that grows with the attempt's progress, so a client reconnecting with
`Last-Event-ID` only gets what it has not seen; a reconnect after the end gets the final
state once more. A `: ping` comment every SSE_HEARTBEAT_SECONDS keeps proxies from
closing an idle stream.

An open stream holds no database connection: each read gives its connection back at
once (to the pool in service mode), so waiting streams cost a coroutine and a channel
subscription, not a PostgreSQL connection. A learner may have SSE_MAX_STREAMS_PER_LEARNER
streams open at once (429 beyond); a stream ends after SSE_MAX_SECONDS and the client's
EventSource reconnects with Last-Event-ID, so nothing is missed.

When Redis goes away (the channel layer, the stream counter) an open stream ends cleanly
with an `unavailable` event and a longer `retry:`; a new one is refused with 503 and
Retry-After (yousync/outages.py). The client reconnects later or polls the result.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from functools import wraps
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from accounts.access import AuthenticatedHttpRequest, api_login_required
from accounts.models import User
from practice.progress import STAGES, attempt_group, attempt_state
from practice.selectors import attempt_for_owner
from yousync.outages import (
    OUTAGE_ERRORS,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_CODE,
    UNAVAILABLE_DETAIL,
    log_outage,
)

FINAL: dict[str | None, str] = {"completed": "completed", "failed": "failed"}
# Stages in the order an attempt runs them: the tie-break within one progress value.
STAGE_ORDER = ("", *STAGES)
FINAL_EVENT_ID = 101 * 100  # above any progress (0-100) * 100 + stage
RETRY_MS = 3000


def unavailable_event() -> str:
    """The last event when Redis goes away mid-stream: no `id:` (Last-Event-ID stays the
    last state seen), and a reconnect no sooner than the API's Retry-After."""
    data = json.dumps(
        {"detail": str(UNAVAILABLE_DETAIL), "code": UNAVAILABLE_CODE}, ensure_ascii=False
    )
    return f"retry: {RETRY_AFTER_SECONDS * 1000}\nevent: unavailable\ndata: {data}\n\n"


def _connection_released(read: Callable[..., Any]) -> Callable[..., Any]:
    """`read` in a thread, and that thread's database connection closed (given back to
    the pool) right after: a stream waits for minutes without holding one."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return read(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:  # a test's transaction stays open
                connection.close()

    return sync_to_async(run)


# The sync decorator's checks (session, or a Bearer access token; 401 JSON otherwise),
# run in a thread: they may read the database.
_refusal = _connection_released(api_login_required(lambda request: None))
_attempt_for_owner = _connection_released(attempt_for_owner)


def _streams_key(user_id: int) -> str:
    return f"sse-streams:{user_id}"


def _stream_open(user_id: int) -> bool:
    """Take one of the learner's stream slots (a counter in the cache, shared by every
    server process through Redis); False when all are taken. The counter expires a little
    after the longest a stream may last, so a killed server cannot leak slots for long."""
    key = _streams_key(user_id)
    cache.add(key, 0, timeout=settings.SSE_MAX_SECONDS + 60)
    if cache.incr(key) > settings.SSE_MAX_STREAMS_PER_LEARNER:
        cache.decr(key)
        return False
    cache.touch(key, timeout=settings.SSE_MAX_SECONDS + 60)
    return True


def _stream_closed(user_id: int) -> None:
    # Expired meanwhile, or Redis gone (the counter expires with it).
    with contextlib.suppress(ValueError, *OUTAGE_ERRORS):
        cache.decr(_streams_key(user_id))


def async_api_login_required(
    view: Callable[..., Coroutine[Any, Any, HttpResponseBase]],
) -> Callable[..., Coroutine[Any, Any, HttpResponseBase]]:
    @wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refused = await _refusal(request)
        if refused is not None:
            return refused
        return await view(request, *args, **kwargs)

    return wrapper


def event_id(state: dict[str, Any]) -> int:
    if state.get("status") in FINAL:
        return FINAL_EVENT_ID
    stage = state.get("stage") or ""
    rank = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 0
    return int(state.get("progress") or 0) * 100 + rank


def format_event(state: dict[str, Any]) -> str:
    kind = FINAL.get(state.get("status"), "progress")
    data = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event_id(state)}\nevent: {kind}\ndata: {data}\n\n"


def parse_last_event_id(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return -1


async def progress_events(
    *, user: User, job_id: UUID, last_event_id: int = -1, heartbeat: float | None = None
) -> AsyncIterator[str]:
    """The stream's chunks: subscribe first, then the current state, then each change."""
    heartbeat = heartbeat if heartbeat is not None else settings.SSE_HEARTBEAT_SECONDS
    layer = get_channel_layer()
    if layer is None:  # settings always configure one (in memory or Redis)
        raise RuntimeError("No channel layer is configured.")
    group = attempt_group(job_id)
    channel = await layer.new_channel()
    receiving: asyncio.Future[dict[str, Any]] | None = None
    try:
        await layer.group_add(group, channel)
        yield f"retry: {RETRY_MS}\n\n"
        # Read after subscribing so no change falls between the read and the join.
        attempt = await _attempt_for_owner(user=user, job_id=job_id)
        if attempt is None:  # deleted since the check
            return
        state = attempt_state(attempt)
        if state["status"] in FINAL:
            yield format_event(state)
            return
        last = last_event_id
        if event_id(state) > last:
            yield format_event(state)
            last = event_id(state)
        ends_at = time.monotonic() + settings.SSE_MAX_SECONDS
        while time.monotonic() < ends_at:
            # One receive at a time, kept across heartbeats: cancelling a layer receive
            # every few seconds could drop a message it had already taken.
            if receiving is None:
                receiving = asyncio.ensure_future(layer.receive(channel))
            wait = min(heartbeat, max(0.0, ends_at - time.monotonic()))
            done, _pending = await asyncio.wait({receiving}, timeout=wait)
            if not done:
                if time.monotonic() < ends_at:
                    yield ": ping\n\n"
                continue
            message, receiving = receiving.result(), None
            if message.get("type") != "attempt.progress":
                continue
            state = message["state"]
            final = state.get("status") in FINAL
            if event_id(state) > last or final:
                yield format_event(state)
                last = event_id(state)
            if final:
                return
    except OUTAGE_ERRORS as exc:
        # Redis went away (the channel layer): end the stream cleanly, not with a broken
        # chunk. The client reconnects with Last-Event-ID after `retry`, or polls.
        log_outage("redis", exc, job_id=str(job_id), job="progress stream")
        yield unavailable_event()
    finally:
        if receiving is not None:
            receiving.cancel()
        # Redis gone: so is the membership (channels_redis lets it expire).
        with contextlib.suppress(*OUTAGE_ERRORS):
            await layer.group_discard(group, channel)


@async_api_login_required
async def analysis_progress(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(
            {"detail": _("Use GET for the progress stream."), "code": "method_not_allowed"},
            status=405,
        )
        response["Allow"] = "GET, HEAD"
        return response
    attempt = await _attempt_for_owner(user=request.user, job_id=job_id)
    if attempt is None:  # unknown and foreign ids look the same
        return JsonResponse(
            {"detail": _("No attempt with this id."), "code": "not_found"}, status=404
        )
    user_id = request.user.pk
    if not await sync_to_async(_stream_open)(user_id):
        response = JsonResponse(
            {
                "detail": _("Too many progress streams are open. Close one and try again."),
                "code": "too_many_streams",
            },
            status=429,
        )
        response["Retry-After"] = str(RETRY_MS // 1000)
        return response

    async def events() -> AsyncIterator[str]:
        try:
            async for chunk in progress_events(
                user=request.user,
                job_id=attempt.job_id,
                last_event_id=parse_last_event_id(request.headers.get("Last-Event-ID")),
            ):
                yield chunk
        finally:
            await sync_to_async(_stream_closed)(user_id)

    stream = StreamingHttpResponse(events(), content_type="text/event-stream")
    stream["Cache-Control"] = "no-cache"
    stream["X-Accel-Buffering"] = "no"
    return stream
