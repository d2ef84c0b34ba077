"""Throughput of the mobile API's read endpoints with the production process model.

uvicorn with 2 worker processes, PostgreSQL, Redis, on the data of `bench_api_fixture`;
`wrk -t2 -c32 -d15s --latency` per endpoint, repeated, medians reported. Before each run
the CPU must be quiet (other processes on this 2-core machine would skew it); the load
is written next to each result. Queries per request are counted in-process for two
sizes of data, to show that they do not grow. Writes the "API throughput (wrk)"
section of docs/benchmarks.md. Run by `make bench` (ops/bench_api.sh).
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from analysis.bench.report import write_section
from scripts.models import Line, Script

SECTION = "## API throughput (wrk)"
TARGET_RPS = 700
TARGET_P99_MS = 120
ENDPOINTS = [
    ("scripts", "/api/scripts/"),
    ("script", "/api/scripts/{script}/"),
    ("overview", "/api/mypage/overview"),
    ("dubbed", "/api/mypage/my-dubbed-tokens"),
]
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all CPUs in use over `seconds` (from /proc/stat)."""

    def sample():
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return idle, sum(fields)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the processes of a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[2] is the process group (5th in stat)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and p50 and p99):
        raise CommandError(f"cannot read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": float(rps[1]),
        "requests": int(requests[1]) if requests else 0,
        "p50": to_ms(p50[1]),
        "p99": to_ms(p99[1]),
        "non_2xx": int(bad[1]) if bad else 0,
        "socket_errors": errors[0] if errors else "",
    }


def _run_rps(result: dict) -> str:
    return " / ".join(f"{run['rps']:.0f}" for run in result["runs"])


