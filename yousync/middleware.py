"""Request logging (one line per request with method, path, status, duration and id), the
API's default caching rule, and 503 for a request that met a Redis or S3 outage."""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.cache import patch_cache_control
from django.utils.deprecation import MiddlewareMixin

from yousync.logging import request_id_var
from yousync.outages import log_outage, outage_of, unavailable_response

logger = logging.getLogger("yousync.request")

# Accept an upstream proxy's id only when it looks like one (no log injection).
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_for(incoming: str) -> str:
    """The upstream proxy's id when it looks like one, else a new one."""
    return incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex


def log_request(method: str, path: str, status: int, started: float, **extra) -> None:
    level = logging.ERROR if status >= 500 else logging.INFO
    logger.log(
        level,
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            **extra,
        },
    )


class RequestLogMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def _begin(self, request):
        request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id
        return request_id, request_id_var.set(request_id), time.perf_counter()

    def _end(self, request, response, request_id, token, started) -> None:
        response["X-Request-ID"] = request_id
        log_request(request.method, request.path, response.status_code, started)
        request_id_var.reset(token)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        request_id, token, started = self._begin(request)
        response = self.get_response(request)
        self._end(request, response, request_id, token, started)
        return response

    async def __acall__(self, request):
        request_id, token, started = self._begin(request)
        response = await self.get_response(request)
        self._end(request, response, request_id, token, started)
        return response


class ApiCacheControlMiddleware(MiddlewareMixin):
    """API answers are the caller's own unless a view says otherwise (the public catalogue
    says `public, max-age`): shared caches must not keep them, and the app revalidates
    what it keeps by ETag (ConditionalGetMiddleware answers 304)."""

    def process_response(self, request, response):
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


class ServiceUnavailableMiddleware(MiddlewareMixin):
    """A view that needed Redis or S3 while it was down answers 503 with Retry-After (the
    API's error shape under /api/, templates/503.html elsewhere) and a warning line,
    instead of a 500 with a traceback. DRF views answer it in their exception handler
    (yousync/api/errors.py); this catches the rest, sync and async."""

    def process_exception(self, request, exception):
        service = outage_of(exception)
        if service is None:
            return None
        log_outage(service, exception, path=request.path)
        return unavailable_response(request)
