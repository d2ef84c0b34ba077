from typing import Any, TypedDict

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_cleanup import cleanup

from analysis.engine.types import KeyEstimate


class Kind(models.TextChoices):
    MOVIE = "movie", _("Movie")
    DRAMA = "drama", _("Drama")
    ANIMATION = "animation", _("Animation")
    SONG = "song", _("Song")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    KOREAN = "ko", _("Korean")
    JAPANESE = "ja", _("Japanese")


class SongKey(TypedDict):
    """The key of a song as a whole (Script.song_key): the held notes of its analysed
    lines added up (scripts.selectors.script_song_key)."""

    key: KeyEstimate | None
    key_reason: str | None  # why no key: too_little_singing, too_few_notes, ...
    lines: int  # how many lines' notes it was estimated from


class Script(models.Model):
    """A scene of a work that learners practise line by line."""

    title = models.CharField(_("title"), max_length=200)
    work_title = models.CharField(_("work title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (easy) to 5 (hard)."),
    )
    description = models.TextField(_("description"), blank=True)
    cover = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    scene_audio = models.FileField(
        _("scene audio"),
        upload_to="scenes/%Y/%m/",
        blank=True,
        help_text=_("The whole scene, optional; lines carry their own clips."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    guide_voice = models.BooleanField(
        _("guide voice"),
        default=True,
        help_text=_(
            "Offer learners a synthetic reading of each line, at normal and slow speed "
            "(English lines only). Switch it off where the synthetic voice would mislead."
        ),
    )
    # Songs: the key of all their analysed lines together (one line is often too short
    # to have one), kept by analysis.services whenever a line's analysis is stored.
    song_key: "models.JSONField[SongKey | None, SongKey | None]" = models.JSONField(
        _("song key"), null=True, blank=True, editable=False
    )
    # Batch imports and the demo loader find their own scripts again by this key.
    import_key = models.CharField(_("import key"), max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Indexed: the catalogue version (scripts.selectors.catalogue_version) reads its max.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("script")
        verbose_name_plural = _("scripts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5),
                name="script_difficulty_1_to_5",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="script_kind_known"),
            models.CheckConstraint(condition=~Q(title=""), name="script_title_not_empty"),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="script_import_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "-created_at"], name="script_published_recent"),
            models.Index(fields=["is_published", "kind"], name="script_published_kind"),
            models.Index(fields=["is_published", "language"], name="script_published_language"),
            models.Index(fields=["is_published", "difficulty"], name="script_published_level"),
        ]

    def __str__(self) -> str:
        return f"{self.work_title} — {self.title}"


class Actor(models.Model):
    """The person, and the character they play, who says a line."""

    name = models.CharField(_("name"), max_length=120)
    character_name = models.CharField(_("character name"), max_length=120, blank=True)
    photo = models.ImageField(_("photo"), upload_to="actors/%Y/%m/", blank=True)
    # Indexed: the catalogue version (scripts.selectors.catalogue_version) reads its max.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["name", "character_name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="actor_name_not_empty"),
        ]

    def __str__(self) -> str:
        if self.character_name and self.character_name != self.name:
            return f"{self.character_name} ({self.name})"
        return self.name


class GuideWord(TypedDict):
    """One word of a line in the guide voice: where it is heard in each clip (seconds)."""

    text: str
    start: float
    end: float
    slow_start: float
    slow_end: float


class GuideData(TypedDict):
    """What a line's guide audio was made from (Line.guide)."""

    format: int
    voice: str
    text: str
    words: list[GuideWord]


class AudioStatus(models.TextChoices):
    OK = "ok", _("OK")
    MISSING = "missing", _("Missing")
    UNREADABLE = "unreadable", _("Unreadable")


class Line(models.Model):
    """One line of a script (the mobile API calls it a token)."""

    script = models.ForeignKey(
        Script, on_delete=models.CASCADE, related_name="lines", verbose_name=_("script")
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="lines",
        null=True,
        blank=True,
        verbose_name=_("actor"),
    )
    position = models.PositiveIntegerField(_("position"))
    text = models.TextField(_("text"))
    translation = models.TextField(
        _("translation"), blank=True, help_text=_("Korean for foreign lines, English otherwise.")
    )
    start_time = models.FloatField(_("start (s)"), help_text=_("Seconds into the scene."))
    end_time = models.FloatField(_("end (s)"), help_text=_("Seconds into the scene."))
    reference_audio = models.FileField(_("reference audio"), upload_to="lines/%Y/%m/", blank=True)
    duration = models.FloatField(_("clip duration (s)"), null=True, blank=True)
    audio_status = models.CharField(
        _("audio status"),
        max_length=16,
        choices=AudioStatus.choices,
        default=AudioStatus.MISSING,
        help_text=_("Lines without readable reference audio are hidden from learners."),
    )
    # Filled by the scoring engine (pitch, alignment) so attempts need not recompute it.
    reference_analysis: "models.JSONField[dict[str, Any] | None, dict[str, Any] | None]" = (
        models.JSONField(_("reference analysis"), null=True, blank=True)
    )
    # The guide voice (scripts.guide): a synthetic reading at normal and slow speed, and
    # what it was made from (text, voice) with each word's span, so a changed text is
    # never heard with the old audio.
    guide_audio = models.FileField(_("guide voice"), upload_to="guide/%Y/%m/", blank=True)
    guide_audio_slow = models.FileField(
        _("guide voice, slow"), upload_to="guide/%Y/%m/", blank=True
    )
    guide: "models.JSONField[GuideData | None, GuideData | None]" = models.JSONField(
        _("guide voice details"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Indexed: the catalogue version (scripts.selectors.catalogue_version) reads its max.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    # Not columns: one learner's state on a page's lines, set by
    # practice.selectors.lines_with_learner_state.
    best_score: int | None
    bookmarked: bool

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["script", "position"]
        constraints = [
            models.UniqueConstraint(fields=["script", "position"], name="line_position_unique"),
            models.CheckConstraint(condition=Q(start_time__gte=0), name="line_start_not_negative"),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="line_start_before_end"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="line_text_not_empty"),
        ]
        indexes = [
            models.Index(fields=["script", "audio_status", "position"], name="line_script_visible"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:60]}"


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


# django-cleanup deletes every other model's files with its rows; not these: a finished
# import's audio is also its script's scene_audio. scripts.services.scene_imports_delete
# deletes an import's audio when no script uses it.
@cleanup.ignore
class SceneImport(models.Model):
    """One scene import: the uploaded audio and subtitles, then the job's state."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    title = models.CharField(_("title"), max_length=200)
    work_title = models.CharField(_("work title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=2)
    description = models.TextField(_("description"), blank=True)
    audio = models.FileField(_("scene audio"), upload_to="scenes/%Y/%m/")
    audio_duration = models.FloatField(_("audio duration (s)"), default=0)
    subtitles_name = models.CharField(_("subtitles file"), max_length=255, blank=True)
    subtitles = models.TextField(_("subtitles"))
    import_key = models.CharField(_("import key"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    script = models.ForeignKey(
        Script,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("script"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("scene import")
        verbose_name_plural = _("scene imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.work_title} — {self.title} ({self.get_status_display()})"
