"""Serve HTTP and WebSocket (ASGI, uvicorn); in embedded mode also run the worker.

In embedded mode (no REDIS_URL) Dramatiq's StubBroker is consumed by worker threads
inside this process, and the periodic jobs (yousync/schedule.py) are sent by a
scheduler thread here too: the broker lives in this process, so no other process could
send to it. One command gives a complete site, so its worker threads consume every queue,
scoring's `default` and `media` alike. In service mode the workers are separate
`manage.py rundramatiq` processes, one group per queue (compose's worker and
media-worker, `make worker`), the scheduler is `manage.py scheduler`, and this only
serves.
"""

import asyncio

import dramatiq
import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from dramatiq.brokers.stub import StubBroker

from yousync.events import bind_server_loop
from yousync.schedule import schedule_jobs


class Command(BaseCommand):
    help = "Serve the site (HTTP + WebSocket) with the in-process worker in embedded mode."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
        parser.add_argument(
            "--no-worker", action="store_true", help="don't start the in-process worker"
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        broker = dramatiq.get_broker()
        embedded = isinstance(broker, StubBroker)
        if embedded and workers > 1:
            self.stderr.write("The embedded broker lives in one process: using 1 worker.")
            workers = 1
        worker = None
        scheduler = None
        if embedded and not no_worker:
            autodiscover_modules(*settings.DRAMATIQ_AUTODISCOVER_MODULES)
            worker = dramatiq.Worker(broker, worker_threads=settings.EMBEDDED_WORKER_THREADS)
            worker.start()
            self.stdout.write(
                f"In-process worker: {settings.EMBEDDED_WORKER_THREADS} threads "
                f"on queues {sorted(broker.get_declared_queues())}"
            )
            scheduler = BackgroundScheduler(daemon=True)
            jobs = schedule_jobs(scheduler)
            scheduler.start()
            self.stdout.write(
                f"In-process scheduler: {', '.join(job.actor.actor_name for job in jobs)}"
            )
        elif not embedded:
            self.stdout.write("Service mode: run workers with `manage.py rundramatiq`.")

        self.stdout.write(self.style.SUCCESS(f"YouSync is serving on http://{host}:{port}/"))
        config = uvicorn.Config(
            "yousync.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            log_config=None,
            proxy_headers=True,
            ws_ping_interval=20,
        )
        try:
            if workers > 1:
                uvicorn.Server(config).run()  # uvicorn's own process manager
            else:
                asyncio.run(self._serve(uvicorn.Server(config)))
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if worker is not None:
                worker.stop(timeout=5000)

    async def _serve(self, server: uvicorn.Server) -> None:
        bind_server_loop(asyncio.get_running_loop())
        try:
            await server.serve()
        finally:
            bind_server_loop(None)
