"""Periodic jobs: one table (yousync/schedule.py), sent by one scheduler."""

import subprocess
import sys
import time

import dramatiq
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import learner, line
from yousync.schedule import schedule_jobs
from yousync.testing import BASE_DIR, child_env, database_url_for_children

__all__ = ["learner", "line"]


def scheduled(settings) -> dict:
    scheduler = BackgroundScheduler()
    schedule_jobs(scheduler)
    return {job.name: job for job in scheduler.get_jobs()}


def test_the_schedule_has_the_reaper_retention_and_the_statistics_check(settings):
    settings.REAPER_INTERVAL_SECONDS = 45
    settings.REDIS_URL = ""

    jobs = scheduled(settings)

    assert set(jobs) == {
        "reap_stale_attempts",
        "check_learner_stats",
        "expire_recordings",
        "sweep_direct_uploads",
        "purge_partner_audio",
    }
    reaper = jobs["reap_stale_attempts"].trigger
    assert isinstance(reaper, IntervalTrigger)
    assert reaper.interval.total_seconds() == 45
    assert str(jobs["expire_recordings"].trigger).startswith("cron[")


def test_service_mode_also_keeps_the_admin_task_list_short(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.DRAMATIQ_TASKS_MAX_AGE_DAYS = 3

    job = scheduled(settings)["delete_old_tasks"]

    assert job.kwargs == {"max_task_age": 3 * 86400}


def test_a_scheduled_run_sends_the_job_to_the_workers_queue(settings):
    broker = dramatiq.get_broker()
    broker.flush_all()

    for job in scheduled(settings).values():
        job.func(*job.args, **job.kwargs)

    sent = sorted(
        dramatiq.Message.decode(raw).actor_name
        for queue in broker.queues.values()
        for raw in list(queue.queue)
    )
    broker.flush_all()
    assert sent == sorted(
        [
            "reap_stale_attempts",
            "check_learner_stats",
            "expire_recordings",
            "sweep_direct_uploads",
            "purge_partner_audio",
        ]
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_embedded_server_runs_the_reaper_on_its_own_thread(processes, learner, line):
    # `manage.py serve` without REDIS_URL (the in-process broker; this run's database):
    # its scheduler thread sends the reaper job and its worker thread runs it.
    stale = Attempt.objects.create(
        user=learner,
        line=line,
        content_type="audio/wav",
        size_bytes=10,
        duration=2.0,
        recording="attempts/take.wav",
        status=AttemptStatus.RUNNING,
        tries=5,
    )
    Attempt.objects.filter(id=stale.id).update(updated_at=stale.created_at.replace(year=2020))
    env = child_env(embedded=True, ATTEMPT_STALE_SECONDS="1", REAPER_INTERVAL_SECONDS="1")
    env["DATABASE_URL"] = database_url_for_children()

    server = processes.server(env, command="serve")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stale.refresh_from_db()
        if stale.status == AttemptStatus.FAILED:
            break
        time.sleep(0.5)

    assert "In-process scheduler: reap_stale_attempts" in server.log()
    assert stale.status == AttemptStatus.FAILED, server.log()[-2000:]
    assert stale.error_code == "stalled"


@pytest.mark.integration
def test_a_second_scheduler_waits_for_the_first_and_gives_up(processes):
    env = child_env(REAPER_INTERVAL_SECONDS="1")
    first = processes.scheduler(env)
    time.sleep(8)  # the first takes the lock
    second = processes.scheduler(env)

    second.popen.wait(timeout=60)

    assert second.popen.returncode == 0
    assert "Another scheduler is already running." in second.log()
    assert first.popen.poll() is None, first.log()
    assert "Starting scheduler" in first.log()


def test_scheduler_command_lists_its_jobs():
    result = subprocess.run(
        [sys.executable, "manage.py", "help", "scheduler"],
        cwd=BASE_DIR,
        env=child_env(embedded=True),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "periodic jobs" in result.stdout
