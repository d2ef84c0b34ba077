"""gunicorn settings for the HTTP server (compose.yaml, Dockerfile, `make bench-api`).

Threaded workers (gthread) run Django's WSGI handler: the middleware and view of a
request on one long-lived thread, with no event-loop hops, and each process borrows
database connections from its own psycopg pool (DB_POOL_MAX_SIZE, settings.py), so
connections stay bounded however many clients there are. WebSockets and the SSE
progress stream are served by the ASGI server (uvicorn yousync.asgi:application).
Measured against uvicorn + Django's ASGI handler in docs/benchmarks.md.
"""

import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Keep-alive for clients and proxies that reuse connections (the app, Caddy).
keepalive = 5
# Uploads are bounded by Django (MAX_UPLOAD_BYTES); a slow client gets this long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Request lines are logged by Django's middleware (one JSON line each, with its id).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# X-Forwarded-* from these addresses only (the proxy in compose.yaml).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# /metrics sums every gunicorn process (prometheus_client's multiprocess mode,
# yousync/metrics.py): each server start gets a fresh folder, set before any worker
# imports prometheus_client, and a worker that exits is marked dead.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="yousync-prometheus-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
