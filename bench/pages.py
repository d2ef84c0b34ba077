"""Server time and queries of the server-rendered pages, in-process (Django's test
client, the settings the server runs with), for the pages' learner with 1,000 attempts
and, to show the queries do not grow, the one with 10."""

import argparse
import json
import statistics
import time

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.fixture import PAGE_LEARNER_ATTEMPTS, page_learner
from practice.models import Attempt

TARGET_MEDIAN_MS = 30.0


def page_paths(script_pk: int) -> dict[str, str]:
    return {
        "catalogue": reverse("scripts:catalogue"),
        "script": reverse("practice:script", args=[script_pk]),
        "history": reverse("practice:history"),
        "overview": reverse("practice:overview"),
    }


def measure_pages(repeat: int = 30) -> dict:
    heavy_attempts, light_attempts = max(PAGE_LEARNER_ATTEMPTS), min(PAGE_LEARNER_ATTEMPTS)
    heavy, light = page_learner(heavy_attempts), page_learner(light_attempts)
    # The script the heavy learner practised most: its page shows the most of them.
    top = (
        Attempt.objects.filter(user=heavy)
        .values("line__script")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert top is not None, "the pages' learner has no attempts: run `python -m bench fixture`"
    paths = page_paths(top["line__script"])
    heavy_client, light_client = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    heavy_client.force_login(heavy)
    light_client.force_login(light)
    pages = {}
    for name, path in paths.items():
        queries = {"heavy": _queries(heavy_client, path), "light": _queries(light_client, path)}
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = heavy_client.get(path)
            times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
        median = statistics.median(times)
        constant = queries["heavy"] == queries["light"]
        pages[name] = {
            "path": path,
            "median_ms": median,
            "p90_ms": statistics.quantiles(times, n=10)[-1],
            "queries": queries,
            "constant": constant,
            "passed": median <= TARGET_MEDIAN_MS and constant,
        }
    return {
        "repeat": repeat,
        "heavy_attempts": heavy_attempts,
        "light_attempts": light_attempts,
        "pages": pages,
    }


def _queries(client: Client, path: str) -> list[int]:
    """Queries of a first and of a repeated request."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        assert status == 200, f"{path}: HTTP {status}"
        counts.append(len(captured))
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")


def main(o: argparse.Namespace) -> int:
    result = measure_pages(o.repeat)
    print(json.dumps(result, indent=2))
    return 0 if all(page["passed"] for page in result["pages"].values()) else 1
