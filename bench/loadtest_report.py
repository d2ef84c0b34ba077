"""The load test's figures: the attempt ledger from the database, Locust's statistics from
its CSV files, and the "Load and faults (Locust)" section of docs/benchmarks.md."""

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from practice.models import Attempt, AttemptStatus

SECTION = "## Load and faults (Locust)"
TAKE = "TAKE"  # the locustfile's own entry: upload start → result seen


@dataclass
class Ledger:
    """Every take the learners uploaded, as the database has it after the drain."""

    accepted: int  # distinct job ids answered 202
    uploaded: int  # attempt rows of the load test's learners
    completed: int
    failed: Counter = field(default_factory=Counter)  # error_code → count
    failed_without_reason: int = 0
    still_open: int = 0  # queued or running after the drain
    accepted_missing: int = 0  # answered 202, no row
    not_seen_by_client: int = 0  # a row whose 202 never reached the learner
    server_latency: list[float] = field(default_factory=list)  # created → finished, s

    @property
    def lost(self) -> int:
        return self.failed_without_reason + self.still_open + self.accepted_missing

    @property
    def balanced(self) -> bool:
        failed = sum(self.failed.values())
        return self.uploaded == self.completed + failed + self.still_open

    def summary(self) -> dict:
        return {
            "accepted": self.accepted,
            "uploaded": self.uploaded,
            "completed": self.completed,
            "failed_with_a_reason": dict(self.failed),
            "failed_without_reason": self.failed_without_reason,
            "still_open": self.still_open,
            "accepted_missing": self.accepted_missing,
            "lost": self.lost,
        }


def ledger(job_ids: list[str], email_prefix: str) -> Ledger:
    rows = list(
        Attempt.objects.filter(user__email__startswith=email_prefix).values(
            "job_id", "status", "error_code", "error_message", "created_at", "finished_at"
        )
    )
    accepted = set(job_ids)
    in_db = {str(row["job_id"]) for row in rows}
    result = Ledger(
        accepted=len(accepted),
        uploaded=len(rows),
        completed=sum(row["status"] == AttemptStatus.COMPLETED for row in rows),
        accepted_missing=len(accepted - in_db),
        not_seen_by_client=len(in_db - accepted),
    )
    for row in rows:
        if row["status"] == AttemptStatus.FAILED:
            if row["error_code"] or row["error_message"]:
                result.failed[row["error_code"] or "unnamed"] += 1
            else:
                result.failed_without_reason += 1
        elif row["status"] != AttemptStatus.COMPLETED:
            result.still_open += 1
        if row["status"] == AttemptStatus.COMPLETED and row["finished_at"]:
            seconds = (row["finished_at"] - row["created_at"]).total_seconds()
            result.server_latency.append(seconds)
    return result


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def error_kind(error: str) -> str:
    """Locust's error text, shortened to its kind: `HTTP 500 server_error`,
    `ConnectionError`, `stream broke: ChunkedEncodingError`."""
    text = error.strip()
    wrapped = re.match(r"^CatchResponseError\(['\"](.*)['\"]\)$", text, re.S)
    if wrapped:
        return wrapped.group(1)
    status = re.search(r"(\d{3}) (?:Client|Server) Error", text)
    if status:
        return f"HTTP {status.group(1)}"
    return re.split(r"[(:]", text, maxsplit=1)[0]


EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout\w*)): ", re.M)


def server_exceptions(logs: dict[str, list[Path]]) -> Counter:
    """(server, exception class) → count, from the servers' logs: JSON lines with an
    `exception` (Django's request log) and plain tracebacks (uvicorn's)."""
    found: Counter = Counter()
    for server, paths in logs.items():
        for path in paths:
            text = path.read_text(errors="replace") if path.exists() else ""
            for line in text.splitlines():
                if line.startswith("{") and '"exception"' in line:
                    try:
                        exception = json.loads(line)["exception"]
                    except (ValueError, KeyError):
                        continue
                    names = EXCEPTION_LINE.findall(exception)
                    found[(server, names[-1] if names else "unknown")] += 1
            # uvicorn prints unhandled ASGI errors as plain tracebacks.
            for block in text.split("ERROR:    Exception in ASGI application")[1:]:
                names = EXCEPTION_LINE.findall(block.split("\n{", 1)[0])
                found[(server, names[-1] if names else "unknown")] += 1
    return found


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _ms(value: str) -> str:
    return f"{float(value):.0f} ms" if value not in ("", "N/A") else "—"


def _ms_as_s(value: str) -> str:
    return f"{float(value) / 1000:.1f} s" if value not in ("", "N/A") else "—"


