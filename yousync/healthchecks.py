"""Health checks for the processes that serve no HTTP: the worker and the scheduler.

compose.yaml runs them as `python -m yousync.healthchecks worker|scheduler`. They set up
neither Django nor the engine, so a check costs a fraction of a second.

- **worker**: every worker process (`rundramatiq`) writes a heartbeat file, named by its
  pid, into `WORKER_HEARTBEAT_DIR` every `HEARTBEAT_SECONDS`, but only while its
  consumer and worker threads are alive and the broker answers (Redis `PING`). The
  check passes when at least one live process has a heartbeat and none of the live
  ones is older than `--max-age` seconds: a process whose threads died or that lost
  Redis stops beating and the container turns unhealthy. A process that exits takes
  `rundramatiq` down with it (Dramatiq stops the others), and the restart policy
  brings the container back.
- **scheduler**: `manage.py scheduler` holds dramatiq-crontab's Redis lock
  (`dramatiq-scheduler`, 10 s, renewed every 5 s) while it runs; the check passes while
  the lock is held. There is one scheduler per deployment, so the holder is this one.
"""

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path

import dramatiq
import redis
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
# Three missed beats: a process that is only busy (a job holds the GIL for a moment) is
# not declared dead; one that stopped is noticed within a minute.
MAX_AGE_SECONDS = 3 * HEARTBEAT_SECONDS
# dramatiq-crontab's lock name (dramatiq_crontab/utils.py).
SCHEDULER_LOCK = "dramatiq-scheduler"


class WorkerHeartbeat(dramatiq.Middleware):
    """Writes `<dir>/<pid>` every HEARTBEAT_SECONDS while the worker can work; off
    when no directory is given (settings.WORKER_HEARTBEAT_DIR empty)."""

    def __init__(self, directory: str | None = None) -> None:
        self._directory = directory
        self._stop = threading.Event()
        self._path: Path | None = None

    def _heartbeat_dir(self) -> str:
        if self._directory is not None:
            return self._directory
        return settings.WORKER_HEARTBEAT_DIR

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        directory = self._heartbeat_dir()
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        self._path = Path(directory) / str(os.getpid())
        self._stop.clear()
        threading.Thread(
            target=self._beat, args=(broker, worker), name="worker-heartbeat", daemon=True
        ).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._path is not None:
            self._path.unlink(missing_ok=True)

    def _beat(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        while not self._stop.is_set():
            problem = worker_problem(broker, worker)
            if problem:
                logger.warning("worker heartbeat skipped: %s", problem)
            elif self._path is not None:
                self._path.write_text(f"{time.time():.0f}\n")
            self._stop.wait(HEARTBEAT_SECONDS)


def worker_problem(broker: dramatiq.Broker, worker: dramatiq.Worker) -> str:
    """Why this worker cannot work now, or "" when it can."""
    dead = [t.name for t in [*worker.consumers.values(), *worker.workers] if not t.is_alive()]
    if dead:
        return f"threads stopped: {', '.join(dead)}"
    client = getattr(broker, "client", None)  # RedisBroker; the StubBroker has none
    if client is not None:
        try:
            client.ping()
        except redis.RedisError as exc:
            return f"broker unreachable: {exc.__class__.__name__}"
    return ""


def _pid_alive(pid: int) -> bool:
    """True for a running process; a killed one that its parent has not reaped yet (a
    zombie, state Z in /proc) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: the signal check is all there is
    return state not in ("Z", "X")


def check_worker(directory: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """(healthy, message) from the heartbeat files in `directory`."""
    now = time.time() if now is None else now
    beats = {}
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name.isdigit() and _pid_alive(int(path.name)):
                beats[int(path.name)] = now - path.stat().st_mtime
    if not beats:
        return False, f"no live worker process has written a heartbeat in {directory}"
    stale = {pid: age for pid, age in beats.items() if age > max_age}
    if stale:
        ages = ", ".join(f"pid {pid}: {age:.0f} s" for pid, age in sorted(stale.items()))
        return False, f"heartbeat older than {max_age:.0f} s ({ages})"
    return True, f"{len(beats)} worker process(es) beating"


def check_scheduler(redis_url: str) -> tuple[bool, str]:
    if not redis_url:
        return False, "REDIS_URL is not set"
    try:
        held = redis.Redis.from_url(redis_url, socket_timeout=3).exists(SCHEDULER_LOCK)
    except redis.RedisError as exc:
        return False, f"Redis unreachable: {exc.__class__.__name__}"
    if not held:
        return False, f"no scheduler holds the {SCHEDULER_LOCK!r} lock"
    return True, "scheduler lock held"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yousync.healthchecks", description=__doc__)
    parser.add_argument("process", choices=["worker", "scheduler"])
    parser.add_argument("--dir", default=os.environ.get("WORKER_HEARTBEAT_DIR", ""))
    parser.add_argument("--max-age", type=float, default=MAX_AGE_SECONDS)
    options = parser.parse_args(argv)
    if options.process == "worker":
        if not options.dir:
            print("WORKER_HEARTBEAT_DIR is not set", file=sys.stderr)
            return 1
        healthy, message = check_worker(Path(options.dir), options.max_age)
    else:
        healthy, message = check_scheduler(os.environ.get("REDIS_URL", ""))
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
