"""What practice announces about an attempt's lifecycle. Practice owns the lifecycle and
depends on no scorer; the analysis app listens (analysis/apps.py) and queues the job."""

from django.dispatch import Signal

# Sent after the transaction that (re)queued the attempt commits; argument: attempt_id.
attempt_queued = Signal()
