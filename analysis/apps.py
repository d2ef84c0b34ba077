from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Analysis"

    def ready(self) -> None:
        from analysis.tasks import score_attempt
        from practice.signals import attempt_queued

        def queue_scoring(sender, attempt_id: int, **kwargs) -> None:
            score_attempt.send(attempt_id)

        attempt_queued.connect(queue_scoring, dispatch_uid="analysis.queue_scoring", weak=False)
