"""Load and faults: simulated learners (Locust, bench/locustfile.py) against the service
as production runs it, while a worker is killed, Redis restarts and S3 goes away.

Service mode on this machine, every part started here: gunicorn with ops/gunicorn.conf.py
(2 processes: the pages and the API), uvicorn (the SSE progress stream), `rundramatiq
--processes 2 --threads 1 --queues default` (compose.yaml's worker: scoring) and
`rundramatiq --processes 1 --threads 1 --queues media` (its media-worker), `manage.py
scheduler` (the reaper),
PostgreSQL (the machine's; a database of its own), a redis-server of its own on its own
port with an append-only file (compose.yaml's), and moto's S3 server behind a TCP relay.
Faults, at the given seconds into the run:
  --kill-at    one scoring worker process gets SIGKILL; Dramatiq stops the other and
               exits (by design), and the worker is started again at once, as compose's
               restart policy does; the media worker is not touched;
  --redis-at   Redis is shut down (SIGTERM) and started again after --redis-down seconds;
  --s3-at      the relay stops for --s3-down seconds: S3's port refuses connections
               (moto keeps its objects in memory, so it is the relay that stops).
After the learners stop, the workers get --drain seconds to finish (the scheduler's
reaper requeues what a killed worker held), then the attempt ledger is read from the
database. Writes the "Load and faults (Locust)" section of docs/benchmarks.md.
Run by `make loadtest` (ops/loadtest.sh, which prepares the database and ports).
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from rest_framework_simplejwt.tokens import AccessToken

from analysis.bench.report import machine, write_section
from bench import fixture
from bench.loadtest_report import Ledger, ledger, render_section, server_exceptions
from bench.servers import free_port
from bench.takes import make_takes
from practice.models import Attempt, AttemptStatus
from scripts.models import Line, Script
from yousync.api.pagination import Pagination
from yousync.testing import Process, ProcessGroup

EMAIL_PREFIX = "loadtest-learner-"
EMAIL_PATTERN = EMAIL_PREFIX + "{}@example.com"
VAR = Path(settings.BASE_DIR) / "var" / "loadtest"
PYTHON = sys.executable
# Started by the harness, stopped after the app's processes.
BACKING = ("redis", "s3-relay", "moto")
BIN = Path(sys.executable).parent
# Think times in seconds at --think-scale 1: browsing a page, listening to the actor and
# recording (count-in, the line, a retake now and then), reading the scores.
THINK = {"browse": (3, 8), "record": (15, 30), "read": (5, 15)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10, help="learners started per s")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--kill-at", type=float, default=45)
    parser.add_argument("--redis-at", type=float, default=90)
    parser.add_argument("--redis-down", type=float, default=5)
    parser.add_argument("--s3-at", type=float, default=120)
    parser.add_argument("--s3-down", type=float, default=20)
    parser.add_argument("--drain", type=int, default=600, help="seconds for the backlog")
    parser.add_argument("--think-scale", type=float, default=1.0)
    parser.add_argument("--result-timeout", type=float, default=300)
    parser.add_argument("--catalogue-scripts", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="label the section a smoke run")
    parser.add_argument("--output", default="docs/benchmarks.md")
    parser.add_argument("--no-write", action="store_true")


def main(options: argparse.Namespace) -> int:
    if not settings.REDIS_URL or "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        print("make loadtest runs in service mode: DATABASE_URL (PostgreSQL) and REDIS_URL")
        return 2
    run = LoadTest(options)
    try:
        report = run.run()
    finally:
        run.stop()
    print(json.dumps(report["summary"], indent=2))
    if not options.no_write:
        write_section(Path(settings.BASE_DIR) / options.output, render_section(report))
    return 0 if report["ledger"].lost == 0 else 1


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


class LoadTest:
    def __init__(self, options: argparse.Namespace) -> None:
        self.o = options
        self.group = ProcessGroup("loadtest")
        self.redis_port = urlsplit(settings.REDIS_URL).port or 6379
        self.s3_port = urlsplit(os.environ["AWS_S3_ENDPOINT_URL"]).port
        self.moto_port = free_port()
        self.heartbeats = VAR / "heartbeat"
        self.events: list[tuple[float, str]] = []
        self.t0 = 0.0
        self.stopping = threading.Event()
        self.redis: Process | None = None
        self.relay: Process | None = None
        self.worker: Process | None = None
        self.media_worker: Process | None = None
        self.worker_restarts = 0
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "WORKER_HEARTBEAT_DIR": str(self.heartbeats),
        }

    # --- the backing services ----------------------------------------------------------

    def start_redis(self) -> None:
        data = VAR / "redis"
        data.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port)]
        args += ["--dir", str(data), "--appendonly", "yes", "--appendfsync", "everysec"]
        args += ["--save", ""]
        self.redis = self.group.start("redis", args, self.env)
        self._wait_port(self.redis_port, self.redis)

    def start_relay(self) -> None:
        args = [PYTHON, "-m", "bench.tcpproxy", str(self.s3_port), str(self.moto_port)]
        self.relay = self.group.start("s3-relay", args, self.env)
        self._wait_port(self.s3_port, self.relay)

    def _wait_port(self, port: int, process: Process, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.log()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{process.name} did not open port {port}")

    # --- data ---------------------------------------------------------------------------

    def prepare(self) -> dict:
        say("database, bucket, demo scenes and their reference analysis")
        call_command("migrate", verbosity=0)
        call_command("create_bucket")
        call_command("load_demo")
        subprocess.run(
            [PYTHON, "manage.py", "analyse_references"],
            check=True,
            env=self.env,
            cwd=settings.BASE_DIR,
        )
        say(f"catalogue: {self.o.catalogue_scripts} more scripts to browse (bench/fixture.py)")
        print(
            fixture.build(
                scripts=self.o.catalogue_scripts,
                learners=0,
                attempts=0,
                page_learners=(),
                tokens=VAR / "fixture-tokens.txt",
            )
        )
        say(f"{self.o.users} learners and their access tokens")
        User = get_user_model()
        emails = [EMAIL_PATTERN.format(i + 1) for i in range(self.o.users)]
        User.objects.filter(email__startswith=EMAIL_PREFIX).delete()
        password = make_password(None)  # unusable: they sign in by token only
        User.objects.bulk_create(User(email=email, password=password) for email in emails)
        tokens = []
        for user in User.objects.filter(email__in=emails).order_by("pk"):
            token = AccessToken.for_user(user)
            token.set_exp(lifetime=timedelta(hours=6))
            tokens.append(str(token))
        demo = Line.objects.filter(script__import_key__startswith="demo-").select_related("script")
        say("takes: each demo line read by espeak-ng (made once, kept in var/loadtest/takes)")
        takes = make_takes(list(demo), VAR / "takes")
        published = Script.objects.filter(is_published=True)
        scripts = list(published.values_list("id", flat=True))
        return {
            "tokens": tokens,
            "script_ids": scripts,
            "catalogue_pages": max(1, -(-len(scripts) // Pagination.page_size)),
            "lines": [
                {"id": line.id, "script_id": line.script_id, "take": str(takes[line.id])}
                for line in demo
            ],
            "think": {k: [v * self.o.think_scale for v in lows] for k, lows in THINK.items()},
            "result_timeout": self.o.result_timeout,
        }

    # --- the service --------------------------------------------------------------------

    def start_service(self) -> tuple[Process, Process]:
        say(
            "gunicorn (2 processes), uvicorn (SSE), rundramatiq on default (2 processes) "
            "and on media (1), scheduler"
        )
        web = self.group.server(self.env, command="gunicorn")
        live = self.group.server(self.env)
        self.start_worker()
        self.start_media_worker()
        if "scheduler" in get_commands():
            self.group.start("scheduler", [PYTHON, "manage.py", "scheduler"], self.env)
        self.wait_workers(timeout=300)
        return web, live

    def start_worker(self) -> None:
        """compose.yaml's worker: scoring (the `default` queue), 2 processes."""
        args = [PYTHON, "manage.py", "rundramatiq", "--processes", "2", "--threads", "1"]
        self.worker = self.group.start("worker", [*args, "--queues", "default"], self.env)

    def start_media_worker(self) -> None:
        """compose.yaml's media-worker: reels, imports, retention (the `media` queue)."""
        args = [PYTHON, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"]
        self.media_worker = self.group.start("media-worker", [*args, "--queues", "media"], self.env)

    def beating_workers(self) -> set[int]:
        if not self.worker or not self.heartbeats.is_dir():
            return set()
        children = _children(self.worker.popen.pid)
        return {int(p.name) for p in self.heartbeats.iterdir() if p.name.isdigit()} & children

    def wait_workers(self, timeout: float) -> float:
        started = time.monotonic()
        while len(self.beating_workers()) < 2:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"workers did not start:\n{self.worker.log()[-3000:]}")
            time.sleep(0.5)
        return time.monotonic() - started

    def supervise_worker(self) -> None:
        """compose's `restart: unless-stopped` for the workers."""
        while not self.stopping.wait(0.5):
            if self.media_worker and self.media_worker.popen.poll() is not None:
                code = self.media_worker.popen.returncode
                self.event(f"media worker exited (code {code}); started again")
                self.start_media_worker()
            if self.worker and self.worker.popen.poll() is not None:
                code = self.worker.popen.returncode
                self.event(f"worker exited (code {code}); started again")
                self.worker_restarts += 1
                self.start_worker()
                try:
                    seconds = self.wait_workers(timeout=300)
                    self.event(f"both worker processes beating again after {seconds:.0f} s")
                except RuntimeError:
                    self.event("worker did not come back within 300 s")

    # --- faults -------------------------------------------------------------------------

    def event(self, text: str) -> None:
        at = time.monotonic() - self.t0
        self.events.append((at, text))
        say(f"t+{at:.0f} s: {text}")

    def faults(self) -> None:
        plan = sorted(
            [
                (self.o.kill_at, self.kill_worker),
                (self.o.redis_at, self.restart_redis),
                (self.o.s3_at, self.stop_s3),
            ]
        )
        for at, fault in plan:
            if self.stopping.wait(max(0.0, self.t0 + at - time.monotonic())):
                return
            fault()

    def kill_worker(self) -> None:
        victims = sorted(self.beating_workers())
        if not victims:
            self.event("no worker process to kill")
            return
        os.kill(victims[0], signal.SIGKILL)
        self.event(f"SIGKILL to worker process {victims[0]}")

    def restart_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill(signal.SIGTERM)
        self.event(f"Redis shut down (SIGTERM); down for {self.o.redis_down:g} s")
        time.sleep(self.o.redis_down)
        self.start_redis()
        self.event("Redis started again (append-only file reloaded)")

    def stop_s3(self) -> None:
        assert self.relay is not None
        self.relay.kill(signal.SIGTERM)
        self.event(f"S3 stopped: its port refuses connections for {self.o.s3_down:g} s")
        time.sleep(self.o.s3_down)
        self.start_relay()
        self.event("S3 back")

    # --- the run ------------------------------------------------------------------------

    def run(self) -> dict:
        VAR.mkdir(parents=True, exist_ok=True)
        self.start_redis()
        self.group.start(
            "moto",
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
            self.env,
        )
        self.start_relay()
        data = self.prepare()
        web, live = self.start_service()
        data["sse_base"] = live.base_url
        data_path, accepted = VAR / "data.json", VAR / "accepted.txt"
        data_path.write_text(json.dumps(data))
        accepted.write_text("")
        csv_prefix = VAR / "locust"
        say(f"Locust: {self.o.users} learners for {self.o.duration} s")
        threading.Thread(target=self.supervise_worker, daemon=True).start()
        load_before = os.getloadavg()
        self.t0 = time.monotonic()
        started = datetime.now(UTC)
        threading.Thread(target=self.faults, daemon=True).start()
        locust_started = time.monotonic()
        locust = subprocess.run(
            [
                *(str(BIN / "locust"), "-f", "bench/locustfile.py", "--headless", "--only-summary"),
                *("--host", web.base_url, "-u", str(self.o.users), "-r", str(self.o.spawn_rate)),
                *("-t", f"{self.o.duration}s", "--stop-timeout", "60", "--csv", str(csv_prefix)),
                *("--loglevel", "WARNING"),
            ],
            cwd=settings.BASE_DIR,
            env={**self.env, "LOADTEST_DATA": str(data_path), "LOADTEST_ACCEPTED": str(accepted)},
            check=False,
        )
        locust_seconds = time.monotonic() - locust_started
        load_after = os.getloadavg()
        say(f"learners stopped; draining the queue (at most {self.o.drain} s)")
        job_ids = [j for j in accepted.read_text().split() if j]
        drained = self.drain()
        self.stopping.set()
        result: Ledger = ledger(job_ids, EMAIL_PREFIX)
        return {
            "options": self.o,
            "started": started,
            "machine": machine(),
            "load_before": load_before,
            "load_after": load_after,
            "locust_exit": locust.returncode,
            "locust_seconds": locust_seconds,
            "exceptions": server_exceptions(
                {
                    name: [p.log_path for p in self.group.processes if p.name == name]
                    for name in ("gunicorn", "uvicorn")
                }
            ),
            "csv_prefix": csv_prefix,
            "events": self.events,
            "worker_restarts": self.worker_restarts,
            "drain_seconds": drained,
            "ledger": result,
            "pool": os.environ.get("DB_POOL_MAX_SIZE", "10"),
            "summary": result.summary(),
        }

    def drain(self) -> float:
        started = time.monotonic()
        open_states = [AttemptStatus.QUEUED, AttemptStatus.RUNNING]
        while time.monotonic() - started < self.o.drain:
            waiting = Attempt.objects.filter(
                user__email__startswith=EMAIL_PREFIX, status__in=open_states
            ).count()
            if not waiting:
                break
            time.sleep(2)
        return time.monotonic() - started

    def stop(self) -> None:
        """The app's processes first, then Redis and S3 (a scheduler stopping without
        Redis cannot release its lock)."""
        self.stopping.set()
        for process in reversed(self.group.processes):
            if process.name not in BACKING:
                process.kill(signal.SIGTERM)
        self.group.stop_all()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.add(int(entry.name))
    return found
