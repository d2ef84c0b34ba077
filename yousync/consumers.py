from channels.generic.websocket import AsyncJsonWebsocketConsumer

from yousync.tasks import probe_group
from yousync.views import ops_token_valid


class PipelineProbeConsumer(AsyncJsonWebsocketConsumer):
    """Relays one pipeline-probe result, then closes."""

    async def connect(self):
        query = self.scope.get("query_string", b"").decode()
        token = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("token", "")
        if not ops_token_valid(token):
            await self.close(code=4403)
            return
        self.group = probe_group(str(self.scope["url_route"]["kwargs"]["probe_id"]))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def probe_result(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"})
        await self.close()