def _s(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "—"


def render_section(report: dict) -> str:
    o, led = report["options"], report["ledger"]
    stats = _rows(Path(f"{report['csv_prefix']}_stats.csv"))
    failures = _rows(Path(f"{report['csv_prefix']}_failures.csv"))
    requests = [r for r in stats if r["Name"] != "Aggregated" and r["Type"] != TAKE]
    take = next((r for r in stats if r["Type"] == TAKE), None)
    total = sum(int(r["Request Count"]) for r in requests)
    failed = sum(int(r["Failure Count"]) for r in requests)
    rps = total / max(1.0, report["locust_seconds"])
    kinds: Counter = Counter()
    for row in failures:
        if row["Method"] != TAKE:
            kinds[(error_kind(row["Error"]), row["Name"])] += int(row["Occurrences"])
    label = (
        "**Smoke run, not the figures**: a short run on a busy machine that proves the "
        "campaign works end to end. "
        if o.smoke
        else ""
    )
    load = " / ".join(f"{v:.2f}" for v in report["load_before"])
    load_end = " / ".join(f"{v:.2f}" for v in report["load_after"])
    lines = [
        SECTION,
        "",
        f"{label}Measured {report['started']:%Y-%m-%d %H:%M} UTC on {report['machine']}; "
        f"load average {load} at the start, {load_end} at the end. "
        f"{o.users} simulated learners (Locust, `bench/locustfile.py`, started at "
        f"{o.spawn_rate:g}/s) for {o.duration} s, think times × {o.think_scale:g}: each "
        "browses a catalogue page and a script, sometimes bookmarks a line, practises one "
        "or two demo lines (listens and records 15–30 s, uploads a WebM/Opus take made by "
        "espeak-ng, follows the SSE stream to the score, opens the result and reads it for "
        "5–15 s) and sometimes opens its own pages.",
        "",
        "Service mode, all on this machine: gunicorn with `ops/gunicorn.conf.py` (2 "
        "processes × `GUNICORN_THREADS`), uvicorn for the SSE stream, `rundramatiq "
        "--processes 2 --threads 1 --queues default` (compose.yaml's worker: scoring) and "
        "`--processes 1 --queues media` (its media-worker), `manage.py scheduler`, "
        f"PostgreSQL (pool {report['pool']} per process), a Redis of its own with an "
        "append-only file, moto's S3 server behind a TCP relay. Per-address API limits are "
        "off (every learner comes from 127.0.0.1), per-learner limits as in production.",
        "",
        "Faults during the run:",
        "",
        *[f"- t+{at:.0f} s: {text}" for at, text in report["events"]],
        "",
        f"**{rps:.1f} requests/s**: {total} requests in {report['locust_seconds']:.0f} s "
        "(the run, then the learners finishing the take in hand), "
        f"{failed} failed ({failed / max(1, total):.1%}).",
        "",
        "| endpoint | requests | failures | req/s | p50 | p95 | p99 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| `{r['Type']} {r['Name']}` | {r['Request Count']} | {r['Failure Count']} "
            f"| {float(r['Requests/s']):.2f} | {_ms(r['50%'])} | {_ms(r['95%'])} "
            f"| {_ms(r['99%'])} |"
            for r in requests
        ],
        "",
        "Upload to result (upload start → the final event on the SSE stream, or a poll of "
        "the result after the stream broke): "
        + (
            f"p50 **{_ms_as_s(take['50%'])}**, p95 **{_ms_as_s(take['95%'])}** over "
            f"{take['Request Count']} takes ({take['Failure Count']} without a result "
            f"within {o.result_timeout:g} s; "
            f"{max(0, led.accepted - int(take['Request Count']))} still waiting when the "
            "learners stopped are only in the database's figure)"
            if take
            else "no take finished"
        )
        + f". In the database (attempt created → finished, completed takes): p50 "
        f"{_s(_percentile(led.server_latency, 50))}, p95 "
        f"{_s(_percentile(led.server_latency, 95))}.",
        "",
        "Errors by kind:",
        "",
        "| kind | endpoint | count |",
        "| --- | --- | --- |",
        *(
            [f"| {kind} | `{name}` | {count} |" for (kind, name), count in kinds.most_common()]
            or ["| none | | 0 |"]
        ),
        "",
        "Unhandled exceptions in the servers' logs (what the 5xx above were):",
        "",
        "| server | exception | count |",
        "| --- | --- | --- |",
        *(
            [
                f"| {server} | `{name}` | {count} |"
                for (server, name), count in report["exceptions"].most_common()
            ]
            or ["| none | | 0 |"]
        ),
        "",
        "Attempt ledger (database, after the learners stopped and the queue drained in "
        f"{report['drain_seconds']:.0f} s, at most {o.drain} s for the workers and the "
        f"reaper; the worker was restarted {report['worker_restarts']} time(s)):",
        "",
        "| uploaded | completed | failed with a reason | still queued or running | "
        "answered 202 but no row | failed without a reason | **lost** |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {led.uploaded} | {led.completed} | {sum(led.failed.values())} "
        f"({_reasons(led.failed)}) | {led.still_open} | {led.accepted_missing} "
        f"| {led.failed_without_reason} | **{led.lost}** |",
        "",
        f"uploaded = completed + failed with a reason + still open: "
        f"{'yes' if led.balanced else 'NO'}; {led.accepted} distinct job ids answered 202 "
        f"to the learners (retries with the same Idempotency-Key return the same attempt), "
        f"{led.not_seen_by_client} attempts whose 202 never reached the learner.",
        "",
        "Run: `make loadtest` (ops/loadtest.sh; options in ARGS, e.g. "
        "`make loadtest ARGS='--users 20 --duration 30 --smoke'`).",
        "",
    ]
    return "\n".join(lines)


def _reasons(failed: Counter) -> str:
    return ", ".join(f"{code} {count}" for code, count in failed.most_common()) or "none"
