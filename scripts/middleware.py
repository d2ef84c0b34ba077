"""Worker-process hook for the catalogue: catch up on guide voices at worker start."""

import logging
import threading

import dramatiq
from django.conf import settings
from django.db import close_old_connections

from scripts import tts

logger = logging.getLogger(__name__)


class GuideVoiceCatchUp(dramatiq.Middleware):
    """At worker start, queue a guide job for every line that wants one and has none
    that is current. Jobs sent where no worker listened (the embedded broker lives in
    memory: `load_demo` runs before `serve`, and a restart loses its queue) are made up
    for here, and so is a voice installed after the lines were imported."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if not (settings.WORKER_LIFECYCLE and settings.GUIDE_VOICE):
            return
        if not tts.available():
            logger.warning(
                "guide voice: Festival or its %s voice is not installed; no guide audio "
                "is made (apt-get install festival festvox-us-slt-hts)",
                tts.VOICE,
            )
            return
        threading.Thread(target=self._catch_up, name="guide-voice-catch-up", daemon=True).start()

    def _catch_up(self) -> None:
        # Loaded here: django_dramatiq builds the middleware before the models are ready.
        from scripts import guide

        try:
            queued = guide.lines_queue_guide_voice(lines=guide.lines_without_guide_voice())
            if queued:
                logger.info("guide voice: %d lines queued", queued)
        except Exception:
            logger.exception("guide voice catch-up failed")
        finally:
            close_old_connections()
