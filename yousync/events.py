"""Sending channel-layer messages from synchronous code (actors, services).

In service mode the worker is its own process and the Redis layer is reached with
`async_to_sync`. In embedded mode the in-memory layer's queues belong to the server's
event loop, so a worker thread must hand its message to that loop instead of running
`async_to_sync` on a loop of its own (the message would never be seen).

Progress messages are news, not the record: the state is in the database and every
subscriber is sent the current state when it (re)connects, and the pages poll when their
socket breaks. So a channel layer whose Redis is down costs the message, never the job
that sent it (a take scored while Redis restarted used to end as failed).
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from yousync.outages import REDIS_ERRORS, log_outage

_server_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by `manage.py serve` with the loop the ASGI server runs on."""
    global _server_loop
    with _lock:
        _server_loop = loop


def group_send(group: str, message: dict, *, timeout: float = 5.0) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if loop is not None and loop.is_running() and running is not loop:
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
            future.result(timeout)
        else:
            async_to_sync(layer.group_send)(group, message)
    except REDIS_ERRORS as exc:
        log_outage("redis", exc, group=group)
