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
with Redis one round trip per check (SET NX + INCR + GET in a pipeline). DRF's
SimpleRateThrottle instead stores a list of every request's time, which grows with the
rate and is read and written back whole on each request.
"""

import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django_redis.cache import RedisCache
from rest_framework.throttling import BaseThrottle

# Scopes whose views are called server to server: one address makes all the calls, so
# the general per-IP limit would throttle legitimate traffic. Their own rate bounds them.
OWN_LIMIT_SCOPES = frozenset({"webhook"})


def window_hit(cache: BaseCache, key: str, *, window: int, timeout: int) -> tuple[int, int]:
    """Count one request in `window`; return (this window's count, the previous one's)."""
    current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
    if isinstance(cache, RedisCache):
        current = cache.make_and_validate_key(current_key)
        pipe = cache.client.get_client(write=True).pipeline(transaction=False)
        pipe.set(current, 0, ex=timeout, nx=True)
        pipe.incr(current)
        pipe.get(cache.make_and_validate_key(previous_key))
        _created, count, previous = pipe.execute()
        # INCR stores a plain integer, which django-redis reads back as-is.
        return int(count), int(previous or 0)
    # Other backends: add + incr keep the count atomic where the backend is (LocMem is).
    cache.add(current_key, 0, timeout)
    try:
        count = cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.set(current_key, 1, timeout)
        count = 1
    return count, int(cache.get(previous_key) or 0)


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


class WindowRateThrottle(BaseThrottle):
    scope = ""
    timer = time.time

    def __init__(self):
        self.retry_after: float | None = None

    def rate_scope(self, view) -> str:
        return self.scope

    def client_key(self, request, view) -> str | None:
        """Who is counted (None: this throttle does not apply to the request)."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        scope = self.rate_scope(view)
        rate = settings.API_THROTTLE_RATES.get(scope) if scope else None
        who = self.client_key(request, view) if rate else None
        if who is None:
            return True
        limit, duration = rate
        now = self.timer()
        window, elapsed = divmod(now, duration)
        current, previous = window_hit(
            caches["default"],
            f"throttle:{scope}:{who}",
            window=int(window),
            timeout=2 * duration,
        )
        if window_allows(
            limit=limit, duration=duration, elapsed=elapsed, current=current, previous=previous
        ):
            return True
        self.retry_after = seconds_until_allowed(
            limit=limit, duration=duration, elapsed=elapsed, current=current, previous=previous
        )
        return False

    def wait(self) -> float | None:
        # At least a second: DRF leaves out Retry-After when the wait is 0.
        return None if self.retry_after is None else max(1, math.ceil(self.retry_after))

    def _ip(self, request) -> str:
        # REMOTE_ADDR, or with REST_FRAMEWORK["NUM_PROXIES"] (TRUSTED_PROXY_COUNT) the
        # address the trusted proxies saw in X-Forwarded-For.
        return f"ip:{self.get_ident(request)}"

    @staticmethod
    def _exempt(view) -> bool:
        return getattr(view, "throttle_scope", None) in OWN_LIMIT_SCOPES


class AnonRateThrottle(WindowRateThrottle):
    scope = "anon"

    def client_key(self, request, view) -> str | None:
        if request.user.is_authenticated or self._exempt(view):
            return None
        return self._ip(request)


class UserRateThrottle(WindowRateThrottle):
    scope = "user"

    def client_key(self, request, view) -> str | None:
        if not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"


class UserIpRateThrottle(WindowRateThrottle):
    scope = "user_ip"

    def client_key(self, request, view) -> str | None:
        if not request.user.is_authenticated or self._exempt(view):
            return None
        return self._ip(request)


class ScopedRateThrottle(WindowRateThrottle):
    """The view's `throttle_scope`, per user when signed in, else per IP."""

    def rate_scope(self, view) -> str:
        return getattr(view, "throttle_scope", "") or ""

    def client_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return self._ip(request)
