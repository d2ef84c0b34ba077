"""The reel-building actor, on the `media` queue so a reel never delays scoring. Thin:
an id in, dubbing.building does the work."""

import logging

import dramatiq
from botocore.exceptions import BotoCoreError, ClientError
from django.db import OperationalError
from dramatiq.middleware import CurrentMessage, TimeLimitExceeded

from dubbing import building, services
from dubbing.reel import ReelError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
GENERIC_FAILURE = "Something went wrong while building the reel. Please try again."


def is_transient(exc: BaseException) -> bool:
    """Storage, network and database hiccups are worth a retry; bad audio is not."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return bool(status >= 500 or status == 429)
    return isinstance(exc, BotoCoreError | OperationalError | ConnectionError | TimeoutError)


def _retries_left() -> bool:
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message else 0
    return bool(retries < MAX_RETRIES)


@dramatiq.actor(
    queue_name="media",
    # Ahead of guide voices (priority 100) on the media queue: a learner is waiting.
    priority=10,
    max_retries=MAX_RETRIES,
    min_backoff=1_000,
    max_backoff=10_000,
    time_limit=5 * 60 * 1000,
    retry_when=lambda retries, exc: retries < MAX_RETRIES and is_transient(exc),
)
def build_reel(reel_id: int) -> None:
    reel = services.reel_start(reel_id=reel_id)
    if reel is None:  # gone, or a redelivered message for a finished reel
        return
    try:
        building.reel_build(reel=reel)
    except ReelError as exc:
        services.reel_fail(reel=reel, message=str(exc))
    except TimeLimitExceeded:
        services.reel_fail(reel=reel, message=GENERIC_FAILURE)
    except Exception as exc:
        if is_transient(exc) and _retries_left():
            logger.warning("transient failure, will retry", extra={"reel_id": reel_id})
            raise
        logger.exception("reel build failed", extra={"reel_id": reel_id})
        services.reel_fail(reel=reel, message=GENERIC_FAILURE)
