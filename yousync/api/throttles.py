"""API rate limits (DRF throttles), configured by API_THROTTLE_RATES in settings.

- anonymous requests: per client IP (`anon`);
- signed-in requests: per user (`user`) and per client IP (`user_ip`, looser, so that
  learners behind one NAT are not limited by each other but one address cannot use
  many accounts to multiply its budget);
- views that name a `throttle_scope` get that scope's rate on top: `auth` (sign-in,
  per IP: those views have no authentication), `upload` (per user), `webhook` (the
  analysis server, per IP; its signed calls skip the general limits above).

Each check is a sliding-window estimate from two fixed-window counters (this window's
and the previous one's, weighted by how much of it still overlaps the last `duration`
seconds): constant memory per client, no burst of twice the rate at a window edge, and
with Redis one round trip for all of a request's general limits (SET NX + INCR + GET
each, in one pipeline). DRF's SimpleRateThrottle instead stores a list of every
request's time, which grows with the rate and is read and written back whole on each
request.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django_redis.cache import RedisCache
from rest_framework.throttling import BaseThrottle

# Scopes whose views are called server to server: one address makes all the calls, so
# the general per-IP limit would throttle legitimate traffic. Their own rate bounds them.
OWN_LIMIT_SCOPES = frozenset({"webhook"})


def window_hits(
    cache: BaseCache, keys: list[str], *, window: int, timeouts: list[int]
) -> list[tuple[int, int]]:
    """Count one request in `window` under each key; for each, (this window's count, the
    previous one's). With Redis all of them in one pipelined round trip."""
    if isinstance(cache, RedisCache):
        pipe = cache.client.get_client(write=True).pipeline(transaction=False)
        for key, timeout in zip(keys, timeouts, strict=True):
            current = cache.make_and_validate_key(f"{key}:{window}")
            pipe.set(current, 0, ex=timeout, nx=True)
            pipe.incr(current)
            pipe.get(cache.make_and_validate_key(f"{key}:{window - 1}"))
        replies = pipe.execute()
        # INCR stores a plain integer, which django-redis reads back as-is.
        return [(int(replies[3 * i + 1]), int(replies[3 * i + 2] or 0)) for i in range(len(keys))]
    # Other backends: add + incr keep the count atomic where the backend is (LocMem is).
    counts = []
    for key, timeout in zip(keys, timeouts, strict=True):
        current_key = f"{key}:{window}"
        cache.add(current_key, 0, timeout)
        try:
            count = cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.set(current_key, 1, timeout)
            count = 1
        counts.append((count, int(cache.get(f"{key}:{window - 1}") or 0)))
    return counts


def window_allows(
    *, limit: int, duration: int, elapsed: float, current: int, previous: int
) -> bool:
    """Whether the sliding-window estimate, this request included, is within the limit."""
    return previous * (1 - elapsed / duration) + current <= limit


def seconds_until_allowed(
    *, limit: int, duration: int, elapsed: float, current: int, previous: int
) -> float:
    """When the next request would pass, if none is made before then."""
    if current + 1 <= limit:
        # Still in this window: wait for the previous window's weight to fade enough.
        return duration * (1 - (limit - current - 1) / previous) - elapsed
    # In the next window this one becomes "previous" and the new count starts at 1.
    into_next = duration * (1 - (limit - 1) / current)
    return duration - elapsed + max(into_next, 0.0)


@dataclass(frozen=True)
class WindowCount:
    """One limit as this request left it: enough to tell a client how much is left."""

    limit: int
    duration: int
    elapsed: float  # seconds into the current window
    current: int
    previous: int

    @property
    def remaining(self) -> int:
        used = self.previous * (1 - self.elapsed / self.duration) + self.current
        return max(0, math.floor(self.limit - used))

    @property
    def reset_seconds(self) -> int:
        """Seconds until this window ends and its count starts again."""
        return max(1, math.ceil(self.duration - self.elapsed))


class WindowRateThrottle(BaseThrottle):
    """Counts a request against each (scope, client) limit that applies to it, all in one
    round trip; refuses it when any of them is over its rate. `counts` keeps what each
    limit stood at, for views that report it (the partner API's X-RateLimit headers)."""

    # The clock, read through the class (tests put a frozen one here).
    timer: ClassVar[Callable[[], float]] = time.time

    def __init__(self) -> None:
        self.retry_after: float | None = None
        self.counts: list[WindowCount] = []

    def limits(self, request, view) -> list[tuple[str, str]]:
        """(scope, who is counted) for each limit that applies to this request."""
        raise NotImplementedError

    def rates(self, request, view) -> dict[str, tuple[int, int] | None]:
        """(count, seconds) per scope; None switches a scope off."""
        return settings.API_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        rates = self.rates(request, view)
        limits = []
        for scope, who in self.limits(request, view):
            rate = rates.get(scope)
            if rate is not None:
                limits.append((scope, who, rate))
        if not limits:
            return True
        now = type(self).timer()
        # Rates share windows when their durations match (all of the defaults are /min).
        by_duration: dict[int, list] = {}
        for limit in limits:
            by_duration.setdefault(limit[2][1], []).append(limit)
        waits = []
        for duration, group in by_duration.items():
            window, elapsed = divmod(now, duration)
            counts = window_hits(
                caches["default"],
                [f"throttle:{scope}:{who}" for scope, who, _rate in group],
                window=int(window),
                timeouts=[2 * duration] * len(group),
            )
            for (_scope, _who, (limit, _d)), (current, previous) in zip(group, counts, strict=True):
                counted = {"current": current, "previous": previous}
                self.counts.append(WindowCount(limit, duration, elapsed, current, previous))
                if not window_allows(limit=limit, duration=duration, elapsed=elapsed, **counted):
                    waits.append(
                        seconds_until_allowed(
                            limit=limit, duration=duration, elapsed=elapsed, **counted
                        )
                    )
        if not waits:
            return True
        self.retry_after = max(waits)
        return False

    def wait(self) -> float | None:
        # At least a second: DRF leaves out Retry-After when the wait is 0.
        return None if self.retry_after is None else max(1, math.ceil(self.retry_after))

    def _ip(self, request) -> str:
        # REMOTE_ADDR, or with REST_FRAMEWORK["NUM_PROXIES"] (TRUSTED_PROXY_COUNT) the
        # address the trusted proxies saw in X-Forwarded-For.
        return f"ip:{self.get_ident(request)}"


class GeneralRateThrottle(WindowRateThrottle):
    """Every request: anonymous per IP (`anon`); signed in per user (`user`) and per IP
    (`user_ip`). Views with an own-limit scope (the webhook) skip the per-IP ones."""

    def limits(self, request, view) -> list[tuple[str, str]]:
        own_limit = getattr(view, "throttle_scope", None) in OWN_LIMIT_SCOPES
        if request.user.is_authenticated:
            counted = [("user", f"user:{request.user.pk}")]
            return counted if own_limit else [*counted, ("user_ip", self._ip(request))]
        return [] if own_limit else [("anon", self._ip(request))]


class ScopedRateThrottle(WindowRateThrottle):
    """The view's `throttle_scope`, per user when signed in, else per IP."""

    def limits(self, request, view) -> list[tuple[str, str]]:
        scope = getattr(view, "throttle_scope", "") or ""
        if not scope:
            return []
        who = f"user:{request.user.pk}" if request.user.is_authenticated else self._ip(request)
        return [(scope, who)]
