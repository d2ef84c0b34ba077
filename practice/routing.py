from django.urls import path

from practice.consumers import AttemptProgressConsumer

websocket_urlpatterns = [
    path("ws/attempts/<uuid:job_id>/", AttemptProgressConsumer.as_asgi()),
]


def attempt_websocket_path(job_id) -> str:
    """The path of the pattern above (WebSocket routes have no `reverse`)."""
    return f"/ws/attempts/{job_id}/"
