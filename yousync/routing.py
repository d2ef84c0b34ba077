from django.urls import path

from yousync.consumers import PipelineProbeConsumer

websocket_urlpatterns = [
    path("ws/ops/probe/<uuid:probe_id>/", PipelineProbeConsumer.as_asgi()),
]
