"""/metrics: who may read it, and what it says (HTTP, database, jobs, attempts, queues)."""

import json
import re
import time

import dramatiq
import pytest
import requests
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from analysis.engine.types import Assessment
from practice import services
from practice.models import AttemptStatus
from practice.tests.conftest import learner, line, saved_attempt
from practice.tests.factories import not_assessed_feedback
from yousync import metrics
from yousync.tasks import pipeline_probe
from yousync.testing import child_env

__all__ = ["learner", "line"]

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    metrics.store.clear()
    yield
    metrics.store.clear()


def scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(response.content.decode())
    }


def sample(families: dict, family: str, name: str, **labels) -> float:
    for found in families[family]:
        if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
            return found.value
    raise AssertionError(f"no {name} {labels} in {families[family]}")


def test_metrics_is_off_when_neither_token_nor_networks_are_set(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_refuses_a_missing_or_wrong_token(client, metrics_on):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})

    assert missing.status_code == wrong.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"django_http" not in missing.content + wrong.content


def test_metrics_answers_an_allowed_network_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.1"]

    inside = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    outside = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    spoofed = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3")

    assert inside.status_code == 200
    assert b"django_http_requests_total_by_method_total" in inside.content
    assert outside.status_code == spoofed.status_code == 403


@pytest.mark.django_db
def test_metrics_count_http_requests_and_database_queries(client, metrics_on):
    client.get("/healthz")
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    after = scrape(client)

    def healthz(families):
        return sample(
            families,
            "django_http_responses_total_by_status_view_method",
            "django_http_responses_total_by_status_view_method_total",
            view="healthz",
            status="200",
        )

    assert healthz(after) - healthz(before) == 2
    assert "django_http_requests_latency_seconds_by_view_method" in after
    assert sample(after, "django_db_execute", "django_db_execute_total", vendor="sqlite") > 0
    assert "django_cache_get" in after


@pytest.mark.django_db
def test_metrics_report_attempts_by_status_and_the_oldest_queued_age(
    client, metrics_on, learner, line
):
    saved_attempt(learner, line, status=AttemptStatus.QUEUED)
    saved_attempt(learner, line, status=AttemptStatus.QUEUED)
    saved_attempt(learner, line, status=AttemptStatus.FAILED)

    families = scrape(client)

    assert sample(families, "yousync_attempts", "yousync_attempts", status="queued") == 2
    assert sample(families, "yousync_attempts", "yousync_attempts", status="failed") == 1
    assert sample(families, "yousync_attempts", "yousync_attempts", status="completed") == 0
    age = sample(
        families, "yousync_oldest_queued_attempt_seconds", "yousync_oldest_queued_attempt_seconds"
    )
    assert 0 <= age < 60


