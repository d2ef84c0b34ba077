"""Cached responses of the public catalogue API (/api/scripts/, /api/scripts/{id}/,
/api/tokens/{id}/).

Every write to the catalogue goes through a service or the admin, and each of those
calls `catalogue_changed()`, which moves a version number kept in the cache. A cached
body is stored with the version it was built under and is used only while that version
is current, so a change shows up on the next request, on every process. Version and
body come back in one round trip (`get_many`). There are no signals: a write that
bypasses the services must call `catalogue_changed()` itself.

Bodies expire after CATALOGUE_CACHE_SECONDS anyway: they hold presigned S3 URLs, which
must still be valid for a while when a client receives them. The bodies do not depend
on who asks (no per-learner fields), so anonymous and signed-in requests share them.
"""

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from yousync.response_cache import CATALOGUE_VERSION_KEY as VERSION_KEY
from yousync.response_cache import catalogue_version


def catalogue_changed() -> None:
    """Call after any write that changes what the catalogue API shows. Inside a
    transaction the version moves when it commits, so no request can cache the old
    rows under the new version."""
    transaction.on_commit(_bump, robust=True)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # Missing (first write, or evicted): start from the clock, never from a number
        # an old body may still carry.
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def response_key(scope: str, request: HttpRequest, *parts: Any) -> str:
    """A key for one response: scheme and host (pagination links and local media URLs
    are absolute), the scope and its arguments, the normalised query string."""
    query = "&".join(
        f"{name}={value}"
        for name, values in sorted(request.GET.lists())
        for value in sorted(values)
    )
    where = f"{request.scheme}://{request.get_host()}"
    return f"api:catalogue:{scope}:{':'.join(map(str, parts))}:{where}?{query}"


def lookup(key: str) -> tuple[int, Any | None]:
    """(current version, cached body or None when missing or built under another version)."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = catalogue_version()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def store(key: str, version: int, body: Any) -> None:
    cache.set(key, (version, body), timeout=settings.CATALOGUE_CACHE_SECONDS)
