"""Queries per API request, counted in-process on the bench data and on small data, to
show that they do not grow with the data."""

import uuid

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from bench.fixture import REFERENCE_AUDIO
from practice.learner_stats import learner_stats_rebuild
from practice.models import Attempt
from scripts.models import Line, Script

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def api_query_counts(endpoints: dict[str, str], script: Script, learner) -> dict[str, dict]:
    """Per endpoint, the queries of a first and of a repeated request on the bench data
    ("bench") and on small data made in a transaction that is rolled back ("small")."""
    counts: dict[str, dict] = {}
    with override_settings(CACHES=LOCAL_CACHE), transaction.atomic():
        big = _count(endpoints, learner)
        caches["default"].clear()  # the small data's first requests are cold too
        small_script, small_learner = _small_data(learner)
        small = _count(
            {
                name: path.replace(f"/{script.pk}/", f"/{small_script.pk}/")
                for name, path in endpoints.items()
            },
            small_learner,
        )
        transaction.set_rollback(True)
    for name in endpoints:
        bench, little = big[name], small[name]
        constant = bench["first"] is not None and (bench["first"], bench["repeat"]) == (
            little["first"],
            little["repeat"],
        )
        counts[name] = {"bench": bench, "small": little, "constant": constant}
    return counts


def _small_data(learner):
    """A script with 3 lines, 30 more published scripts, a learner with 5 attempts."""
    small = Script.objects.create(
        title="Small", work_title="Small", kind="movie", is_published=True
    )
    Line.objects.bulk_create(
        Line(
            script=small,
            position=i + 1,
            text=f"Small line {i}.",
            start_time=i,
            end_time=i + 0.5,
            reference_audio=REFERENCE_AUDIO,
            duration=0.5,
            audio_status="ok",
        )
        for i in range(3)
    )
    Script.objects.bulk_create(
        Script(title=f"Extra {i}", work_title="Extra", kind="song", is_published=True)
        for i in range(30)
    )
    user = get_user_model().objects.create(email="bench-small@example.com")
    copies = list(Attempt.objects.filter(user=learner).order_by("pk")[:5])
    for attempt in copies:
        attempt.pk = None
        attempt.job_id = uuid.uuid4()
        attempt.user = user
        attempt.session = None
    Attempt.objects.bulk_create(copies)
    learner_stats_rebuild(user_id=user.pk)
    return small, user


def _count(endpoints: dict[str, str], user) -> dict[str, dict]:
    token = str(AccessToken.for_user(user))
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    out = {}
    for name, path in endpoints.items():
        per_request: list[int | None] = []
        status = 0
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                status = client.get(path).status_code
            per_request.append(len(captured) if status == 200 else None)
        out[name] = {"first": per_request[0], "repeat": per_request[1], "status": status}
    return out
