"""The curator's scene import in the admin: upload, preview every cue, confirm."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from scripts import services
from scripts.forms import SceneImportForm
from scripts.models import ImportStatus, SceneImport
from scripts.subtitles import SubtitleError

if TYPE_CHECKING:  # what the mixin is mixed into
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class SceneImportViewsMixin(_ModelAdmin):
    """Adds "Import a scene" to the Script admin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="scripts_script_import"),
            path(
                "import/<int:pk>/preview/",
                view(self.import_preview_view),
                name="scripts_script_import_preview",
            ),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request: HttpRequest) -> None:
        if not (
            request.user.has_perm("scripts.add_script")
            and request.user.has_perm("scripts.add_sceneimport")
        ):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._check_import_permission(request)
        errors = []
        if request.method == "POST":
            form = SceneImportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                details = services.SceneDetails(
                    title=data["title"],
                    work_title=data["work_title"],
                    kind=data["kind"],
                    language=data["language"],
                    difficulty=data["difficulty"],
                    description=data["description"],
                )
                try:
                    scene_import, _cues = services.scene_import_prepare(
                        details=details,
                        audio_file=data["audio"],
                        subtitles_file=data["subtitles"],
                        user=request.user,
                    )
                except services.SceneImportInvalid as exc:
                    errors = exc.errors
                else:
                    return redirect("admin:scripts_script_import_preview", pk=scene_import.pk)
        else:
            form = SceneImportForm()
        context = self._context(
            request,
            _("Import a scene"),
            form=form,
            import_errors=errors,
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/scripts/script/import.html", context)

    def import_preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._check_import_permission(request)
        scene_import = get_object_or_404(SceneImport, pk=pk)
        if scene_import.status != ImportStatus.DRAFT:
            return redirect("admin:scripts_sceneimport_change", scene_import.pk)
        try:
            cues = services.scene_import_cues(scene_import=scene_import)
        except SubtitleError as exc:  # cannot happen for a draft made by prepare
            cues, errors = [], exc.errors
        else:
            errors = []
        if request.method == "POST" and not errors:
            if "cancel" in request.POST:
                scene_import.delete()
                messages.info(request, _("Import cancelled; nothing was saved."))
                return redirect("admin:scripts_script_changelist")
            scene_import = services.scene_import_start(scene_import=scene_import)
            if scene_import.status == ImportStatus.COMPLETED:
                messages.success(
                    request,
                    _("Imported %(count)d lines. Review them, then publish the script.")
                    % {"count": len(cues)},
                )
                return redirect("admin:scripts_script_change", scene_import.script_id)
            if scene_import.status == ImportStatus.FAILED:
                messages.error(request, scene_import.error)
                return redirect("admin:scripts_sceneimport_change", scene_import.pk)
            messages.info(request, _("The scene is long; it is being imported in the background."))
            return redirect("admin:scripts_sceneimport_change", scene_import.pk)
        speakers = sorted({cue.speaker for cue in cues if cue.speaker})
        context = self._context(
            request,
            _("Preview import"),
            scene_import=scene_import,
            cues=cues,
            speakers=[services.speaker_display_name(s) for s in speakers],
            import_errors=errors,
            background=scene_import.audio_duration > settings.SCENE_IMPORT_INLINE_MAX_SECONDS,
            changelist_url=reverse("admin:scripts_script_changelist"),
        )
        return TemplateResponse(request, "admin/scripts/script/import_preview.html", context)
