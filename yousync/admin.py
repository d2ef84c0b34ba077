"""The admin's view of the job queue: django_dramatiq's task list (service mode, where
its AdminMiddleware records each job; rows kept DRAMATIQ_TASKS_MAX_AGE_DAYS by a
scheduled cleanup) with each queue's depth and each job's failure rate on top."""

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_dramatiq.admin import TaskAdmin
from django_dramatiq.models import Task

from yousync.metrics import queue_depths

FAILURE_WINDOW = timedelta(hours=24)


def job_failure_rates(*, since: timedelta = FAILURE_WINDOW) -> list[dict[str, Any]]:
    """Per actor, how many jobs ended in the window done and how many failed."""
    rows = (
        Task.tasks.filter(updated_at__gte=timezone.now() - since)
        .values("actor_name")
        .annotate(
            done=Count("id", filter=Q(status=Task.STATUS_DONE)),
            failed=Count("id", filter=Q(status=Task.STATUS_FAILED)),
        )
        .order_by("actor_name")
    )
    return [row for row in rows if row["done"] + row["failed"]]


admin.site.unregister(Task)


@admin.register(Task)
class JobAdmin(TaskAdmin):
    change_list_template = "admin/django_dramatiq/task/jobs_change_list.html"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "queue_depths": sorted(queue_depths().items()),
            "failure_rates": job_failure_rates(),
            "failure_window_hours": int(FAILURE_WINDOW.total_seconds() // 3600),
        }
        return super().changelist_view(request, extra_context=context)
