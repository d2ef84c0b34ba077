"""The mobile API's read endpoints under wrk, every request through Django, side by side
in the same run with the old FastAPI stack (../shared/peers/fastapi_seed, "the peer").

Per endpoint the runs alternate, peer then YouSync, `--repeat` times each; each run gets
a freshly started server (so only one side holds PostgreSQL connections at a time), a
warm-up, a wait for a quiet CPU, then `wrk -t2 -c64 -d10s --latency` while a thread
samples pg_stat_activity. Medians, ratios and targets are written to the "API
throughput (wrk)" section of docs/benchmarks.md with the machine, date and load, and
with the server-rendered pages' times (bench/pages.py) and the queries per request at
two data sizes (bench/queries.py). Run by `make bench-api` (ops/bench_api.sh).

The YouSync server is $BENCH_API_SERVER ({port} is filled in), e.g.
  BENCH_API_SERVER='gunicorn yousync.wsgi:application -k gthread --workers 2 --threads 8
  -b 127.0.0.1:{port}'
"""

import argparse
import json
import os
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from psycopg.conninfo import make_conninfo

from analysis.bench.report import machine as describe_machine
from analysis.bench.report import write_section
from bench import machine
from bench.fixture import EMAIL_PATTERN, KEY_PREFIX, default_tokens_path
from bench.pages import measure_pages
from bench.pg import ConnectionSampler, max_connections
from bench.queries import api_query_counts
from bench.report import render_section
from bench.servers import Server, http_status
from bench.wrk import run_wrk
from scripts.models import Script

# Production's HTTP server (ops/gunicorn.conf.py: 2 processes x 8 threads).
DEFAULT_SERVER = (
    "gunicorn yousync.wsgi:application --config ops/gunicorn.conf.py --bind 127.0.0.1:{port}"
)
SERVER = os.environ.get("BENCH_API_SERVER") or DEFAULT_SERVER
DEFAULT_PEER_SERVER = (
    "{venv}/bin/uvicorn app:app --host 127.0.0.1 --port {port} --workers 2 --log-level warning"
)
PEER_SERVER = os.environ.get("BENCH_PEER_SERVER") or DEFAULT_PEER_SERVER
ENDPOINTS = {
    "scripts": "/api/scripts/",
    "script": "/api/scripts/{script}/",
    "overview": "/api/mypage/overview",
    "dubbed": "/api/mypage/my-dubbed-tokens",
}
TARGET_RATIO = 1.5
TARGET_CONNECTIONS_PER_PROCESS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", type=Path, default=default_tokens_path())
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side and endpoint")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk before a run")
    parser.add_argument(
        "--only", default="", help="endpoints, comma-separated: " + ",".join(ENDPOINTS)
    )
    parser.add_argument("--max-busy", type=float, default=0.5, help="CPU share to wait below")
    parser.add_argument("--max-wait", type=float, default=30, help="seconds to wait for it")
    parser.add_argument("--sample-interval", type=float, default=0.5)
    parser.add_argument("--page-repeat", type=int, default=30)
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--peer-dir", type=Path, help="the peer's code; no peer when missing")
    parser.add_argument("--peer-venv", type=Path, default=Path.home() / "peer-venv")
    parser.add_argument("--peer-database-url", default="")
    parser.add_argument("--peer-tokens", type=Path, help="the peer learners' tokens")
    parser.add_argument("--peer-script", type=int, default=1, help="the peer's script id")
    parser.add_argument("--output", default="docs/benchmarks.md")
    parser.add_argument("--no-write", action="store_true")


