import os
import socket
import time

import dramatiq

from practice.learner_stats import learner_stats_check
from yousync.events import group_send


def probe_group(probe_id: str) -> str:
    return f"ops.probe.{probe_id}"


@dramatiq.actor(max_retries=0, time_limit=10_000)
def pipeline_probe(probe_id: str) -> None:
    """Proves the backbone: the worker that runs this reaches the web's channel layer."""
    group_send(
        probe_group(probe_id),
        {
            "type": "probe.result",
            "probe_id": probe_id,
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "sent_at": time.time(),
        },
    )


@dramatiq.actor(max_retries=0, time_limit=30 * 60 * 1000)
def check_learner_stats() -> None:
    """Scheduled daily (yousync/schedule.py): learners' totals against their attempts."""
    learner_stats_check()
