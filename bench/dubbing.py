"""Scene dubbing in service mode: how soon the reel is ready after the last take is
scored, and whether single takes are scored as fast while reels are being built.

A 30 s scene of 6 lines in 2 roles (espeak-ng voices), dubbed in one role with takes in
another voice. Processes as in production: uvicorn, one `rundramatiq` worker on the
`default` queue (scoring) and one on `media` (reels). Each run: a new session, its 3
takes uploaded through the API and scored by the engine, then the reel requested; the
figure is from the last take's completion to the reel being ready (request, queue,
build, storage). Then single takes are timed (upload accepted to scored) in pairs, one
with no reel building and one while reels are built back to back, alternating so that
drift in the machine's load falls on both sides alike. Writes the "Scene dubbing"
section of docs/benchmarks.md; run by `make bench` (`python -m bench dubbing`).
"""

import argparse
import io
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests
import soundfile as sf
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from rest_framework_simplejwt.tokens import RefreshToken

from analysis.bench.report import machine, write_section
from dubbing.models import Reel, ReelStatus
from practice.models import FINAL_STATUSES, Attempt, AttemptStatus
from scripts import audio as clips
from scripts.models import Actor, AudioStatus, Line, Script
from yousync.testing import ProcessGroup, child_env

SECTION = "## Scene dubbing (reels)"
KEY = "bench-dubbing-scene"
RATE = 16_000
SCENE_SECONDS = 30.0
LINES = [
    ("Ada", "en-us+f3", "We should have left an hour ago."),
    ("Ben", "en-gb+m3", "The bridge was closed, what could we do?"),
    ("Ada", "en-us+f3", "Take the long road, like everyone else."),
    ("Ben", "en-gb+m3", "Everyone else was stuck in the rain."),
    ("Ada", "en-us+f3", "Then tell me why we are still here."),
    ("Ben", "en-gb+m3", "Because you wanted to see the stars."),
]
TARGET_SECONDS = 3.0


class CommandError(Exception):
    pass


def espeak(text: str, voice: str) -> np.ndarray:
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True
    ).stdout
    samples = clips.decode(io.BytesIO(wav))  # 16 kHz mono
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1]


def wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def make_scene() -> tuple[Script, Actor, dict[int, bytes]]:
    """The scene (made once, kept by its key) and a take for each of Ada's lines."""
    Script.objects.filter(import_key=KEY).delete()
    script = Script.objects.create(
        title="Bench scene",
        work_title="Bench",
        kind="movie",
        language="en",
        is_published=True,
        import_key=KEY,
    )
    scene = np.random.default_rng(0).normal(0, 3e-4, int(SCENE_SECONDS * RATE)).astype(np.float32)
    actors = {name: Actor.objects.create(name=name) for name in ("Ada", "Ben")}
    takes: dict[int, bytes] = {}
    slot = SCENE_SECONDS / len(LINES)
    for position, (speaker, voice, text) in enumerate(LINES, start=1):
        said = espeak(text, voice)[: int((slot - 1.2) * RATE)]
        start = (position - 1) * slot + 0.8
        first = int(start * RATE)
        scene[first : first + len(said)] += 0.8 * said
        end = start + len(said) / RATE
        clip = scene[int((start - 0.15) * RATE) : int((end + 0.15) * RATE)]
        line = Line(
            script=script,
            actor=actors[speaker],
            position=position,
            text=text,
            start_time=round(start, 3),
            end_time=round(end, 3),
            duration=len(clip) / RATE,
            audio_status=AudioStatus.OK,
        )
        line.reference_audio.save(
            f"bench-{position}.flac", ContentFile(clips.to_flac(clip)), save=False
        )
        line.save()
        if speaker == "Ada":
            take = espeak(text, "en-us+m7")
            padded = np.concatenate(
                [
                    np.zeros(int(0.15 * RATE), np.float32),
                    take,
                    np.zeros(int(0.3 * RATE), np.float32),
                ]
            )
            takes[line.pk] = wav(padded)
    script.scene_audio.save("bench-scene.wav", ContentFile(wav(scene)), save=True)
    return script, actors["Ada"], takes


def wait_for(check, timeout: float = 120.0, step: float = 0.01):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise CommandError("timed out")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--takes", type=int, default=10, help="pairs of single takes timed")
    parser.add_argument("--output", default="docs/benchmarks.md")


