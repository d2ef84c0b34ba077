"""Simulated learners for `make loadtest` (bench/loadtest.py starts Locust with this file).

Each learner signs in with its own JWT and, in a loop: opens a page of the catalogue,
opens a script, now and then bookmarks a line, practises one or two lines of a demo
scene (listens to the actor and records for 15-30 s, uploads a real take made by
espeak-ng, follows the progress stream until the score, opens the result and reads it),
and sometimes looks at its own pages. A failed upload is retried like the app does:
the same Idempotency-Key, after a pause. Every accepted job id is written to
$LOADTEST_ACCEPTED so the harness can check the attempt ledger in the database.

Reads $LOADTEST_DATA (JSON written by bench/loadtest.py): tokens, script ids, the
practice lines with their take files, the SSE server's address, the think times.
"""

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

from locust import HttpUser, task

DATA = json.loads(Path(os.environ["LOADTEST_DATA"]).read_text())
ACCEPTED = Path(os.environ["LOADTEST_ACCEPTED"])
TAKES = {line["id"]: Path(line["take"]).read_bytes() for line in DATA["lines"]}
LINES_BY_SCRIPT: dict[int, list[int]] = {}
for _line in DATA["lines"]:
    LINES_BY_SCRIPT.setdefault(_line["script_id"], []).append(_line["id"])
PRACTICE_SCRIPTS = sorted(LINES_BY_SCRIPT)
TOKENS = itertools.cycle(DATA["tokens"])
# Think times in seconds (scaled down for a smoke run by the harness).
THINK = DATA["think"]
FINAL = ("completed", "failed")
# How long a learner waits for a score before giving up on this take and moving on.
RESULT_TIMEOUT = DATA["result_timeout"]
UPLOAD_TRIES = 3


