from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from scripts import audio, guide, services
from scripts.admin_import import SceneImportViewsMixin
from scripts.models import Actor, AudioStatus, ImportStatus, Line, SceneImport, Script

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class _LineTotals(TypedDict):  # the admins' queryset annotations
    line_total: int
    problem_total: int


def audio_player(file) -> str:
    if not file:
        return "—"
    return format_html(
        '<audio controls preload="none" src="{}" style="height:2rem;max-width:16rem"></audio>',
        file.url,
    )


def audio_status_badge(line: Line) -> str:
    colours: dict[str, str] = {
        AudioStatus.OK: "#1b8a4b",
        AudioStatus.MISSING: "#c0392b",
        AudioStatus.UNREADABLE: "#c0392b",
    }
    return format_html(
        '<span style="color:{};font-weight:600">{}</span>',
        colours.get(line.audio_status, "#555"),
        line.get_audio_status_display(),
    )


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = [
            "position",
            "actor",
            "text",
            "translation",
            "start_time",
            "end_time",
            "reference_audio",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "translation": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def clean_reference_audio(self):
        upload = self.cleaned_data.get("reference_audio")
        if upload and "reference_audio" in self.changed_data and hasattr(upload, "content_type"):
            try:
                audio.probe(upload)
            except audio.AudioError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload


def _save_line(form: forms.ModelForm, line: Line) -> None:
    upload = form.cleaned_data.get("reference_audio")
    if "reference_audio" in form.changed_data and upload and hasattr(upload, "content_type"):
        services.line_set_reference_audio(line=line, upload=upload)
        return
    line.save()
    if "reference_audio" in form.changed_data:  # cleared
        services.line_check_audio(line=line)
    # A new line or a changed text: its guide voice is made (again) once this commits.
    guide.lines_queue_guide_voice(lines=[line])


class LineInline(admin.TabularInline):
    model = Line
    form = LineForm
    extra = 0
    ordering = ["position"]
    autocomplete_fields = ["actor"]
    fields = [
        "position",
        "actor",
        "text",
        "translation",
        "start_time",
        "end_time",
        "player",
        "reference_audio",
        "status",
    ]
    readonly_fields = ["player", "status"]

    @admin.display(description=_("listen"))
    def player(self, line: Line) -> str:
        return audio_player(line.reference_audio)

    @admin.display(description=_("audio"))
    def status(self, line: Line) -> str:
        return audio_status_badge(line) if line.pk else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Script)
