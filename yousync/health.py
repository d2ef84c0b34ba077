"""Liveness and readiness checks for operators and load balancers."""

import asyncio
import inspect
import logging
import uuid
from collections.abc import Callable

import dramatiq
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # The base class takes no prefix; the layers we configure (in memory, Redis) do.
    channel = await layer.new_channel("readyz.")  # type: ignore[call-arg]
    await layer.send(channel, {"type": "readyz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "readyz.ping":
        raise RuntimeError("channel layer returned a different message")


def check_broker() -> None:
    broker = dramatiq.get_broker()
    client = getattr(broker, "client", None)
    if client is not None:  # Redis broker
        client.ping()


def check_storage() -> None:
    # exists() on a key that is never written: a HEAD request on S3, stat() on disk.
    default_storage.exists(f"readyz/{uuid.uuid4().hex}")


CHECKS: dict[str, Callable] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
    "storage": check_storage,
}


async def _run_one(check: Callable) -> None:
    if inspect.iscoroutinefunction(check):
        await check()
        return

    def in_thread():
        try:
            check()
        finally:
            connections.close_all()

    await sync_to_async(in_thread, thread_sensitive=False)()


async def run_checks(checks: dict[str, Callable] | None = None) -> dict[str, dict]:
    """Run every check concurrently, each bounded by READYZ_TIMEOUT_SECONDS.

    The answer names each check and whether it passed, nothing more: what went wrong
    (exception text, endpoints, the bucket's name) goes to the log only."""
    checks = CHECKS if checks is None else checks
    timeout = settings.READYZ_TIMEOUT_SECONDS

    async def guarded(check: Callable) -> dict:
        try:
            await asyncio.wait_for(_run_one(check), timeout)
        except TimeoutError:
            return {"ok": False, "error": f"no answer within {timeout:g} s"}
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"ok": True}

    outcomes = await asyncio.gather(*(guarded(check) for check in checks.values()))
    results = dict(zip(checks, outcomes, strict=True))
    failed = {name: result["error"] for name, result in results.items() if not result["ok"]}
    if failed:
        logger.warning("readiness check failed", extra={"failed": failed})
    return {name: {"ok": result["ok"]} for name, result in results.items()}
