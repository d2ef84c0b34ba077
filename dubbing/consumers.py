from typing import Any, cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import User
from dubbing.progress import ReelState, reel_group, reel_state
from dubbing.selectors import reel_for_owner


def _owned_state(user: User, job_id: str) -> ReelState | None:
    reel = reel_for_owner(user=user, job_id=job_id)
    return None if reel is None else reel_state(reel, session_id=reel.session.public_id)


class ReelProgressConsumer(AsyncJsonWebsocketConsumer):
    """Live progress of one reel, for its owner only: the current state first, every
    published change, then it closes after the final one (as practice's attempts do)."""

    async def connect(self) -> None:
        scope_user = self.scope.get("user")
        job_id = str(self.scope["url_route"]["kwargs"]["job_id"])
        state = None
        if scope_user is not None and scope_user.is_authenticated:
            user = cast(User, scope_user)
            state = await database_sync_to_async(_owned_state)(user, job_id)
        if state is None:
            # Same refusal whether the reel is missing or someone else's.
            await self.close(code=4404)
            return
        self.group = reel_group(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Read again after subscribing so no change falls between the read and the join.
        state = await database_sync_to_async(_owned_state)(user, job_id)
        if state is None:
            await self.close(code=4404)
            return
        await self._send_state(state)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def reel_progress(self, event: dict[str, Any]) -> None:
        await self._send_state(event["state"])

    async def _send_state(self, state: ReelState | dict[str, Any]) -> None:
        if getattr(self, "_closed", False):
            return
        await self.send_json(state)
        if state["status"] in ("ready", "failed"):
            self._closed = True
            await self.close()
