"""One error shape for the whole API: {"detail": str, "code": str} (+ "errors" per field)."""

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from yousync.outages import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_CODE,
    UNAVAILABLE_DETAIL,
    log_outage,
    outage_of,
)


def _first_message(errors: Any) -> tuple[str, str]:
    """The first (message, code) in DRF's nested error structure."""
    if isinstance(errors, dict):
        for value in errors.values():
            return _first_message(value)
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    if isinstance(errors, exceptions.ErrorDetail):
        return str(errors), errors.code or "invalid"
    return str(errors), "invalid"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return _service_unavailable(exc, context)
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        detail, code = _first_message(data)
        body: dict[str, Any] = {"detail": detail, "code": code}
        if isinstance(data, dict):
            body["errors"] = data
        response.data = body
        return response
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        error_code = data.get("code") or getattr(detail, "code", None)
        if not error_code and isinstance(exc, exceptions.APIException):
            error_code = exc.default_code
        response.data = {"detail": str(detail), "code": str(error_code or "error")}
        if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
            response.data["retry_after"] = getattr(exc, "wait", None)
    return response


def _service_unavailable(exc: Exception, context: dict) -> Response | None:
    """Redis or S3 down (a rate limit's counter, the cache, the broker, the storage): 503
    with Retry-After in the one shape, so clients retry instead of reporting a crash."""
    service = outage_of(exc)
    if service is None:
        return None  # a bug: Django's 500
    request = context.get("request")
    log_outage(service, exc, path=getattr(request, "path", ""))
    set_rollback()
    return Response(
        {"detail": str(UNAVAILABLE_DETAIL), "code": UNAVAILABLE_CODE},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class ApiError(exceptions.APIException):
    """An error with the given status and machine-readable code, in the one shape."""

    def __init__(self, status_code: int, detail, code: str):
        self.status_code = status_code
        super().__init__(detail, code)