def main(o: argparse.Namespace) -> int:
    if connection.vendor != "postgresql":
        raise SystemExit("bench api needs PostgreSQL (DATABASE_URL); run `make bench-api`.")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (ops/bench_api.sh installs it).")
    script = Script.objects.filter(import_key__startswith=KEY_PREFIX, is_published=True)
    script = script.order_by("pk").first()
    if script is None or not o.tokens.exists():
        raise SystemExit("No bench data: run `python -m bench fixture` first.")
    names = [n for n in ENDPOINTS if not o.only or n in o.only.split(",")]
    paths = {name: ENDPOINTS[name].format(script=script.pk) for name in names}
    peer_paths = {name: ENDPOINTS[name].format(script=o.peer_script) for name in names}
    learner = get_user_model().objects.get(email=EMAIL_PATTERN.format(1))

    started = datetime.now(UTC)
    load_before = machine.load_average()
    print(f"{describe_machine()}; load {load_before}")
    queries = api_query_counts(paths, script, learner)
    print(json.dumps(queries, indent=2))
    pages = None if o.skip_pages else measure_pages(o.page_repeat)
    if pages:
        print(json.dumps(pages, indent=2))
    db = settings.DATABASES["default"]
    conninfo = make_conninfo(
        host=db["HOST"] or "127.0.0.1",
        port=str(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    )
    connection.close()  # the harness's own connection is not the server's

    sides = {"yousync": _yousync_server(o)}
    peer = _peer_server(o)
    if peer:
        sides = {"peer": peer, **sides}
    for server in sides.values():
        server.log.unlink(missing_ok=True)  # each log holds this run's servers only
    databases = {"yousync": db["NAME"], "peer": urlparse(o.peer_database_url).path.lstrip("/")}
    tokens = {"yousync": o.tokens, "peer": o.peer_tokens}
    results: dict[str, dict] = {name: {side: [] for side in sides} for name in names}
    statuses: dict[str, dict] = {name: {} for name in names}
    for name in names:
        for round_ in range(o.repeat):
            for side, server in sides.items():
                path = (peer_paths if side == "peer" else paths)[name]
                run = _run(server, path, o, tokens[side], conninfo, databases[side])
                statuses[name][side] = run.pop("status")
                if run:
                    results[name][side].append(run)
                    print(f"{side} {path} #{round_ + 1}: {json.dumps(run)}")
                else:
                    print(f"{side} {path}: HTTP {statuses[name][side]}, not measured")
    report = {
        "started": started,
        "machine": describe_machine(),
        "load_before": load_before,
        "load_after": machine.load_average(),
        "max_connections": max_connections(conninfo),
        "options": o,
        "server": SERVER,
        "peer_server": peer.command if peer else None,
        "paths": paths,
        "results": results,
        "statuses": statuses,
        "summary": summarise(results, statuses, queries),
        "queries": queries,
        "pages": pages,
    }
    for name, row in report["summary"].items():
        print(f"{name}: {json.dumps(row)}")
    if not o.no_write:
        write_section(Path(settings.BASE_DIR) / o.output, render_section(report))
        print(f"Written to {o.output}")
    return 0


def _yousync_server(o: argparse.Namespace) -> Server:
    return Server(
        "YouSync",
        SERVER,
        cwd=Path(settings.BASE_DIR),
        # The server logs every request as in production, whatever the harness logs.
        env={"LOG_LEVEL": os.environ.get("BENCH_API_LOG_LEVEL", "INFO")},
        health="/healthz",
        log=Path(settings.VAR_DIR) / "bench" / "yousync-server.log",
    )


def _peer_server(o: argparse.Namespace) -> Server | None:
    if not (o.peer_dir and o.peer_database_url and o.peer_tokens and o.peer_tokens.exists()):
        print("No peer (--peer-dir, --peer-database-url, --peer-tokens): YouSync alone.")
        return None
    return Server(
        "peer",
        PEER_SERVER.replace("{venv}", str(o.peer_venv)),
        cwd=o.peer_dir,
        env={"DATABASE_URL": o.peer_database_url, "PYTHONDONTWRITEBYTECODE": "1"},
        health="/api/scripts/",
        log=Path(settings.VAR_DIR) / "bench" / "peer-server.log",
        inherit=False,
    )


def _run(server: Server, path: str, o, tokens: Path, conninfo: str, database: str) -> dict:
    """One measured run on a freshly started server; {"status": ...} alone when the
    endpoint does not answer 200."""
    server.start()
    try:
        url = server.base + path
        status = http_status(url, tokens.read_text().split()[0])
        if status != 200:
            return {"status": status}
        wrk = {"tokens": tokens, "threads": o.threads, "connections": o.connections}
        run_wrk(url, seconds=o.warmup, **wrk)
        busy = machine.wait_quiet(o.max_busy, o.max_wait, print)
        load = machine.load_average()
        cpu_before = machine.group_cpu_seconds(server.pid)
        sampler = ConnectionSampler(conninfo, database, server.pid, o.sample_interval)
        sampler.start()
        try:
            run = run_wrk(url, seconds=o.duration, **wrk)
        finally:
            pg = sampler.stop()
        cpu = machine.group_cpu_seconds(server.pid) - cpu_before
    finally:
        server.stop()
    return {
        "status": status,
        **run,
        **pg,
        "busy_before": busy,
        "load_before": load,
        "server_cpu_ms": 1000 * cpu / max(1, run["requests"]),
    }


def summarise(results: dict, statuses: dict, queries: dict) -> dict:
    """Medians per side and the targets' verdicts, per endpoint."""
    summary = {}
    for name, sides in results.items():
        row: dict = {"status": statuses[name]}
        for side, runs in sides.items():
            if runs:
                row[side] = {
                    "rps": statistics.median(r["rps"] for r in runs),
                    "p50": statistics.median(r["p50"] for r in runs),
                    "p99": statistics.median(r["p99"] for r in runs),
                    "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
                    "non_2xx": sum(r["non_2xx"] for r in runs),
                    "socket_errors": sum(r["socket_errors"] for r in runs),
                    "server_cpu_ms": statistics.median(r["server_cpu_ms"] for r in runs),
                    "db_connections": max(r["db_connections"] for r in runs),
                    "per_process": max(r["db_connections_per_process"] for r in runs),
                    "pg_total": max(r["pg_connections_total"] for r in runs),
                }
        ours, peer = row.get("yousync"), row.get("peer")
        checks = {
            "no_errors": bool(ours) and ours["errors"] == 0,
            "queries": queries[name]["constant"],
            "connections": bool(ours) and ours["per_process"] <= TARGET_CONNECTIONS_PER_PROCESS,
        }
        if ours and peer:
            pairs = [
                y["rps"] / p["rps"] for p, y in zip(sides["peer"], sides["yousync"], strict=False)
            ]
            row["ratio"] = ours["rps"] / peer["rps"]
            row["lowest_pair_ratio"] = min(pairs)
            checks["throughput"] = row["ratio"] >= TARGET_RATIO and row["lowest_pair_ratio"] >= 1
            checks["p99"] = ours["p99"] < peer["p99"]
        else:
            checks["throughput"] = checks["p99"] = False  # nothing to compare with
        row["checks"] = checks
        row["passed"] = all(checks.values())
        summary[name] = row
    return summary
