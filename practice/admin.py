from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from practice import services
from practice.models import Attempt, AttemptStatus, Bookmark, PracticeSession


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """The attempts monitor: what is queued, running, failed, and a way to re-run."""

    list_display = [
        "job_id",
        "user",
        "line",
        "status",
        "stage",
        "progress",
        "overall",
        "tries",
        "created_at",
        "recording_link",
    ]
    list_filter = ["status", "error_code", "created_at"]
    search_fields = ["job_id", "user__email", "line__text"]
    list_select_related = ["user", "line"]
    date_hierarchy = "created_at"
    actions = ["rerun"]
    readonly_fields = [f.name for f in Attempt._meta.fields if f.name not in ("id",)] + [
        "recording_link"
    ]
    exclude = ["recording"]

    @admin.display(description=_("recording"))
    def recording_link(self, obj: Attempt):
        if not obj.recording:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.recording.url, _("listen")
        )

    @admin.action(description=_("Re-run scoring"))
    def rerun(self, request, queryset):
        count = 0
        for attempt in queryset.exclude(status=AttemptStatus.RUNNING):
            services.attempt_requeue(attempt=attempt)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d attempt queued again.", "%(n)d attempts queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.attempts_delete(attempts=Attempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.attempts_delete(attempts=queryset)


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "script", "started_at", "last_activity_at"]
    list_select_related = ["user", "script"]
    search_fields = ["user__email", "script__title"]
    raw_id_fields = ["user", "script"]


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ["user", "line", "created_at"]
    list_select_related = ["user", "line"]
    raw_id_fields = ["user", "line"]
