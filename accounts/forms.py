from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ui_language"].choices = [("", _("Browser's language"))] + [
            choice for choice in self.fields["ui_language"].choices if choice[0]
        ]
        self.fields["native_language"].choices = [("", _("Not set"))] + [
            choice for choice in self.fields["native_language"].choices if choice[0]
        ]