class Learner(HttpUser):
    # The waits are inside the sitting (think times), none between sittings.
    def wait_time(self) -> float:
        return 0

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {next(TOKENS)}"
        self.bookmarked: list[int] = []

    def think(self, kind: str) -> None:
        low, high = THINK[kind]
        time.sleep(random.uniform(low, high))  # noqa: S311 (simulated learners)

    @task
    def sitting(self) -> None:
        page = random.randint(1, DATA["catalogue_pages"])  # noqa: S311
        self.client.get(f"/api/scripts/?page={page}", name="/api/scripts/?page=[n]")
        self.think("browse")
        # Most sittings practise a demo scene (the lines with real reference audio);
        # the rest only look at another script of the catalogue.
        if random.random() < 0.7:  # noqa: S311
            script_id = random.choice(PRACTICE_SCRIPTS)  # noqa: S311
        else:
            script_id = random.choice(DATA["script_ids"])  # noqa: S311
        self.client.get(f"/api/scripts/{script_id}/", name="/api/scripts/[id]/")
        self.think("browse")
        lines = LINES_BY_SCRIPT.get(script_id, [])
        if lines and random.random() < 0.3:  # noqa: S311
            self.bookmark(random.choice(lines))  # noqa: S311
        for line_id in random.sample(lines, min(len(lines), random.randint(1, 2))):  # noqa: S311
            self.practise(line_id)
        self.my_pages()

    def bookmark(self, line_id: int) -> None:
        response = self.client.post(
            "/api/mypage/bookmarks/", json={"token_id": line_id}, name="/api/mypage/bookmarks/"
        )
        if response.status_code in (200, 201):
            self.bookmarked.append(line_id)

    def my_pages(self) -> None:
        roll = random.random()  # noqa: S311
        if roll < 0.3:
            self.client.get("/api/mypage/overview", name="/api/mypage/overview")
        elif roll < 0.5:
            self.client.get("/api/mypage/my-dubbed-tokens", name="/api/mypage/my-dubbed-tokens")
        elif roll < 0.6:
            self.client.get("/api/mypage/bookmarks/", name="/api/mypage/bookmarks/")
        elif roll < 0.65 and self.bookmarked:
            line_id = self.bookmarked.pop(0)
            self.client.delete(
                f"/api/mypage/bookmarks/{line_id}/", name="/api/mypage/bookmarks/[id]/"
            )
        self.think("browse")

    def practise(self, line_id: int) -> None:
        self.client.get(f"/api/tokens/{line_id}/", name="/api/tokens/[id]/")
        self.think("record")  # listen to the actor, count in, record
        started = time.perf_counter()
        accepted = self.upload(line_id)
        if accepted is None:
            return
        job_id = accepted["job_id"]
        with ACCEPTED.open("a") as out:
            out.write(job_id + "\n")
        status = self.follow(accepted, started) or self.poll(job_id, started)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.environment.events.request.fire(
            request_type="TAKE",
            name="upload → result",
            response_time=elapsed_ms,
            response_length=0,
            exception=None if status in FINAL else TimeoutError(f"no result in {RESULT_TIMEOUT} s"),
            context={},
        )
        if status in FINAL:
            self.client.get(
                f"/api/tokens/analysis-result/{job_id}", name="/api/tokens/analysis-result/[job]"
            )
            self.think("read")

    def upload(self, line_id: int) -> dict | None:
        key = uuid.uuid4().hex  # one per recording; retries send the same key
        for attempt in range(UPLOAD_TRIES):
            with self.client.post(
                f"/api/tokens/{line_id}/upload-audio",
                files={"audio_file": ("take.webm", TAKES[line_id], "audio/webm")},
                headers={"Idempotency-Key": key},
                name="/api/tokens/[id]/upload-audio",
                catch_response=True,
            ) as response:
                if response.status_code == 202:
                    return response.json()
                response.failure(error_kind(response))
                retry_after = response.headers.get("Retry-After")
            if 400 <= (response.status_code or 0) < 500 and response.status_code != 429:
                return None  # refused for good (the take itself): no retry
            time.sleep(float(retry_after) if retry_after else 3 * (attempt + 1))
        return None

    def follow(self, accepted: dict, started: float) -> str | None:
        """The progress stream until the final event; None when it broke off first."""
        path = "/" + accepted["progress_url"].split("://", 1)[-1].split("/", 1)[1]
        with self.client.get(
            DATA["sse_base"] + path,
            name="/api/tokens/analysis-progress/[job] (SSE)",
            stream=True,
            timeout=(10, 60),  # pings come every 15 s
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(error_kind(response))
                return None
            try:
                for raw in response.iter_lines(decode_unicode=True):
                    event = raw.split(":", 1)[1].strip() if raw.startswith("event:") else ""
                    if event in FINAL:
                        return event
                    if event == "unavailable":  # Redis went away: a clean end, poll
                        response.success()
                        return None
                    if time.perf_counter() - started > RESULT_TIMEOUT:
                        return None
            except Exception as exc:  # noqa: BLE001 (a broken stream: poll, as the app does)
                response.failure(f"stream broke: {type(exc).__name__}")
                return None
            response.failure("stream ended before the result")
        return None

    def poll(self, job_id: str, started: float) -> str | None:
        while time.perf_counter() - started < RESULT_TIMEOUT:
            response = self.client.get(
                f"/api/tokens/analysis-result/{job_id}",
                name="/api/tokens/analysis-result/[job] (poll)",
            )
            if response.status_code == 200 and response.json().get("status") in FINAL:
                return response.json()["status"]
            time.sleep(2)
        return None


def error_kind(response) -> str:
    """`HTTP 503 code` from our JSON errors, `HTTP 502` otherwise, or the exception."""
    if response.status_code == 0:
        error = getattr(response, "error", None)
        return type(error).__name__ if error else "no response"
    try:
        code = response.json().get("code", "")
    except ValueError:
        code = ""
    return f"HTTP {response.status_code} {code}".strip()
