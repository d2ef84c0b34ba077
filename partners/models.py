"""Partners (organisations using the scoring API), their API keys, scoring jobs, callback
deliveries and daily usage. Partner jobs reuse the engine but are not learners' Attempts."""

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scripts.models import Line


class Scope(models.TextChoices):
    ASSESS = "assess", _("Score recordings (assess)")
    CATALOGUE_READ = "catalogue:read", _("Read the catalogue (catalogue:read)")


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("Per API key, every endpoint."),
    )
    monthly_audio_seconds = models.PositiveIntegerField(
        _("audio seconds per month"),
        default=3600,
        help_text=_("Seconds of audio scored per calendar month (UTC), per partner."),
    )
    audio_retention_days = models.PositiveIntegerField(
        _("keep audio (days)"),
        default=0,
        help_text=_("0: the partner's recordings are deleted as soon as they are scored."),
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    name = models.CharField(_("organisation"), max_length=200, unique=True)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="partners", verbose_name=_("plan")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive partners' keys are all refused.")
    )
    # Signs our callbacks to the partner (HMAC-SHA256); the partner keeps a copy.
    callback_secret = models.CharField(_("callback signing secret"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key is `ys_live_<prefix><secret>`; only its prefix (to find it) and the SHA-256
    of the whole key are stored. The key itself is shown once, when it is made."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="keys", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. production server"))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.display})"

    @property
    def display(self) -> str:
        return f"ys_live_{self.prefix}…"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")


FINAL_JOB_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED)


class Reference(models.TextChoices):
    """What a partner's take is compared with."""

    ACTOR = "actor", _("the catalogue line's actor")
    RECORDING = "recording", _("the partner's reference recording")
    SYNTHETIC = "synthetic", _("a synthetic reading of the text")


class PartnerJob(models.Model):
    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("partner")
    )
    key = models.ForeignKey(
        ApiKey, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("API key")
    )
    line = models.ForeignKey(
        Line, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("line")
    )
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8)
    kind = models.CharField(_("kind"), max_length=16, default="movie")
    reference = models.CharField(_("reference"), max_length=16, choices=Reference.choices)
    feedback_language = models.CharField(_("feedback language"), max_length=8, default="en")
    audio = models.FileField(_("audio"), upload_to="partners/%Y/%m/", blank=True)
    reference_audio = models.FileField(
        _("reference audio"), upload_to="partners/%Y/%m/", blank=True
    )
    content_type = models.CharField(max_length=40)
    audio_seconds = models.FloatField(_("audio seconds"))
    callback_url = models.URLField(_("callback URL"), max_length=1000, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    pronunciation = models.FloatField(null=True, blank=True)
    intonation = models.FloatField(null=True, blank=True)
    timing = models.FloatField(null=True, blank=True)
    emotion = models.FloatField(null=True, blank=True)
    overall = models.FloatField(null=True, blank=True)
    detailed_feedback = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(
        _("latency (ms)"), null=True, blank=True, help_text=_("From accepted to scored.")
    )
    audio_delete_after = models.DateTimeField(null=True, blank=True, db_index=True)
    audio_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scoring job")
        verbose_name_plural = _("scoring jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="partner_job_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self) -> str:
        return str(self.job_id)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_JOB_STATUSES


class CallbackDelivery(models.Model):
    """One attempt to POST a job's result to its callback_url."""

    job = models.ForeignKey(
        PartnerJob, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("job")
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    url = models.URLField(max_length=1000)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered = models.BooleanField(_("delivered"), default=False)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("callback delivery")
        verbose_name_plural = _("callback deliveries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.attempt}"


class DailyUsage(models.Model):
    """One key's day (UTC): what it asked and what was scored. Latency percentiles come
    from the day's jobs (selectors.usage_rows)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="usage", verbose_name=_("partner")
    )
    key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, related_name="usage", verbose_name=_("API key")
    )
    day = models.DateField(_("day"))
    requests = models.PositiveIntegerField(_("requests"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    assessments = models.PositiveIntegerField(_("scored"), default=0)
    audio_seconds = models.FloatField(_("audio seconds"), default=0.0)

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="usage_key_day")]
        indexes = [models.Index(fields=["partner", "day"])]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.key_id} {self.day}"
