"""Worker-process hooks: warm the models at start."""

import logging
import threading

import dramatiq
from django.conf import settings

logger = logging.getLogger(__name__)


class WorkerLifecycle(dramatiq.Middleware):
    """At worker start, warm the engine in the background so the first job does not
    wait for the models. The stale-attempt reaper is a periodic job sent by the one
    scheduler (yousync/schedule.py), not a thread in every worker process."""

    def after_worker_boot(self, broker, worker):
        if not settings.WORKER_LIFECYCLE:
            return
        threading.Thread(target=self._warm_up, name="engine-warm-up", daemon=True).start()

    def _warm_up(self):
        from analysis import engine

        try:
            engine.warm_up()
        except Exception:
            logger.exception("engine warm-up failed; models load on first use")
