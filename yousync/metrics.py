"""/metrics for Prometheus: what this process counts, and what every worker counts.

- HTTP requests, latencies, database and cache: django-prometheus, in each server
  process. Under gunicorn (several processes) they are summed through
  PROMETHEUS_MULTIPROC_DIR, which ops/gunicorn.conf.py sets up.
- Dramatiq jobs (processed, errors, retries, dead-lettered, durations) and scoring
  stage seconds happen in worker processes, possibly on other hosts. Each worker adds
  its observations to one Redis hash (METRICS_REDIS_KEY); the web process reads it when
  scraped, so one scrape target with the bearer token sees the sum of every worker
  process, alive or restarted. Embedded (no Redis) they stay in this process's memory.
  The names and buckets are those of Dramatiq's own Prometheus middleware, which would
  need an unauthenticated exporter port on every worker host instead.
- Figures read when scraped (collectors registered by the apps): queue depth per queue.
"""

import hmac
import ipaddress
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import dramatiq
import prometheus_client
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection
from dramatiq.broker import MessageProxy
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Dramatiq's Prometheus middleware's buckets (milliseconds), so dashboards carry over.
JOB_DURATION_BUCKETS_MS = (
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000, 30000, 60000,
    600000, 900000,
)  # fmt: skip

# name -> (help, kind); kind is "counter" or "histogram".
SHARED_METRICS: dict[str, tuple[str, str]] = {
    "dramatiq_messages": ("The total number of messages processed.", "counter"),
    "dramatiq_message_errors": ("The total number of errored messages.", "counter"),
    "dramatiq_message_retries": ("The total number of retried messages.", "counter"),
    "dramatiq_message_rejects": ("The total number of dead-lettered messages.", "counter"),
    "dramatiq_message_duration_milliseconds": (
        "The time spent processing messages.",
        "histogram",
    ),
}
_buckets: dict[str, tuple[float, ...]] = {
    "dramatiq_message_duration_milliseconds": JOB_DURATION_BUCKETS_MS
}

Labels = tuple[tuple[str, str], ...]


def define_histogram(name: str, help_text: str, buckets: Iterable[float]) -> None:
    """Declare a histogram that worker processes add to (e.g. practice's stage seconds)."""
    SHARED_METRICS[name] = (help_text, "histogram")
    _buckets[name] = tuple(sorted(buckets))


def _field(name: str, labels: Labels) -> str:
    return name + "|" + ",".join(f"{key}={value}" for key, value in labels)


def _parse_field(field: str) -> tuple[str, Labels]:
    name, _, raw = field.partition("|")
    labels = tuple(tuple(pair.split("=", 1)) for pair in raw.split(",") if pair)
    return name, labels  # type: ignore[return-value]


class SharedStore:
    """Counters and histogram buckets summed across processes: a Redis hash in service
    mode, a dict in this process when embedded. Never raises: a lost observation is
    better than a failed job."""

    def __init__(self) -> None:
        self._local: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def _redis(self) -> Any:
        if not settings.REDIS_URL:
            return None
        return get_redis_connection("default")

    def add(self, increments: dict[str, float]) -> None:
        try:
            client = self._redis()
            if client is None:
                with self._lock:
                    for field, amount in increments.items():
                        self._local[field] += amount
                return
            pipe = client.pipeline(transaction=False)
            for field, amount in increments.items():
                pipe.hincrbyfloat(settings.METRICS_REDIS_KEY, field, amount)
            pipe.execute()
        except Exception:
            logger.warning("could not record metrics", exc_info=True)

    def read(self) -> dict[str, float]:
        client = self._redis()
        if client is None:
            with self._lock:
                return dict(self._local)
        raw = client.hgetall(settings.METRICS_REDIS_KEY)
        return {key.decode(): float(value) for key, value in raw.items()}

    def clear(self) -> None:
        """Tests only."""
        client = self._redis()
        if client is not None:
            client.delete(settings.METRICS_REDIS_KEY)
        with self._lock:
            self._local.clear()


store = SharedStore()


def count(name: str, labels: dict[str, str], amount: float = 1.0) -> None:
    store.add({_field(name, tuple(sorted(labels.items()))): amount})


def observe(name: str, labels: dict[str, str], value: float) -> None:
    """One observation of a shared histogram: its bucket, its sum and its count."""
    observe_many(name, [(labels, value)])


def observe_many(name: str, observations: Iterable[tuple[dict[str, str], float]]) -> None:
    increments: dict[str, float] = defaultdict(float)
    for labels, value in observations:
        base = tuple(sorted(labels.items()))
        bucket = next((b for b in _buckets[name] if value <= b), float("inf"))
        increments[_field(f"{name}_bucket", (*base, ("le", repr(float(bucket)))))] += 1
        increments[_field(f"{name}_sum", base)] += value
        increments[_field(f"{name}_count", base)] += 1
    store.add(dict(increments))