@pytest.mark.django_db
def test_a_finished_attempt_adds_its_stage_seconds_and_result_time(
    client, metrics_on, learner, line, django_capture_on_commit_callbacks
):
    attempt = saved_attempt(learner, line, status=AttemptStatus.RUNNING)
    assessment = Assessment(
        pronunciation=80.0,
        intonation=70.0,
        timing=60.0,
        emotion=50.0,
        overall=66.0,
        detailed_feedback=not_assessed_feedback(line.text),
        stage_seconds={"decode": 0.02, "alignment": 0.7, "pronunciation": 3.0},
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_finish(attempt=attempt, assessment=assessment)
    families = scrape(client)

    stages = "yousync_scoring_stage_seconds"
    assert sample(families, stages, f"{stages}_count", stage="alignment") == 1
    assert sample(families, stages, f"{stages}_sum", stage="pronunciation") == 3.0
    assert sample(families, stages, f"{stages}_bucket", stage="pronunciation", le="2.5") == 0
    assert sample(families, stages, f"{stages}_bucket", stage="pronunciation", le="5.0") == 1
    assert sample(families, stages, f"{stages}_bucket", stage="decode", le="+Inf") == 1
    result = "yousync_attempt_result_seconds"
    assert sample(families, result, f"{result}_count", status="completed") == 1


@pytest.fixture
def stub_worker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()
    broker.flush_all()


@dramatiq.actor(queue_name="metrics-test", max_retries=1, min_backoff=1, max_backoff=1)
def flaky_job(fail: bool) -> None:
    if fail:
        raise RuntimeError("failed on purpose")


@pytest.mark.django_db
def test_jobs_are_counted_with_errors_retries_rejects_and_durations(
    client, metrics_on, stub_worker
):
    flaky_job.send(False)
    flaky_job.send(True)  # fails, is retried once, fails again: dead-lettered
    stub_worker.join("metrics-test", fail_fast=False)

    families = scrape(client)

    labels = {"queue_name": "metrics-test", "actor_name": "flaky_job"}
    assert sample(families, "dramatiq_messages", "dramatiq_messages_total", **labels) == 3
    errors = sample(families, "dramatiq_message_errors", "dramatiq_message_errors_total", **labels)
    assert errors == 2
    retries = "dramatiq_message_retries"
    assert sample(families, retries, f"{retries}_total", **labels) == 1
    rejects = "dramatiq_message_rejects"
    assert sample(families, rejects, f"{rejects}_total", **labels) == 1
    durations = "dramatiq_message_duration_milliseconds"
    assert sample(families, durations, f"{durations}_count", **labels) == 3


@pytest.mark.django_db
def test_queue_depth_counts_waiting_messages(client, metrics_on):
    broker = dramatiq.get_broker()
    broker.flush_all()
    flaky_job.send(False)
    flaky_job.send(False)

    families = scrape(client)
    broker.flush_all()

    assert sample(families, "yousync_queue_depth", "yousync_queue_depth", queue="metrics-test") == 2


@pytest.mark.django_db
def test_a_failing_collector_costs_only_its_own_figures(client, metrics_on, monkeypatch):
    def broken():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(metrics.store, "read", broken)

    families = scrape(client)

    assert "dramatiq_messages" not in families
    assert "yousync_attempts" in families
    assert "django_http_requests_total_by_method" in families


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_gunicorn_processes_are_summed_and_worker_jobs_reach_the_web_process(processes):
    env = child_env(METRICS_TOKEN=TOKEN, WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    server = processes.server(env, command="gunicorn")
    # Messages an earlier test left on the queue would be counted with this test's one.
    dramatiq.get_broker().flush_all()
    metrics.store.clear()
    processes.worker(env)

    pipeline_probe.send("3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08")

    def scrape_once() -> dict:
        response = requests.get(
            f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert response.status_code == 200
        return {
            family.name: family.samples for family in text_string_to_metric_families(response.text)
        }

    def refused_count(families: dict) -> float:
        return sample(
            families,
            "django_http_responses_total_by_status_view_method",
            "django_http_responses_total_by_status_view_method_total",
            view="metrics",
            status="401",
        )

    # Requests only this test makes, spread over both gunicorn processes.
    for _ in range(20):
        requests.get(f"{server.base_url}/metrics", timeout=10)
    deadline = time.monotonic() + 60
    while True:
        families = scrape_once()
        done = [
            s
            for s in families.get("dramatiq_messages", [])
            if s.labels.get("actor_name") == "pipeline_probe"
        ]
        if done or time.monotonic() > deadline:
            break
        time.sleep(1)
    # Whichever gunicorn process answers, it reports both processes' requests.
    counts = {refused_count(scrape_once()) for _ in range(6)}

    assert counts == {20.0}
    assert done and done[0].value == 1


@pytest.mark.django_db
def test_every_series_the_grafana_dashboard_plots_is_exported(client, metrics_on):
    dashboard = json.loads((settings.BASE_DIR / "ops" / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    plotted = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for expr in exprs
        for name in re.findall(r"\b((?:django|dramatiq|yousync)_[a-z_]+)", expr)
    }

    families = scrape(client)

    assert plotted, exprs
    assert plotted <= set(families), sorted(plotted - set(families))
