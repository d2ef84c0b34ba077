"""Error reports to Sentry: started by settings.py only when SENTRY_DSN is set.

Django (requests) and Dramatiq (jobs) integrations. Each event carries the request id
that the logs and the X-Request-ID header show, or the Dramatiq message id and the
attempt's job id for a job. Nothing a learner recorded or a credential leaves: request
bodies are never attached, local variables are not captured, and `scrub_event` removes
cookies, credential headers, tokens, signed URLs' query strings and any binary data.
"""

import re
from collections.abc import Iterable
from typing import Any

import sentry_sdk
from dramatiq.middleware import CurrentMessage
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.dramatiq import DramatiqIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.transport import Transport

from yousync.logging import request_id_var

FILTERED = "[Filtered]"
# Header and field names whose values are credentials (compared in lower case).
SENSITIVE_NAMES = {
    "authorization",
    "cookie",
    "set-cookie",
    "x-csrftoken",
    "x-ops-token",
    "proxy-authorization",
    "access_token",
    "refresh_token",
    "id_token",
    "upload_token",
    "token",
    "password",
    "audio_file",
    "recording",
    "file",
}
# Query parameters that sign or authorise a URL (presigned S3 URLs, tokens).
_SIGNED_QUERY = re.compile(
    r"([?&](?:x-amz-[a-z-]+|signature|token|key|code|policy|awsaccesskeyid|expires)=)[^&#\s]*",
    re.IGNORECASE,
)
_JWT = re.compile(r"eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]{10,}")
_BEARER = re.compile(r"(Bearer\s+)[\w.~+/=-]+", re.IGNORECASE)


def _scrub_text(value: str) -> str:
    value = _JWT.sub(FILTERED, value)
    value = _BEARER.sub(r"\1" + FILTERED, value)
    return _SIGNED_QUERY.sub(r"\1" + FILTERED, value)


def _scrub(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return "[binary omitted]"
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED if str(key).lower() in SENSITIVE_NAMES else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """before_send: tag the request or job, then strip anything private."""
    tags = event.setdefault("tags", {})
    request_id = request_id_var.get()
    if request_id and request_id != "-":
        tags["request_id"] = request_id
    message = CurrentMessage.get_current_message()
    if message is not None:
        tags["dramatiq_message_id"] = message.message_id
        tags["dramatiq_actor"] = message.actor_name
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)  # bodies: recordings, passwords, tokens
        request.pop("cookies", None)
        if isinstance(request.get("query_string"), str):
            request["query_string"] = FILTERED if request["query_string"] else ""
    scrubbed: dict[str, Any] = _scrub(event)
    return scrubbed


def tag_job(job_id: object) -> None:
    """The attempt a job works on, on the job's events (a no-op without Sentry)."""
    sentry_sdk.set_tag("job_id", str(job_id))


def sentry_init(
    *,
    dsn: str,
    environment: str,
    traces_sample_rate: float = 0.0,
    release: str | None = None,
    transport: type[Transport] | None = None,
    extra_integrations: Iterable[Any] = (),
) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), DramatiqIntegration(), *extra_integrations],
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(
            denylist=[*DEFAULT_DENYLIST, *sorted(SENSITIVE_NAMES)], recursive=True
        ),
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=lambda crumb, hint: _scrub(crumb),
        transport=transport,
    )
