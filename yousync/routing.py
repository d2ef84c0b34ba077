from django.urls import path

from dubbing.routing import websocket_urlpatterns as dubbing_websockets
from practice.routing import websocket_urlpatterns as practice_websockets
from yousync.consumers import PipelineProbeConsumer

websocket_urlpatterns = [
    *practice_websockets,
    *dubbing_websockets,
    # Channels routes consumers (ASGI applications) with django.urls.path, which
    # django-stubs types for views only.
    path("ws/ops/probe/<uuid:probe_id>/", PipelineProbeConsumer.as_asgi()),  # type: ignore[arg-type]
]
