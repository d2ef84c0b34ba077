"""End-to-end benchmark of the practice loop with the production process model.

Latency: upload accepted (202) to the final WebSocket message, one worker process,
5 s recordings, sequential. Throughput: a burst of attempts with two worker processes.
Writes the "Practice loop" section of docs/benchmarks.md. Run by `make bench`
(`python -m bench practice`). Uploads go through the API, as the practice page's do.
"""

import argparse
import asyncio
import io
import json
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests
import soundfile as sf
import websockets
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from analysis.bench.report import machine, write_section
from scripts.models import Line
from yousync.testing import ProcessGroup, child_env

SECTION = "## Practice loop (end to end)"


def espeak(text: str, voice: str) -> bytes:
    return subprocess.run(
        ["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True
    ).stdout


def five_second_take(text: str) -> bytes:
    """The line read by another voice, padded with quiet room noise to 5.0 s."""
    samples, rate = sf.read(io.BytesIO(espeak(text, "en-us+f3")), dtype="float32")
    total = int(5.0 * rate)
    lead = int(0.3 * rate)
    out = np.random.default_rng(1).normal(0, 3e-4, total).astype(np.float32)
    speech = samples[: total - lead]
    out[lead : lead + len(speech)] += speech
    buffer = io.BytesIO()
    sf.write(buffer, out, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


class CommandError(Exception):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--burst", type=int, default=24)
    parser.add_argument("--output", default="docs/benchmarks.md")


def main(options: argparse.Namespace) -> int:
    PracticeBench().run(runs=options.runs, burst=options.burst, output=options.output)
    return 0


class PracticeBench:
    def run(self, *, runs: int, burst: int, output: str) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "python -m bench practice needs service mode (REDIS_URL, DATABASE_URL)."
            )
        line = Line.objects.filter(script__kind="movie", script__is_published=True).first()
        if line is None:
            raise CommandError("No demo content: run `manage.py load_demo` first.")
        user, _ = get_user_model().objects.get_or_create(email="bench@example.com")
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        take = five_second_take(line.text)
        # The page's upload path (the API, session + CSRF) without the per-learner upload
        # limit: the burst measures scoring throughput, not the limit.
        env = child_env(API_THROTTLE_UPLOAD="off")

        group = ProcessGroup("bench")
        try:
            server = group.server(env)
            worker = group.worker(env, queues=["default"])  # scoring, as in compose
            session = self._session(server, cookie, line)
            self._wait_ready(session, server, line, take)  # worker booted and warm
            latencies, totals = [], []
            for _ in range(runs):
                total, latency = asyncio.run(self._one(session, server, line, take, cookie))
                latencies.append(latency)
                totals.append(total)
            worker.kill()
            group.worker(env, queues=["default"])
            group.worker(env, queues=["default"])
            self._wait_ready(session, server, line, take)
            per_minute, burst_seconds = self._burst(session, server, line, take, burst)
        finally:
            group.stop_all()

        result = {
            "runs": runs,
            "latency_median": statistics.median(latencies),
            "latency_p95": percentile(latencies, 95),
            "total_median": statistics.median(totals),
            "burst": burst,
            "burst_seconds": burst_seconds,
            "per_minute": per_minute,
        }
        self._write(Path(settings.BASE_DIR) / output, result)
        print(json.dumps(result, indent=2))

    def _session(self, server, cookie: str, line) -> requests.Session:
        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        # The practice page sets the CSRF cookie its script sends with each upload.
        page = session.get(f"{server.base_url}/lines/{line.id}/practice/", timeout=10)
        page.raise_for_status()
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
        return session

    def _post(self, session, server, line, take) -> tuple[dict, float]:
        started = time.perf_counter()
        response = session.post(
            f"{server.base_url}/api/tokens/{line.id}/upload-audio",
            files={"audio_file": ("take.wav", take, "audio/wav")},
            timeout=30,
        )
        if response.status_code != 202:
            raise CommandError(f"upload failed: {response.status_code} {response.text[:300]}")
        return response.json(), started

    async def _one(self, session, server, line, take, cookie) -> tuple[float, float]:
        body, started = await asyncio.to_thread(self._post, session, server, line, take)
        accepted = time.perf_counter()
        url = f"ws://127.0.0.1:{server.port}/ws/attempts/{body['job_id']}/"
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
        async with websockets.connect(
            url, origin=server.base_url, additional_headers=headers
        ) as ws:
            async for raw in ws:
                state = json.loads(raw)
                if state["status"] in ("completed", "failed"):
                    if state["status"] == "failed":
                        raise CommandError(f"attempt failed: {state}")
                    break
        done = time.perf_counter()
        return done - started, done - accepted

    def _wait_ready(self, session, server, line, take) -> None:
        for _ in range(2):
            asyncio.run(
                self._one(
                    session, server, line, take, session.cookies.get(settings.SESSION_COOKIE_NAME)
                )
            )

    def _burst(self, session, server, line, take, count: int) -> tuple[float, float]:
        from practice.models import Attempt, AttemptStatus

        started = time.perf_counter()
        job_ids = [self._post(session, server, line, take)[0]["job_id"] for _ in range(count)]
        while True:
            done = Attempt.objects.filter(
                job_id__in=job_ids, status__in=[AttemptStatus.COMPLETED, AttemptStatus.FAILED]
            ).count()
            if done == count:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        return count / seconds * 60, seconds

    def _write(self, path: Path, r: dict) -> None:
        section = "\n".join(
            [
                SECTION,
                "",
                f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
                "uvicorn + `rundramatiq` worker processes, PostgreSQL, Redis, local file storage. "
                "5.0 s recordings (espeak-ng, another voice than the reference), warm workers, "
                "reference analysis cached after the first attempt.",
                "",
                "| measure | value |",
                "| --- | --- |",
                f"| upload accepted → final WebSocket message, median of {r['runs']} | "
                f"{r['latency_median']:.2f} s |",
                f"| same, p95 | {r['latency_p95']:.2f} s |",
                f"| upload start → final message, median | {r['total_median']:.2f} s |",
                f"| throughput, 2 worker processes, burst of {r['burst']} | "
                f"{r['per_minute']:.0f} attempts/min ({r['burst_seconds']:.1f} s) |",
                "",
                "Target: median at most 1.5 s end to end. Run: `make bench`.",
                "",
            ]
        )
        write_section(path, section)
