from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # The OpenAPI description of the API-key authentication (drf-spectacular finds
        # extensions by their import).
        from partners.api import schema  # noqa: F401
