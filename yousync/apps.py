from django.apps import AppConfig


class YousyncConfig(AppConfig):
    """Project-level pieces: operations views, the pipeline probe and `manage.py serve`."""

    name = "yousync"
    verbose_name = "YouSync operations"

    def ready(self) -> None:
        # drf-spectacular finds authentication extensions by import.
        from yousync.api import schema  # noqa: F401
