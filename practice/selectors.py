"""Reads on the practice side."""

from practice.models import Attempt


def attempt_for_owner(*, user, job_id) -> Attempt | None:
    """The attempt if it exists and belongs to `user`; None otherwise (no difference shown)."""
    return (
        Attempt.objects.select_related("line", "line__script", "line__actor")
        .filter(job_id=job_id, user=user)
        .first()
    )
