from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from scripts.models import Kind, Language


class CatalogueFilterForm(forms.Form):
    """The catalogue's GET filters; bad values are dropped rather than failing the page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *Language.choices]
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any level")), *((str(n), str(n)) for n in range(1, 6))],
    )

    def filters(self) -> dict:
        if self.is_valid():
            data = self.cleaned_data
        else:
            data = {
                name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
            }
        return {
            "search": data.get("q") or "",
            "kind": data.get("kind") or "",
            "language": data.get("language") or "",
            "difficulty": data.get("difficulty"),
        }


class SceneImportForm(forms.Form):
    title = forms.CharField(label=_("Scene title"), max_length=200)
    work_title = forms.CharField(label=_("Work title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], initial=2
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    audio = forms.FileField(
        label=_("Scene audio"),
        help_text=_("wav, mp3, m4a, ogg, webm or flac; at most %(mb)s MB.")
        % {"mb": settings.SCENE_IMPORT_MAX_UPLOAD_MB},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".wav,.mp3,.m4a,.ogg,.oga,.opus,.webm,.flac,audio/*"}
        ),
    )
    subtitles = forms.FileField(
        label=_("Subtitles"),
        help_text=_('SRT or WebVTT; speakers as "[JOEY] text", "JOEY: text" or "<v Joey>".'),
        widget=forms.ClearableFileInput(attrs={"accept": ".srt,.vtt"}),
    )