def main(options: argparse.Namespace) -> int:
    if not settings.REDIS_URL:
        raise CommandError("python -m bench dubbing needs service mode (REDIS_URL, DATABASE_URL)")
    user, _ = get_user_model().objects.get_or_create(email="bench-dubbing@example.com")
    script, role, takes = make_scene()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {RefreshToken.for_user(user).access_token}"
    env = child_env(API_THROTTLE_UPLOAD="off")
    group = ProcessGroup("bench-dubbing")
    py = [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"]
    try:
        server = group.server(env)
        group.start("worker-default", [*py, "--queues", "default"], env)
        group.start("worker-media", [*py, "--queues", "media"], env)
        api = server.base_url + "/api"

        def new_session() -> str:
            answer = http.post(
                f"{api}/scene-sessions",
                json={"script_id": script.pk, "actor_id": role.pk},
                timeout=10,
            )
            answer.raise_for_status()
            return answer.json()["id"]

        def upload(session_id: str, line_id: int) -> str:
            answer = http.post(
                f"{api}/scene-sessions/{session_id}/tokens/{line_id}/upload-audio",
                files={"audio_file": ("take.wav", takes[line_id], "audio/wav")},
                timeout=30,
            )
            if answer.status_code != 202:
                raise CommandError(f"upload failed: {answer.status_code} {answer.text[:300]}")
            return answer.json()["job_id"]

        def scored(job_ids: list[str]) -> bool:
            rows = Attempt.objects.filter(job_id__in=job_ids, status__in=FINAL_STATUSES)
            if rows.filter(status=AttemptStatus.FAILED).exists():
                raise CommandError("a take failed scoring")
            return rows.count() == len(job_ids)

        def dub_once() -> tuple[float, float]:
            session_id = new_session()
            job_ids = [upload(session_id, line_id) for line_id in takes]
            wait_for(lambda: scored(job_ids))
            last_scored = time.perf_counter()
            http.post(f"{api}/scene-sessions/{session_id}/reel", timeout=10).raise_for_status()
            reel = wait_for(
                lambda: Reel.objects.filter(
                    session__public_id=session_id, status__in=[ReelStatus.READY, ReelStatus.FAILED]
                ).first()
            )
            ready = time.perf_counter()
            if reel.status != ReelStatus.READY:
                raise CommandError(f"reel failed: {reel.error_message}")
            return ready - last_scored, reel.build_seconds or 0.0

        dub_once()  # warm: engine models, first reel
        after_scored, builds = zip(*(dub_once() for _ in range(options.runs)), strict=True)

        line_id = next(iter(takes))
        session_id = new_session()

        def one_take() -> float:
            job_id = upload(session_id, line_id)
            accepted = time.perf_counter()
            wait_for(lambda: scored([job_id]))
            return time.perf_counter() - accepted

        # Reels built back to back on the media worker while `building` is set.
        busy_session = new_session()
        for other in takes:
            job = upload(busy_session, other)
            wait_for(lambda job=job: scored([job]))
        building, stop, idle_now = threading.Event(), threading.Event(), threading.Event()
        idle_now.set()
        reels_built = [0]
        builder_http = requests.Session()
        builder_http.headers.update(http.headers)

        def build_reels() -> None:
            url = f"{api}/scene-sessions/{busy_session}/reel"
            while not stop.is_set():
                if not building.wait(timeout=0.1):
                    idle_now.set()
                    continue
                idle_now.clear()
                builder_http.delete(url, timeout=10)
                builder_http.post(url, timeout=10)
                wait_for(
                    lambda: Reel.objects.filter(
                        session__public_id=busy_session, status=ReelStatus.READY
                    ).exists(),
                    step=0.05,
                )
                reels_built[0] += 1

        builder = threading.Thread(target=build_reels, daemon=True)
        builder.start()
        idle: list[float] = []
        busy: list[float] = []
        for _ in range(options.takes):
            building.clear()
            idle_now.wait(timeout=60)  # the reel in hand is finished
            idle.append(one_take())
            building.set()
            time.sleep(0.3)  # a reel is being built when the take arrives
            busy.append(one_take())
        building.clear()
        stop.set()
        builder.join(timeout=60)
    finally:
        group.stop_all()

    result = {
        "runs": options.runs,
        "ready_after_scored_median": statistics.median(after_scored),
        "ready_after_scored_max": max(after_scored),
        "build_median": statistics.median(builds),
        "take_idle_median": statistics.median(idle),
        "take_busy_median": statistics.median(busy),
        "take_busy_ratio": statistics.median(b / i for b, i in zip(busy, idle, strict=True)),
        "takes": options.takes,
        "reels_during": reels_built[0],
    }
    write(Path(settings.BASE_DIR) / options.output, result)
    print(json.dumps(result, indent=2))
    return 0


def write(path: Path, r: dict) -> None:
    verdict = "met" if r["ready_after_scored_max"] <= TARGET_SECONDS else "NOT met"
    section = "\n".join(
        [
            SECTION,
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; uvicorn, one "
            "`rundramatiq` worker on `default` (scoring) and one on `media` (reels), "
            "PostgreSQL, Redis, local file storage. A 30 s scene, 6 lines in 2 roles "
            "(espeak-ng), dubbed in one role (3 takes in another voice).",
            "",
            "| measure | value |",
            "| --- | --- |",
            f"| last take scored → reel ready, median of {r['runs']} "
            f"| {r['ready_after_scored_median']:.2f} s |",
            f"| same, slowest | {r['ready_after_scored_max']:.2f} s |",
            "| reel build in the worker (decode, mix, AAC + Opus, store), median "
            f"| {r['build_median']:.2f} s |",
            f"| single take, upload accepted → scored, no reel building (median of {r['takes']}) "
            f"| {r['take_idle_median']:.2f} s |",
            f"| same, while reels are built back to back ({r['reels_during']} built) "
            f"| {r['take_busy_median']:.2f} s |",
            "| while reels build ÷ without, median of the pairs (taken alternately) "
            f"| {r['take_busy_ratio']:.2f}× |",
            "",
            f"Target: reel ready ≤ {TARGET_SECONDS:.0f} s after the last take is scored "
            f"({verdict}); "
            "single-take scoring unchanged while reels build (the media queue has its own "
            "worker). Run: `make bench` (`python -m bench dubbing`).",
            "",
        ]
    )
    write_section(path, section)
