import os
import time

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from yousync.healthchecks import (
    WorkerHeartbeat,
    _pid_alive,
    check_scheduler,
    check_worker,
    main,
)
from yousync.testing import child_env


def test_check_worker_passes_with_a_fresh_heartbeat_of_a_live_process(tmp_path):
    (tmp_path / str(os.getpid())).write_text("now\n")

    healthy, message = check_worker(tmp_path, max_age=30)

    assert healthy, message
    assert message == "1 worker process(es) beating"


def test_check_worker_fails_when_a_live_process_stopped_beating(tmp_path):
    beat = tmp_path / str(os.getpid())
    beat.write_text("then\n")
    os.utime(beat, (time.time() - 120, time.time() - 120))

    healthy, message = check_worker(tmp_path, max_age=30)

    assert not healthy
    assert f"pid {os.getpid()}: 120 s" in message


def test_check_worker_ignores_heartbeats_of_processes_that_are_gone(tmp_path):
    # pid_max is at most 2**22: this pid does not exist.
    (tmp_path / str(2**22 + 5)).write_text("old\n")

    healthy, message = check_worker(tmp_path, max_age=30)

    assert not healthy
    assert "no live worker process" in message


def test_worker_heartbeat_beats_while_the_worker_runs_and_stops_at_shutdown(tmp_path):
    broker = StubBroker()
    broker.add_middleware(WorkerHeartbeat(str(tmp_path)))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)

    worker.start()
    try:
        deadline = time.monotonic() + 5
        while not (tmp_path / str(os.getpid())).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        healthy, message = check_worker(tmp_path, max_age=30)
    finally:
        worker.stop()

    assert healthy, message
    assert not (tmp_path / str(os.getpid())).exists()


def test_worker_heartbeat_is_off_without_a_directory(tmp_path, settings):
    settings.WORKER_HEARTBEAT_DIR = ""
    broker = StubBroker()
    heartbeat = WorkerHeartbeat()
    broker.add_middleware(heartbeat)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)

    worker.start()
    worker.stop()

    assert heartbeat._path is None


@pytest.mark.parametrize("process", ["worker", "scheduler"])
def test_healthcheck_command_fails_without_its_configuration(process, monkeypatch, capsys):
    monkeypatch.delenv("WORKER_HEARTBEAT_DIR", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)

    assert main([process]) == 1
    assert "not set" in capsys.readouterr().err


def test_check_scheduler_reports_an_unreachable_redis():
    healthy, message = check_scheduler("redis://127.0.0.1:1/0")

    assert not healthy
    assert message.startswith("Redis unreachable")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_healthcheck_passes_for_a_real_worker_and_fails_once_it_is_killed(processes, tmp_path):
    heartbeats = tmp_path / "heartbeat"
    env = child_env(WORKER_HEARTBEAT_DIR=str(heartbeats))
    worker = processes.worker(env)

    deadline = time.monotonic() + 120
    while not (heartbeats.is_dir() and any(heartbeats.iterdir())):
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.5)
    alive = main(["worker", "--dir", str(heartbeats)])
    worker.kill()  # SIGKILL to rundramatiq and its worker process
    # SIGKILL is delivered at once but a busy machine may take a moment to end the forked
    # worker process: the container's check runs again, so wait for the kernel, not longer.
    pids = [int(path.name) for path in heartbeats.iterdir() if path.name.isdigit()]
    deadline = time.monotonic() + 10
    while any(_pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    dead = main(["worker", "--dir", str(heartbeats)])

    assert alive == 0
    assert dead == 1