class Command(BaseCommand):
    help = "wrk against the API's read endpoints under uvicorn (2 workers); see docs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tokens", default=str(Path(settings.VAR_DIR) / "bench" / "api-tokens.txt")
        )
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--connections", type=int, default=32)
        parser.add_argument("--duration", type=int, default=15)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--only", default="", help="Comma-separated endpoint names.")
        parser.add_argument("--max-busy", type=float, default=0.25, help="CPU share.")
        parser.add_argument("--output", default="docs/benchmarks.md")
        parser.add_argument("--no-write", action="store_true")
        parser.add_argument(
            "--skip-django-path",
            action="store_true",
            help="Do not measure again with API_RESPONSE_CACHE=0 (every request via Django).",
        )

    def handle(self, *args, **o):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("bench_api needs service mode (DATABASE_URL, REDIS_URL).")
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed (ops/bench_api.sh installs it).")
        script = Script.objects.filter(import_key__startswith="bench-", is_published=True)
        script = script.order_by("pk").first()
        if script is None or not Path(o["tokens"]).exists():
            raise CommandError("No bench data: run `manage.py bench_api_fixture` first.")
        endpoints = [
            (name, path.format(script=script.pk))
            for name, path in ENDPOINTS
            if not o["only"] or name in o["only"].split(",")
        ]
        queries = self._query_counts(endpoints, script)
        self.stdout.write(json.dumps(queries, indent=2))

        started = datetime.now(UTC)
        results = self._measure(endpoints, o, env={})
        django_path = {}
        if not o["skip_django_path"]:
            self.stdout.write("Again with API_RESPONSE_CACHE=0: every request through Django")
            django_path = self._measure(endpoints, o, env={"API_RESPONSE_CACHE": "0"})
        report = {
            "started": started,
            "options": o,
            "results": results,
            "django_path": django_path,
            "queries": queries,
        }
        self._summary(report)
        if not o["no_write"]:
            self._write(Path(settings.BASE_DIR) / o["output"], report)

    def _measure(self, endpoints, o: dict, *, env: dict) -> dict:
        port = self._free_port()
        server = self._start_server(port, o["workers"], env)
        results = {}
        try:
            base = f"http://127.0.0.1:{port}"
            for name, path in endpoints:
                status = self._status(base + path, o["tokens"])
                if status != 200:
                    results[name] = {"path": path, "status": status, "runs": []}
                    self.stdout.write(f"{path}: HTTP {status}, not measured")
                    continue
                self._wrk(base + path, o, seconds=3)  # warm-up: caches, connections
                runs = []
                for _ in range(o["repeat"]):
                    busy, load = self._quiet(o["max_busy"])
                    cpu_before = group_cpu_seconds(server.pid)
                    run = self._wrk(base + path, o, seconds=o["duration"])
                    cpu = group_cpu_seconds(server.pid) - cpu_before
                    run.update(
                        busy_before=busy,
                        load=load,
                        load_after=load_average(),
                        server_cpu_ms=1000 * cpu / max(1, run["requests"]),
                    )
                    runs.append(run)
                    self.stdout.write(f"{path}: {json.dumps(run)}")
                results[name] = {"path": path, "status": status, "runs": runs}
        finally:
            self._stop(server)
        for name, share in self._answered_before_django(endpoints).items():
            results[name]["kept_share"] = share
        return results

    def _answered_before_django(self, endpoints) -> dict[str, float | None]:
        """Per endpoint, the share of the server's requests (warm-ups included) that the
        ASGI layer answered from a kept response, from the request log."""
        counts = {path: [0, 0] for _name, path in endpoints}
        for row in self.server_log.read_text().splitlines():
            if '"yousync.request"' not in row:
                continue
            try:
                entry = json.loads(row)
            except ValueError:
                continue
            if entry.get("path") in counts:
                counts[entry["path"]][0] += 1
                counts[entry["path"]][1] += entry.get("cache") == "hit"
        return {
            name: (counts[path][1] / counts[path][0] if counts[path][0] else None)
            for name, path in endpoints
        }

    # --- queries per request ------------------------------------------------------------

    def _query_counts(self, endpoints, script) -> dict:
        """Queries of a cold and of a repeated request, on the bench data and on smaller
        data made inside a transaction that is rolled back."""
        User = get_user_model()
        learner = User.objects.filter(email__startswith="bench-learner-").order_by("pk").first()
        counts: dict[str, dict] = {}
        with override_settings(CACHES=LOCAL_CACHE), transaction.atomic():
            big = self._count(endpoints, learner, script)
            caches["default"].clear()  # the small data's first requests are cold too
            small_script, small_learner = self._small_data(script, learner)
            small_endpoints = [
                (name, path.replace(f"/{script.pk}/", f"/{small_script.pk}/"))
                for name, path in endpoints
            ]
            small = self._count(small_endpoints, small_learner, small_script)
            transaction.set_rollback(True)
        for name, _path in endpoints:
            counts[name] = {"bench": big[name], "small": small[name]}
        return counts

    def _small_data(self, script, learner):
        """A script with 3 lines, 30 more published scripts, a learner with 5 attempts."""
        from practice.models import Attempt
        from scripts.management.commands.bench_api_fixture import learner_stats_rebuild_hook

        small = Script.objects.create(
            title="Small", work_title="Small", kind="movie", is_published=True
        )
        lines = [
            Line(
                script=small,
                position=i + 1,
                text=f"Small line {i}.",
                start_time=i,
                end_time=i + 0.5,
                reference_audio="lines/bench/reference.flac",
                duration=0.5,
                audio_status="ok",
            )
            for i in range(3)
        ]
        Line.objects.bulk_create(lines)
        Script.objects.bulk_create(
            Script(title=f"Extra {i}", work_title="Extra", kind="song", is_published=True)
            for i in range(30)
        )
        user = get_user_model().objects.create(email="bench-small@example.com")
        template = Attempt.objects.filter(user=learner).order_by("pk")[:5]
        copies = list(template)
        for attempt in copies:
            attempt.pk = None
            attempt.job_id = uuid.uuid4()
            attempt.user = user
            attempt.session = None
        Attempt.objects.bulk_create(copies)
        rebuild = learner_stats_rebuild_hook()
        if rebuild:
            rebuild(user_id=user.pk)
        return small, user

    def _count(self, endpoints, user, script) -> dict:
        token = str(AccessToken.for_user(user))
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        out = {}
        for name, path in endpoints:
            per_request = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as captured:
                    status = client.get(path).status_code
                per_request.append(len(captured) if status == 200 else None)
            out[name] = {"cold": per_request[0], "repeat": per_request[1], "status": status}
        return out

    # --- the server and wrk -------------------------------------------------------------

    def _free_port(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _start_server(self, port: int, workers: int, env: dict) -> subprocess.Popen:
        extra = os.environ.get("BENCH_UVICORN_ARGS", "").split()
        args = [sys.executable, "-m", "uvicorn", "yousync.asgi:application"]
        args += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        args += ["--lifespan", "off", *extra]
        log_dir = Path(settings.VAR_DIR) / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.server_args = args[2:]
        self.server_log = log_dir / "uvicorn.log"
        log = self.server_log.open("w")
        server = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            # As in the Dockerfile: each request's log line is written when it is made.
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"uvicorn exited; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    time.sleep(2)  # both workers up
                    return server
            except OSError:
                time.sleep(0.3)
        self._stop(server)
        raise CommandError("uvicorn did not answer /healthz in 60 s")

    def _server_command(self) -> str:
        args = ["uvicorn", *self.server_args[1:]]
        args[args.index("--port") + 1] = "PORT"
        return " ".join(args)

    def _stop(self, server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    def _status(self, url: str, tokens: str) -> int:
        token = Path(tokens).read_text().split()[0]
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def _quiet(self, max_busy: float) -> tuple[float, str]:
        """Wait (up to 2 minutes) until other processes leave the CPU mostly idle."""
        deadline = time.monotonic() + 120
        busy = cpu_busy()
        while busy > max_busy and time.monotonic() < deadline:
            self.stdout.write(f"CPU {busy:.0%} busy before the run; waiting")
            time.sleep(5)
            busy = cpu_busy()
        return busy, load_average()

    def _wrk(self, url: str, o: dict, *, seconds: int) -> dict:
        lua = Path(settings.BASE_DIR) / "ops" / "bench_api.lua"
        env = {**os.environ, "BENCH_TOKENS": str(Path(o["tokens"]).resolve())}
        args = ["wrk", f"-t{o['threads']}", f"-c{o['connections']}", f"-d{seconds}s"]
        args += ["--latency", "-s", str(lua), url]
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
        return parse_wrk(done.stdout)

    # --- report ---------------------------------------------------------------------------

    def _summary(self, report: dict) -> None:
        for label, results in (("", report["results"]), ("django path ", report["django_path"])):
            self._medians(label, results)

    def _medians(self, label: str, results: dict) -> None:
        for name, result in results.items():
            runs = result["runs"]
            if runs:
                result["rps"] = statistics.median(r["rps"] for r in runs)
                result["p50"] = statistics.median(r["p50"] for r in runs)
                result["p99"] = statistics.median(r["p99"] for r in runs)
                result["server_cpu_ms"] = statistics.median(r["server_cpu_ms"] for r in runs)
                result["non_2xx"] = sum(r["non_2xx"] for r in runs)
                result["passed"] = (
                    result["rps"] >= TARGET_RPS
                    and result["p99"] <= TARGET_P99_MS
                    and not result["non_2xx"]
                )
            self.stdout.write(
                f"{label}{name}: "
                + json.dumps({k: v for k, v in result.items() if k != "runs"}, default=str)
            )

    def _queries_cell(self, counts: dict) -> str:
        bench, small = counts["bench"], counts["small"]
        if bench["cold"] is None:
            return "—"
        constant = bench["cold"] == small["cold"] and bench["repeat"] == small["repeat"]
        cell = (
            f"{bench['cold']}"
            if bench["cold"] == bench["repeat"]
            else f"{bench['cold']} first, {bench['repeat']} cached"
        )
        if constant:
            return cell + " (same on small data)"
        return cell + f" (small data: {small['cold']} first, {small['repeat']} cached)"

    def _write(self, path: Path, report: dict) -> None:
        o = report["options"]
        cpu = "unknown CPU"
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
        rows = []
        for name, result in report["results"].items():
            queries = self._queries_cell(report["queries"][name])
            if not result["runs"]:
                rows.append(
                    f"| `GET {result['path']}` | HTTP {result['status']}: not measured "
                    f"| | | | | {queries} | — | |"
                )
                continue
            runs = _run_rps(result)
            busy = "/".join(f"{r['busy_before']:.0%}" for r in result["runs"])
            loads = f"{busy} CPU; load {result['runs'][-1]['load'].split(' / ')[0]}"
            verdict = "pass" if result["passed"] else "**fail**"
            kept = result.get("kept_share")
            kept = f"{kept:.1%}" if kept is not None else "—"
            rows.append(
                f"| `GET {result['path']}` | **{result['rps']:.0f}** ({runs}) "
                f"| {result['p50']:.1f} ms | **{result['p99']:.1f} ms** "
                f"| {result['non_2xx']} | {result['server_cpu_ms']:.1f} ms | {kept} "
                f"| {queries} | {verdict} | {loads} |"
            )
        django_rows = [
            f"| `GET {result['path']}` | {result['rps']:.0f} ({_run_rps(result)}) "
            f"| {result['p50']:.1f} ms | {result['p99']:.1f} ms | {result['non_2xx']} "
            f"| {result['server_cpu_ms']:.1f} ms |"
            for result in report["django_path"].values()
            if result["runs"]
        ]
        django_table = []
        if django_rows:
            django_table = [
                "The same runs with `API_RESPONSE_CACHE=0`, so that every request goes "
                "through Django's middleware and views (the per-learner statistics rows "
                "and the catalogue body cache still apply). This is what the first request "
                "after a change costs, and what browsers (cookies, CORS) always get:",
                "",
                "| endpoint | req/s, median | p50 | p99 | non-2xx | server CPU per request |",
                "| --- | --- | --- | --- | --- | --- |",
                *django_rows,
                "",
            ]
        started = report["started"]
        section = "\n".join(
            [
                SECTION,
                "",
                f"Measured {started:%Y-%m-%d %H:%M} UTC on {cpu}, {os.cpu_count()} cores "
                f"(load average at the end: {load_average()}). Server: "
                f"`{self._server_command()}` with DEBUG off, "
                "PostgreSQL and Redis on the same machine; wrk on the same machine too. "
                f"Data (`manage.py bench_api_fixture`): "
                f"{Script.objects.filter(import_key__startswith='bench-').count()} published "
                f"scripts × 20 lines, 100 learners × 100 scored attempts over 60 days. Each "
                f"request carries a learner's JWT, rotating over the 100 learners "
                f"(`ops/bench_api.lua`).",
                "",
                f"Command: `wrk -t{o['threads']} -c{o['connections']} -d{o['duration']}s "
                f"--latency -s ops/bench_api.lua URL`, {o['repeat']} runs per endpoint after "
                f"a 3 s warm-up, each started only when the CPU was at most "
                f"{o['max_busy']:.0%} busy; medians (every run's req/s in brackets).",
                "",
                "| endpoint | req/s, median | p50 | p99 | non-2xx | server CPU per request "
                "| answered before Django | queries per request "
                "| target ≥ 700 req/s, p99 ≤ 120 ms | before the runs |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
                *rows,
                "",
                "With the production settings the app's repeated reads are answered from "
                "whole responses kept in Redis by an ASGI layer in front of Django "
                '(docs/api.md, "Kept answers"); "answered before Django" is the share of '
                "the server's requests to that endpoint, warm-up included, answered that "
                "way (from the request log). The rest, and every first request per learner "
                "and page, went through Django and were kept. Nothing was written during "
                'the runs, so nothing was dropped. "Queries per request" are those of the '
                "Django path; an answer kept before Django makes none.",
                "",
                *django_table,
                "Queries are counted in-process (Django test client, same settings) on the "
                "bench data and again on small data (a 3-line script, 30 more scripts, a "
                'learner with 5 attempts); "cached" is a repeat of the same request. '
                "Server CPU is the user + system time of the uvicorn processes divided by the "
                "requests served; unlike req/s it hardly depends on what else the machine "
                "runs at the time. "
                "Run: `make bench-api` (or `make bench`, which runs every benchmark).",
                "",
            ]
        )
        write_section(path, section)
