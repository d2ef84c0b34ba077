from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DubbingConfig(AppConfig):
    name = "dubbing"
    verbose_name = _("Scene dubbing")

    def ready(self) -> None:
        from dubbing import tasks
        from dubbing.signals import reel_queued

        def send_build(sender: object, reel_id: int, **kwargs: object) -> None:
            tasks.build_reel.send(reel_id)

        reel_queued.connect(send_build, dispatch_uid="dubbing.build_reel", weak=False)
