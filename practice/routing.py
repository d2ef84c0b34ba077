from django.urls import path

from practice.consumers import AttemptProgressConsumer

websocket_urlpatterns = [
    # Channels routes consumers (ASGI applications) with django.urls.path, which
    # django-stubs types for views only.
    path("ws/attempts/<uuid:job_id>/", AttemptProgressConsumer.as_asgi()),  # type: ignore[arg-type]
]


def attempt_websocket_path(job_id) -> str:
    """The path of the pattern above (WebSocket routes have no `reverse`)."""
    return f"/ws/attempts/{job_id}/"
