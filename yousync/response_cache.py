"""Whole API responses kept in Redis and answered before Django (yousync/asgi_cache.py):
the Django side — which responses may be kept, under which versions, and when those
versions move.

A view opts in with `cacheable(request, build, per_learner=..., until=...)`. It does
nothing unless the ASGI layer found the request eligible and put its plan in the
scope; then it reads the versions the answer depends on *before* building it and marks
a 200 with an internal header the ASGI layer strips and stores the response under:

- the catalogue version (`CATALOGUE_VERSION_KEY`), moved by every catalogue write
  (scripts.api.cache.catalogue_changed), on every answer: learner lists name scripts;
- for a learner's own answers, the learner's version (`learner_key`), deleted by every
  write to what their pages show (`learner_changed`: attempts and their statistics,
  bookmarks, the profile, the admin's user form). A new value is made when the next
  request finds none, so an entry made before a change never matches again.

Versions are read before the rows, and writes delete them after their transaction
commits, so an answer built from rows older than a change is stored under a version
that is already gone. Entries expire at a time spread over the last fifth of their
lifetime, so entries made together (a deploy, a burst) are not all rebuilt together.

Separately, the fast path answers a signed-in request only while the account key
(`account_key`) says the account was found active within ACCOUNT_CHECK_SECONDS: Django
sets it when it authenticates the learner, the ASGI layer after its own one-query check
(`account_is_active`, as DRF's JWT authentication checks), and `learner_changed` —
which the admin calls on deactivation or deletion — removes it.
"""

import json
import random
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.http import HttpRequest, HttpResponse

CATALOGUE_VERSION_KEY = "api:catalogue:version"
# Set on eligible requests by the ASGI layer; read here.
PLAN_SCOPE_KEY = "yousync.response_cache"
# Response header from a view to the ASGI layer, never sent to a client.
ENTRY_HEADER = "X-YouSync-Cache-Entry"
# How long a learner's version lives (when it lapses, their answers are rebuilt once).
LEARNER_VERSION_SECONDS = 7 * 24 * 3600
# How long the fast path trusts an account without looking at its row again.
ACCOUNT_CHECK_SECONDS = 60


def learner_key(user_id: int | str) -> str:
    return f"api:learner:{user_id}"


def account_key(user_id: int | str) -> str:
    return f"api:account:{user_id}"


def new_version() -> int:
    # A plain int: Django's Redis serializer stores it as digits, which the ASGI layer
    # reads without unpickling. Random, so no later value repeats an earlier one.
    return secrets.randbits(62)


def catalogue_version() -> int:
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        # Start from the clock, never from a number an old entry may carry.
        cache.add(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(CATALOGUE_VERSION_KEY)
    return version


def learner_version(user_id: int) -> str:
    key = learner_key(user_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, new_version(), timeout=LEARNER_VERSION_SECONDS)
        version = cache.get(key)
    return str(version)


def learner_changed(user_id: int) -> None:
    """Call after any write that changes what a learner's own API answers show (or
    whether they may sign in). Inside a transaction it acts when that commits."""
    keys = [learner_key(user_id), account_key(user_id)]
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def account_vouch(user_id: int | str) -> None:
    cache.set(account_key(user_id), 1, timeout=ACCOUNT_CHECK_SECONDS)


def account_is_active(user_id: str) -> bool:
    """What DRF's JWT authentication checks of the token's account: it exists and is
    active. For the ASGI layer, which calls it on a thread of its own."""
    User = get_user_model()
    close_old_connections()
    try:
        return User.objects.filter(pk=user_id, is_active=True).exists()
    except (ValueError, TypeError):
        return False
    finally:
        close_old_connections()


def plan(request: HttpRequest) -> dict | None:
    """The ASGI layer's plan for this request: None unless it may be stored."""
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    scope = getattr(request, "scope", None)
    return scope.get(PLAN_SCOPE_KEY) if scope else None


def cacheable(
    request,
    build: Callable[[], HttpResponse],
    *,
    per_learner: bool,
    until: float | None = None,
) -> HttpResponse:
    """`build()`'s response, marked for the ASGI layer to keep when it is a 200.

    per_learner: the answer is the signed-in learner's own (else the same for anyone).
    until: a time (epoch seconds) after which it is stale even if nothing changed.
    """
    found = plan(request)
    if not found or not settings.CATALOGUE_CACHE_SECONDS:
        return build()
    user = request.user
    signed_in = user.is_authenticated and str(user.pk) == found.get("uid")
    if per_learner and not signed_in:
        return build()
    if signed_in:
        account_vouch(user.pk)
    lifetime = settings.CATALOGUE_CACHE_SECONDS * random.uniform(0.8, 1.0)  # noqa: S311
    entry: dict[str, Any] = {
        "learner": per_learner,
        "uid": user.pk if signed_in else None,
        "catalogue": str(catalogue_version()),  # as the ASGI layer reads it from Redis
        "learner_version": learner_version(user.pk) if per_learner else None,
        "until": min(time.time() + lifetime, until if until is not None else float("inf")),
    }
    response = build()
    if response.status_code == 200:
        response[ENTRY_HEADER] = json.dumps(entry, separators=(",", ":"))
    return response