class ScriptAdmin(SceneImportViewsMixin, admin.ModelAdmin):
    change_list_template = "admin/scripts/script/change_list.html"
    list_display = [
        "title",
        "work_title",
        "kind",
        "language",
        "difficulty",
        "lines_total",
        "lines_with_problems",
        "scene_player",
        "is_published",
        "created_at",
    ]
    list_display_links = ["title"]
    list_filter = ["kind", "language", "difficulty", "is_published"]
    search_fields = [
        "title",
        "work_title",
        "lines__text",
        "lines__actor__name",
        "lines__actor__character_name",
    ]
    date_hierarchy = "created_at"
    inlines = [LineInline]
    actions = ["publish", "unpublish", "check_audio", "make_guide_voice"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "work_title", "kind", "language", "difficulty", "description"]},
        ),
        (_("Media"), {"fields": ["cover", "scene_audio", "scene_player", "guide_voice"]}),
        (_("Publishing"), {"fields": ["is_published", "created_at", "updated_at"]}),
    ]
    readonly_fields = ["scene_player", "created_at", "updated_at"]

    def get_queryset(self, request):
        problem = ~Q(lines__audio_status=AudioStatus.OK) | Q(lines__reference_audio="")
        return (
            super()
            .get_queryset(request)
            .annotate(
                line_total=Count("lines", distinct=True),
                problem_total=Count("lines", filter=problem, distinct=True),
            )
        )

    @admin.display(description=_("lines"), ordering="line_total")
    def lines_total(self, script: "WithAnnotations[Script, _LineTotals]") -> int:
        return script.line_total

    @admin.display(description=_("audio problems"), ordering="problem_total")
    def lines_with_problems(self, script: "WithAnnotations[Script, _LineTotals]") -> str:
        if not script.problem_total:
            return "—"
        url = reverse("admin:scripts_line_changelist")
        return format_html(
            '<a href="{}?script__id__exact={}&amp;audio_status__exact=missing" '
            'style="color:#c0392b;font-weight:600">{}</a>',
            url,
            script.pk,
            script.problem_total,
        )

    @admin.display(description=_("scene audio"))
    def scene_player(self, script: Script) -> str:
        return audio_player(script.scene_audio)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"guide_voice", "language"} & set(form.changed_data):
            guide.lines_queue_guide_voice(lines=obj.lines.select_related("script"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Line:
            return super().save_formset(request, form, formset, change)
        lines = formset.save(commit=False)
        for line in formset.deleted_objects:
            line.delete()
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for line in lines:
            _save_line(forms_by_instance[id(line)], line)
        formset.save_m2m()

    @admin.action(description=_("Publish selected scripts"), permissions=["change"])
    def publish(self, request, queryset):
        count = services.scripts_set_published(scripts=queryset, published=True)
        self.message_user(
            request,
            ngettext("%(count)d script published.", "%(count)d scripts published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected scripts"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = services.scripts_set_published(scripts=queryset, published=False)
        self.message_user(
            request,
            ngettext("%(count)d script unpublished.", "%(count)d scripts unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Check reference audio of selected scripts"), permissions=["change"]
    )
    def check_audio(self, request, queryset):
        counts = services.lines_check_audio(lines=Line.objects.filter(script__in=queryset))
        bad = counts.get(AudioStatus.MISSING, 0) + counts.get(AudioStatus.UNREADABLE, 0)
        self.message_user(
            request,
            _("%(ok)d clips are fine, %(bad)d are missing or unreadable (hidden from learners).")
            % {"ok": counts.get(AudioStatus.OK, 0), "bad": bad},
            messages.WARNING if bad else messages.SUCCESS,
        )

    @admin.action(
        description=_("Make the guide voice for selected scripts where it is missing"),
        permissions=["change"],
    )
    def make_guide_voice(self, request, queryset):
        count = guide.scripts_queue_guide_voice(scripts=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d line queued for a guide voice.",
                "%(count)d lines queued for a guide voice.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    form = LineForm
    list_display = ["text_short", "script", "position", "actor", "player", "duration", "status"]
    list_filter = ["audio_status", "script__kind", "script__language"]
    search_fields = ["text", "translation", "actor__name", "actor__character_name", "script__title"]
    list_select_related = ["script", "actor"]
    autocomplete_fields = ["actor", "script"]
    actions = ["check_audio"]
    fields = [
        "script",
        "position",
        "actor",
        "text",
        "translation",
        "start_time",
        "end_time",
        "reference_audio",
        "player",
        "duration",
        "audio_status",
        "guide_players",
    ]
    readonly_fields = ["player", "duration", "audio_status", "guide_players"]

    def get_form(
        self, request: HttpRequest, obj: Line | None = None, change: bool = False, **kwargs: Any
    ) -> "type[forms.ModelForm[Line]]":  # ModelForm is not subscriptable at run time
        kwargs["fields"] = ["script", *LineForm.Meta.fields]
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("text"), ordering="text")
    def text_short(self, line: Line) -> str:
        return line.text[:80]

    @admin.display(description=_("listen"))
    def player(self, line: Line) -> str:
        return audio_player(line.reference_audio)

    @admin.display(description=_("audio"), ordering="audio_status")
    def status(self, line: Line) -> str:
        return audio_status_badge(line)

    @admin.display(description=_("guide voice (synthetic)"))
    def guide_players(self, line: Line) -> str:
        if not line.pk or not guide.guide_voice_wanted(line):
            return str(_("Off for this script or language.")) if line.pk else "—"
        if not guide.guide_is_current(line):
            return str(_("Not made yet for this text."))
        return format_html(
            "{} {} {}",
            audio_player(line.guide_audio),
            _("slow:"),
            audio_player(line.guide_audio_slow),
        )

    def save_model(self, request, obj, form, change):
        _save_line(form, obj)

    @admin.action(description=_("Check reference audio"), permissions=["change"])
    def check_audio(self, request, queryset):
        counts = services.lines_check_audio(lines=queryset)
        self.message_user(
            request,
            ", ".join(f"{AudioStatus(k).label}: {v}" for k, v in counts.items()) or "—",
        )


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "character_name", "photo_thumb", "line_total"]
    search_fields = ["name", "character_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_total=Count("lines"))

    @admin.display(description=_("lines"), ordering="line_total")
    def line_total(self, actor: "WithAnnotations[Actor, _LineTotals]") -> int:
        return actor.line_total

    @admin.display(description=_("photo"))
    def photo_thumb(self, actor: Actor) -> str:
        if not actor.photo:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height:2.5rem;border-radius:4px">', actor.photo.url
        )


@admin.register(SceneImport)
class SceneImportAdmin(admin.ModelAdmin):
    change_form_template = "admin/scripts/sceneimport/change_form.html"
    list_display = [
        "__str__",
        "status",
        "progress_bar",
        "stage",
        "script",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["title", "work_title"]
    list_select_related = ["script", "created_by"]
    actions = ["retry"]
    fields: ClassVar[tuple[str, ...]] = (  # the same names are read-only
        "title",
        "work_title",
        "kind",
        "language",
        "difficulty",
        "audio",
        "audio_duration",
        "subtitles_name",
        "status",
        "progress_bar",
        "stage",
        "error",
        "script",
        "created_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # imports start from the Scripts page ("Import a scene")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress_bar(self, scene_import: SceneImport) -> str:
        return format_html(
            '<progress max="100" value="{}" style="width:8rem">{}%</progress> {}%',
            scene_import.progress,
            scene_import.progress,
            scene_import.progress,
        )

    @admin.action(description=_("Retry selected failed imports"), permissions=["import"])
    def retry(self, request, queryset):
        started = 0
        for scene_import in queryset.filter(status=ImportStatus.FAILED):
            services.scene_import_start(scene_import=scene_import)
            started += 1
        self.message_user(request, _("%(count)d imports restarted.") % {"count": started})

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("scripts.add_sceneimport")

    def delete_model(self, request, obj):
        services.scene_imports_delete(imports=SceneImport.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.scene_imports_delete(imports=queryset)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        scene_import = self.get_object(request, object_id)
        running = scene_import is not None and scene_import.status in (
            ImportStatus.QUEUED,
            ImportStatus.RUNNING,
        )
        extra_context = {**(extra_context or {}), "auto_refresh": running}
        return super().change_view(request, object_id, form_url, extra_context)
