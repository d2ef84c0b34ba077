"""GET filters of the learner's pages (the API's /api/mypage/ lists take the same)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from scripts.models import Kind

LINE_ORDERS = [
    ("recent", _("Latest practice first")),
    ("best", _("Highest best score first")),
    ("weakest", _("Lowest best score first")),
    ("most", _("Most attempts first")),
]


class BookmarkFilterForm(forms.Form):
    """Bad values are dropped rather than failing the page."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"kind": data.get("kind", "")}


class DubbedLineFilterForm(BookmarkFilterForm):
    order = forms.ChoiceField(label=_("Order"), required=False, choices=LINE_ORDERS)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"kind": data.get("kind", ""), "order": data.get("order") or "recent"}
