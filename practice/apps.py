from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        # The attempt figures join /metrics (yousync.metrics.SCRAPE_COLLECTORS).
        from practice import metrics  # noqa: F401
