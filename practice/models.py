import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the engine's types only: practice does not load the engine
    from analysis.engine.types import StoredFeedback


class AttemptStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Scoring")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


FINAL_STATUSES = (AttemptStatus.COMPLETED, AttemptStatus.FAILED)
# Attempts that count as practice: a failed one is a scoring problem, not practice.
COUNTED_STATUSES = (AttemptStatus.QUEUED, AttemptStatus.RUNNING, AttemptStatus.COMPLETED)
SCORE_FIELDS = ("pronunciation", "intonation", "timing", "emotion", "overall")


class PracticeSession(models.Model):
    """One sitting of a learner on a script: starts with an attempt, ends when idle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions"
    )
    script = models.ForeignKey(
        "scripts.Script", on_delete=models.CASCADE, related_name="practice_sessions"
    )
    started_at = models.DateTimeField(_("started"))
    last_activity_at = models.DateTimeField(_("last activity"))

    class Meta:
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["user", "script", "-last_activity_at"], name="session_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_activity_at__gte=models.F("started_at")),
                name="session_activity_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.script} · {self.started_at:%Y-%m-%d %H:%M}"


class Attempt(models.Model):
    """A learner's recording of a line and, once scored, its result."""

    job_id = models.UUIDField(_("job id"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    line = models.ForeignKey("scripts.Line", on_delete=models.CASCADE, related_name="attempts")
    session = models.ForeignKey(
        PracticeSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
    )
    # Emptied when the recording expires (RECORDING_RETENTION_DAYS, practice.retention);
    # the scores and feedback stay.
    recording = models.FileField(
        _("recording"), upload_to="attempts/%Y/%m/", max_length=255, blank=True
    )
    recording_expired_at = models.DateTimeField(_("recording deleted"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=64)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    duration = models.FloatField(_("duration (s)"))
    # A client-chosen key: a retried or double-clicked submit returns the first attempt.
    idempotency_key = models.CharField(max_length=64, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    tries = models.PositiveSmallIntegerField(
        _("tries"), default=0, help_text=_("Times a worker started scoring it.")
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(_("error"), blank=True)

    pronunciation = models.FloatField(null=True, blank=True)
    intonation = models.FloatField(null=True, blank=True)
    timing = models.FloatField(null=True, blank=True)
    emotion = models.FloatField(null=True, blank=True)
    overall = models.FloatField(null=True, blank=True)
    detailed_feedback: "models.JSONField[StoredFeedback | None, StoredFeedback | None]" = (
        models.JSONField(null=True, blank=True)
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="attempt_user_recent"),
            models.Index(fields=["user", "line", "-created_at"], name="attempt_user_line"),
            models.Index(fields=["status", "updated_at"], name="attempt_status_age"),
            # Recordings still kept, oldest first: what retention looks for.
            models.Index(
                fields=["created_at"],
                condition=Q(recording_expired_at__isnull=True),
                name="attempt_recording_kept",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="attempt_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="attempt_progress_max"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": 0, f"{name}__lte": 100}),
                    name=f"attempt_{name}_0_100",
                )
                for name in SCORE_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def recording_expired(self) -> bool:
        """The recording was deleted after RECORDING_RETENTION_DAYS; nothing to play."""
        return self.recording_expired_at is not None


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    line = models.ForeignKey("scripts.Line", on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "line"], name="bookmark_user_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.line_id}"


# --- Per-learner statistics, kept current by practice.learner_stats when attempts change ---
# Reads (overview, dubbed lines, bookmarks) come from these rows instead of aggregating a
# learner's whole attempt history on every request. "Counted" attempts are those not
# failed; scores come from completed attempts.


class LearnerLineStats(models.Model):
    """One learner's record on one line."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="line_stats"
    )
    line = models.ForeignKey("scripts.Line", on_delete=models.CASCADE, related_name="learner_stats")
    attempt_count = models.PositiveIntegerField(default=0)
    scored_count = models.PositiveIntegerField(default=0)
    best_overall = models.FloatField(null=True, blank=True)
    first_overall = models.FloatField(null=True, blank=True)
    last_overall = models.FloatField(null=True, blank=True)
    # {dimension: score}: the best of each dimension, and the last scored attempt's scores.
    best_scores = models.JSONField(default=dict, blank=True)
    last_scores = models.JSONField(default=dict, blank=True)
    last_job_id = models.UUIDField(null=True, blank=True)
    # The takes behind best_overall and last_overall, for links from the history.
    best_job_id = models.UUIDField(null=True, blank=True)
    last_scored_job_id = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField()
    last_scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("learner's line record")
        verbose_name_plural = _("learners' line records")
        constraints = [
            models.UniqueConstraint(fields=["user", "line"], name="line_stats_user_line_unique")
        ]
        indexes = [
            models.Index(fields=["user", "-last_attempt_at"], name="line_stats_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · line {self.line_id}: {self.attempt_count}"


class LearnerDay(models.Model):
    """One learner's practice on one day (the site's time zone)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_days"
    )
    day = models.DateField()
    attempt_count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    scored_count = models.PositiveIntegerField(default=0)
    # {dimension: sum of the day's completed scores} and {dimension: how many there are}:
    # pronunciation is not assessed in every language, so a dimension can have fewer
    # scores than scored_count. Rows written before score_counts have it empty, from when
    # every dimension had scored_count scores.
    score_sums = models.JSONField(default=dict, blank=True)
    score_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("learner's day")
        verbose_name_plural = _("learners' days")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="learner_day_user_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.day}: {self.attempt_count}"


class LearnerStats(models.Model):
    """One learner's totals and streak."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="practice_stats",
    )
    attempt_count = models.PositiveIntegerField(default=0)
    scored_count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    lines_practised = models.PositiveIntegerField(default=0)
    days_practised = models.PositiveIntegerField(default=0)
    score_averages = models.JSONField(default=dict, blank=True)
    best_overall = models.FloatField(null=True, blank=True)
    # The run of consecutive days ending on last_day; whether it is still "current"
    # depends on today, so reads decide that.
    last_day = models.DateField(null=True, blank=True)
    run_days = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner's statistics")
        verbose_name_plural = _("learners' statistics")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.attempt_count} attempts"
