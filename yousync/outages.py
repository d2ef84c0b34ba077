"""A backing service that is down: Redis (cache, rate limits, broker, channel layer) or the
S3 storage. Requests that need it answer 503 with `Retry-After` instead of crashing with
a 500: the API in its error shape (yousync/api/errors.py), the pages with templates/503.html
(yousync.middleware.ServiceUnavailableMiddleware, and handler500 for what a middleware
raised). Nothing is half-written: see practice.services.attempt_create."""

import logging

import botocore.exceptions
import redis.exceptions
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger("yousync.outages")

# What a client of Redis or S3 raises when the server cannot be reached or stops answering
# mid-request. Not ResponseError or ClientError: those are answers, i.e. bugs or refusals.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # also BusyLoadingError: replaying its append-only file
    redis.exceptions.TimeoutError,
    ConnectionInterrupted,  # django-redis's wrapper of the two above
)
STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    botocore.exceptions.ConnectionError,  # EndpointConnectionError, ConnectTimeoutError, …
    botocore.exceptions.HTTPClientError,  # ConnectionClosedError, ReadTimeoutError
)
OUTAGE_ERRORS = REDIS_ERRORS + STORAGE_ERRORS

# Redis restarts and reloads its file in seconds; a client that waits this long before
# retrying does not pile onto a service that is coming back.
RETRY_AFTER_SECONDS = 10


def outage_of(exc: BaseException | None) -> str | None:
    """ "redis" or "storage" when `exc`, or an exception it was raised from, says that
    service is unreachable; None otherwise."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, REDIS_ERRORS):
            return "redis"
        if isinstance(exc, STORAGE_ERRORS):
            return "storage"
        exc = exc.__cause__ or exc.__context__
    return None


def log_outage(service: str, exc: BaseException, **extra: object) -> None:
    """One warning line, no traceback: the outage is the news, not the stack."""
    logger.warning(
        "%s unavailable: %s",
        service,
        type(exc).__name__,
        extra={"service": service, "error": f"{type(exc).__module__}.{type(exc).__name__}"} | extra,
    )


UNAVAILABLE_DETAIL = _("The service is unavailable for a moment. Please try again shortly.")
UNAVAILABLE_CODE = "service_unavailable"


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error shape under /api/, the site's page
    (templates/503.html, static: it must not need what is down) elsewhere."""
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": str(UNAVAILABLE_DETAIL), "code": UNAVAILABLE_CODE}, status=503
        )
    else:
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
