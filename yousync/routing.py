from django.urls import path

from practice.routing import websocket_urlpatterns as practice_websockets
from yousync.consumers import PipelineProbeConsumer

websocket_urlpatterns = [
    *practice_websockets,
    path("ws/ops/probe/<uuid:probe_id>/", PipelineProbeConsumer.as_asgi()),
]
