"""Periodic jobs: what runs when, in one table.

The jobs are ordinary Dramatiq actors; the scheduler only sends their messages and the
workers run them. In service mode the scheduler is one process, `manage.py scheduler`
(dramatiq-crontab's `crontab` command: APScheduler, with a Redis lock so a second
scheduler waits instead of sending everything twice). Embedded, `manage.py serve` runs
the same table on a thread beside its in-process worker. docs/operations.md.
"""

from dataclasses import dataclass

import dramatiq
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.utils import timezone
from django_dramatiq.tasks import delete_old_tasks

from analysis.tasks import reap_stale_attempts
from partners.tasks import purge_partner_audio
from practice.tasks import expire_recordings, sweep_direct_uploads
from yousync.tasks import check_learner_stats


@dataclass(frozen=True)
class PeriodicJob:
    actor: dramatiq.Actor
    # Either every `seconds`, or a crontab line in the site's TIME_ZONE.
    seconds: int | None = None
    crontab: str = ""
    kwargs: tuple[tuple[str, object], ...] = ()

    def trigger(self) -> BaseTrigger:
        zone = timezone.get_default_timezone()
        if self.seconds:
            return IntervalTrigger(seconds=self.seconds, timezone=zone)
        return CronTrigger.from_crontab(self.crontab, timezone=zone)


def periodic_jobs() -> list[PeriodicJob]:
    jobs = [
        # Attempts stranded by a killed worker: requeued, or failed after ATTEMPT_MAX_TRIES.
        PeriodicJob(reap_stale_attempts, seconds=settings.REAPER_INTERVAL_SECONDS),
        # Learners' totals compared with their attempts; drifted ones rebuilt.
        PeriodicJob(check_learner_stats, crontab="40 4 * * *"),
        # Retention (practice/retention.py): recordings past RECORDING_RETENTION_DAYS,
        # and direct uploads to the bucket never confirmed.
        PeriodicJob(expire_recordings, crontab="15 4 * * *"),
        PeriodicJob(sweep_direct_uploads, crontab="5 * * * *"),
        # Partners' recordings past their plan's retention (docs/partners.md).
        PeriodicJob(purge_partner_audio, crontab="25 * * * *"),
    ]
    if settings.REDIS_URL:
        # The admin's task list (django_dramatiq's rows, service mode only) kept short.
        max_age = settings.DRAMATIQ_TASKS_MAX_AGE_DAYS * 86400
        jobs.append(
            PeriodicJob(delete_old_tasks, crontab="50 4 * * *", kwargs=(("max_task_age", max_age),))
        )
    return jobs


def schedule_jobs(scheduler: BaseScheduler) -> list[PeriodicJob]:
    """Add every periodic job to `scheduler` (not started here)."""
    jobs = periodic_jobs()
    for job in jobs:
        scheduler.add_job(
            job.actor.send,
            job.trigger(),
            kwargs=dict(job.kwargs),
            name=job.actor.actor_name,
            id=job.actor.actor_name,
            replace_existing=True,
            # A run missed while the scheduler was down is sent once when it is back.
            coalesce=True,
            misfire_grace_time=None if job.crontab else 30,
            # Interval jobs (the reaper) also run as the scheduler starts.
            **({"next_run_time": timezone.now()} if job.seconds else {}),
        )
    return jobs
