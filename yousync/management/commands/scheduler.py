"""Run the periodic jobs of yousync/schedule.py: one process per deployment.

dramatiq-crontab's `crontab` command does the running: APScheduler in the foreground,
and in service mode a Redis lock, so a second scheduler started by mistake waits and
then exits instead of sending every job twice. SIGTERM and SIGINT stop it cleanly.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from dramatiq_crontab import scheduler

from yousync.schedule import schedule_jobs


class Command(BaseCommand):
    help = "Send the periodic jobs (reaper, retention, statistics check) to the workers."

    def handle(self, *args, **options):
        for job in schedule_jobs(scheduler):
            when = f"every {job.seconds} s" if job.seconds else f"at '{job.crontab}'"
            self.stdout.write(f"Scheduled {job.actor.actor_name} {when}.")
        call_command("crontab", no_task_loading=True, no_heartbeat=True)
