"""Worker-process hooks: warm the models and run the attempt reaper."""

import logging
import threading

import dramatiq
from django.conf import settings

logger = logging.getLogger(__name__)


class WorkerLifecycle(dramatiq.Middleware):
    """At worker start: warm the engine (in the background) and reap stale attempts,
    then again every REAPER_INTERVAL_SECONDS, so a killed worker strands nothing."""

    def __init__(self):
        self._stop = threading.Event()

    def after_worker_boot(self, broker, worker):
        if not settings.WORKER_LIFECYCLE:
            return
        self._stop.clear()
        threading.Thread(target=self._warm_up, name="engine-warm-up", daemon=True).start()
        threading.Thread(target=self._reap_forever, name="attempt-reaper", daemon=True).start()

    def before_worker_shutdown(self, broker, worker):
        self._stop.set()

    def _warm_up(self):
        from analysis import engine

        try:
            engine.warm_up()
        except Exception:
            logger.exception("engine warm-up failed; models load on first use")

    def _reap_forever(self):
        from django.db import close_old_connections

        from practice.services import attempts_reap

        while True:
            try:
                attempts_reap()
            except Exception:
                logger.exception("attempt reaper failed")
            finally:
                close_old_connections()
            if self._stop.wait(settings.REAPER_INTERVAL_SECONDS):
                return
