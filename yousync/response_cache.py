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

The learner key doubles as the fast path's proof that the account is active: it is only
made by a request Django has authenticated, it lapses after LEARNER_KEY_SECONDS, and
deactivating a user deletes it. Versions are read before the rows, and writes delete
them after their transaction commits, so an answer built from rows older than a change
is stored under a version that is already gone.
"""

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

CATALOGUE_VERSION_KEY = "api:catalogue:version"
# Set on eligible requests by the ASGI layer; read here.
PLAN_SCOPE_KEY = "yousync.response_cache"
# Response header from a view to the ASGI layer, never sent to a client.
ENTRY_HEADER = "X-YouSync-Cache-Entry"
# How long the fast path trusts an account without Django looking at it again.
LEARNER_KEY_SECONDS = 60


def learner_key(user_id: int) -> str:
    return f"api:learner:{user_id}"


def new_version() -> int:
    # A plain int: Django's Redis serializer stores it as digits, which the ASGI layer
    # reads without unpickling. Random, so no later value repeats an earlier one.
    return secrets.randbits(62)


def catalogue_version() -> str:
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        # Start from the clock, never from a number an old entry may carry.
        cache.add(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(CATALOGUE_VERSION_KEY)
    return str(version)


def learner_version(user_id: int) -> str:
    key = learner_key(user_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, new_version(), timeout=LEARNER_KEY_SECONDS)
        version = cache.get(key)
    return str(version)


def learner_changed(user_id: int) -> None:
    """Call after any write that changes what a learner's own API answers show (or
    whether they may sign in). Inside a transaction it acts when that commits."""
    transaction.on_commit(lambda: cache.delete(learner_key(user_id)), robust=True)


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
    entry: dict[str, Any] = {
        "learner": per_learner,
        "uid": user.pk if signed_in else None,
        "catalogue": catalogue_version(),
        # Also for shared answers: the key's presence is what lets the fast path answer
        # this learner at all.
        "learner_version": learner_version(user.pk) if signed_in else None,
        "until": min(
            time.time() + settings.CATALOGUE_CACHE_SECONDS,
            until if until is not None else float("inf"),
        ),
    }
    response = build()
    if response.status_code == 200:
        response[ENTRY_HEADER] = json.dumps(entry, separators=(",", ":"))
    return response
