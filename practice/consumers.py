from typing import Any, cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import User
from practice.progress import attempt_group, attempt_state
from practice.selectors import attempt_for_owner


class AttemptProgressConsumer(AsyncJsonWebsocketConsumer):
    """Live progress of one attempt, for its owner only.

    Sends the current state first (a late subscriber still sees the end), relays every
    published change, and closes after the final one.
    """

    async def connect(self) -> None:
        scope_user = self.scope.get("user")
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        attempt = None
        if scope_user is not None and scope_user.is_authenticated:
            # AuthMiddlewareStack's lazy stand-in for the signed-in User.
            user = cast(User, scope_user)
            attempt = await database_sync_to_async(attempt_for_owner)(user=user, job_id=job_id)
        if attempt is None:
            # Same refusal whether the attempt is missing or someone else's.
            await self.close(code=4404)
            return
        self.group = attempt_group(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Read again after subscribing so no change falls between the read and the join.
        attempt = await database_sync_to_async(attempt_for_owner)(user=user, job_id=job_id)
        if attempt is None:  # deleted in between
            await self.close(code=4404)
            return
        await self._send_state(attempt_state(attempt))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def attempt_progress(self, event: dict[str, Any]) -> None:
        await self._send_state(event["state"])

    async def _send_state(self, state: dict[str, Any]) -> None:
        if getattr(self, "_closed", False):
            return
        await self.send_json(state)
        if state["status"] in ("completed", "failed"):
            self._closed = True
            await self.close()