class SharedCollector(Collector):
    """Exports SHARED_METRICS from the store (counters, and cumulative histograms)."""

    def collect(self) -> Iterator[Any]:
        values = store.read()
        counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        hist: dict[str, dict[Labels, dict[str, Any]]] = defaultdict(dict)
        for field, value in values.items():
            name, labels = _parse_field(field)
            for suffix in ("_bucket", "_sum", "_count"):
                base = name.removesuffix(suffix)
                if name.endswith(suffix) and SHARED_METRICS.get(base, ("", ""))[1] == "histogram":
                    key = tuple(pair for pair in labels if pair[0] != "le")
                    entry = hist[base].setdefault(key, {"buckets": {}, "sum": 0.0, "count": 0.0})
                    if suffix == "_bucket":
                        entry["buckets"][float(dict(labels)["le"])] = value
                    else:
                        entry[suffix[1:]] = value
                    break
            else:
                if SHARED_METRICS.get(name, ("", ""))[1] == "counter":
                    counters[name][labels] = value
        for name, (help_text, kind) in SHARED_METRICS.items():
            if kind == "counter":
                label_names = _label_names(counters[name])
                family = CounterMetricFamily(name, help_text, labels=label_names)
                for labels, value in sorted(counters[name].items()):
                    family.add_metric([v for _, v in labels], value)
                yield family
                continue
            label_names = _label_names(hist[name])
            histogram = HistogramMetricFamily(name, help_text, labels=label_names)
            for labels, entry in sorted(hist[name].items()):
                running = 0.0
                buckets = []
                for bound in (*_buckets[name], float("inf")):
                    running += entry["buckets"].get(float(bound), 0.0)
                    buckets.append((_le(bound), running))
                histogram.add_metric([v for _, v in labels], buckets, entry["sum"])
            yield histogram


def _label_names(series: dict[Labels, Any]) -> list[str]:
    first = next(iter(series), ())
    return [key for key, _ in first]


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else prometheus_client.utils.floatToGoString(bound)


class JobMetrics(dramatiq.Middleware):
    """Counts each job and its duration into the shared store (same figures as
    dramatiq.middleware.Prometheus, without a port per worker host)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    @staticmethod
    def _labels(message: dramatiq.Message | MessageProxy) -> dict[str, str]:
        return {"queue_name": message.queue_name, "actor_name": message.actor_name}

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._started[message.message_id] = time.monotonic()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        labels = self._labels(message)
        started = self._started.pop(message.message_id, None)
        if started is not None:
            observe(
                "dramatiq_message_duration_milliseconds",
                labels,
                (time.monotonic() - started) * 1000,
            )
        count("dramatiq_messages", labels)
        if exception is not None:
            count("dramatiq_message_errors", labels)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._started.pop(message.message_id, None)

    def after_nack(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        count("dramatiq_message_rejects", self._labels(message))

    def after_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None
    ) -> None:
        if "retries" in message.options:
            count("dramatiq_message_retries", self._labels(message))


def queue_depths() -> dict[str, int]:
    """Messages waiting per queue (delayed retries under `<queue>.DQ`)."""
    broker = dramatiq.get_broker()
    depths: dict[str, int] = {}
    client = getattr(broker, "client", None)
    namespace = getattr(broker, "namespace", "")
    stub_queues = getattr(broker, "queues", {})
    queues = sorted(broker.get_declared_queues() | broker.get_declared_delay_queues())
    for queue in queues:
        if client is not None:  # Redis broker: the queue is a list
            depths[queue] = int(client.llen(f"{namespace}:{queue}"))
        else:  # StubBroker: a queue.Queue per name
            depths[queue] = stub_queues[queue].qsize()
    return depths


class QueueCollector(Collector):
    def collect(self) -> Iterator[Any]:
        family = GaugeMetricFamily(
            "yousync_queue_depth", "Messages waiting in each Dramatiq queue.", labels=["queue"]
        )
        for queue, depth in queue_depths().items():
            family.add_metric([queue], depth)
        yield family


# Collectors that read their figures when scraped; apps add theirs (practice.metrics).
SCRAPE_COLLECTORS: list[Callable[[], Collector]] = [SharedCollector, QueueCollector]


def register_scrape_collector(factory: Callable[[], Collector]) -> None:
    if factory not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(factory)


class _SafeCollector(Collector):
    """A collector that fails (Redis or the database down) costs its own figures, not
    the whole scrape: the HTTP and process metrics still come back."""

    def __init__(self, inner: Collector) -> None:
        self.inner = inner

    def collect(self) -> Iterator[Any]:
        try:
            families = list(self.inner.collect())
        except Exception:
            logger.warning("metrics collector %s failed", type(self.inner).__name__, exc_info=True)
            return iter(())
        return iter(families)


class _ProcessRegistry(Collector):
    def collect(self) -> Iterator[Any]:
        return iter(list(prometheus_client.REGISTRY.collect()))


def metrics_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every gunicorn process's figures
    else:
        registry.register(_ProcessRegistry())
    for factory in SCRAPE_COLLECTORS:
        registry.register(_SafeCollector(factory()))
    return registry


def _client_allowed(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if settings.METRICS_TOKEN and scheme.lower() == "bearer":
        return hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode())
    if settings.METRICS_ALLOWED_NETWORKS:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(
            address in ipaddress.ip_network(net, strict=False)
            for net in settings.METRICS_ALLOWED_NETWORKS
        )
    return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 when neither METRICS_TOKEN nor networks are set."""
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS):
        raise Http404
    if not _client_allowed(request):
        response = HttpResponse("Forbidden: a valid bearer token is required.\n", status=403)
        response["Content-Type"] = "text/plain; charset=utf-8"
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            response.status_code = 401
        return response
    body = prometheus_client.generate_latest(metrics_registry())
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
