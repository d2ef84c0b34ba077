"""Scene dubbing: a learner's session in one role of a script, the takes of its lines
(ordinary practice Attempts, linked here so practice knows nothing of dubbing), the
dubbed reel and its share links."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SceneSession(models.Model):
    """One learner dubbing one role (an actor) of one script."""

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scene_sessions"
    )
    script = models.ForeignKey(
        "scripts.Script",
        on_delete=models.CASCADE,
        related_name="scene_sessions",
        verbose_name=_("script"),
    )
    actor = models.ForeignKey(
        "scripts.Actor",
        on_delete=models.PROTECT,
        related_name="scene_sessions",
        verbose_name=_("role"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scene session")
        verbose_name_plural = _("scene sessions")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-updated_at"], name="scene_session_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.script} · {self.actor}"


class SceneTake(models.Model):
    """A take of one of the session's lines: a practice Attempt, scored like any other.
    At most one take per line is the chosen one that goes into the reel."""

    session = models.ForeignKey(SceneSession, on_delete=models.CASCADE, related_name="takes")
    line = models.ForeignKey("scripts.Line", on_delete=models.CASCADE, related_name="+")
    attempt = models.OneToOneField(
        "practice.Attempt", on_delete=models.CASCADE, related_name="scene_take"
    )
    chosen = models.BooleanField(_("chosen"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("scene take")
        verbose_name_plural = _("scene takes")
        ordering = ["session", "line", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "line"], condition=Q(chosen=True), name="scene_take_one_chosen"
            )
        ]
        indexes = [models.Index(fields=["session", "line"], name="scene_take_session_line")]

    def __str__(self) -> str:
        return f"{self.session_id} · line {self.line_id} · {self.attempt_id}"


class ReelStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Reel(models.Model):
    """The scene with the learner's chosen takes in place of their role, and subtitles."""

    session = models.OneToOneField(SceneSession, on_delete=models.CASCADE, related_name="reel")
    job_id = models.UUIDField(_("job id"), default=uuid.uuid4, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReelStatus.choices, default=ReelStatus.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    # [{"line_id", "job_id"}]: the takes it is (being) built from, in line order.
    takes = models.JSONField(_("takes"), default=list, blank=True)
    audio_m4a = models.FileField(_("reel (AAC)"), upload_to="reels/%Y/%m/", blank=True)
    audio_opus = models.FileField(_("reel (Opus)"), upload_to="reels/%Y/%m/", blank=True)
    subtitles_srt = models.TextField(_("subtitles (SRT)"), blank=True)
    subtitles_vtt = models.TextField(_("subtitles (WebVTT)"), blank=True)
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    build_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    requested_at = models.DateTimeField(_("requested"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("reel")
        verbose_name_plural = _("reels")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reel_progress_max"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in (ReelStatus.READY, ReelStatus.FAILED)


class ReelShare(models.Model):
    """A link that plays a reel without an account, until revoked or expired."""

    reel = models.ForeignKey(Reel, on_delete=models.CASCADE, related_name="shares")
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("reel share link")
        verbose_name_plural = _("reel share links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reel_id} · {self.token[:6]}…"
