"""What dubbing announces. Sent after the transaction that queued a reel commits;
argument: reel_id. The app config (dubbing/apps.py) sends the build job on it, so the
services name no actor and tests can run them without a broker."""

from django.dispatch import Signal

reel_queued = Signal()
