from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import NativeLanguage, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "native_language", "ui_language", "daily_goal_minutes"]
        labels = {"ui_language": _("Interface language")}
        help_texts = {
            "display_name": _("Shown on your results and history."),
            "ui_language": _("Leave empty to follow your browser."),
            "daily_goal_minutes": _("How many minutes a day you want to practise."),
        }
        widgets = {"daily_goal_minutes": forms.NumberInput(attrs={"min": 1, "max": 240})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The models' choices, with the empty one named. (Model fields with choices
        # become choice fields.)
        ui_language = cast(forms.ChoiceField, self.fields["ui_language"])
        ui_language.choices = [("", _("Browser's language")), *settings.LANGUAGES]
        native_language = cast(forms.ChoiceField, self.fields["native_language"])
        native_language.choices = [("", _("Not set")), *NativeLanguage.choices]


class AccountDeleteForm(forms.Form):
    """Deleting the account: the current password when it has one, and a tick."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account, scores and recordings are deleted for good."),
    )

    def __init__(self, *args: Any, needs_password: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password"]
