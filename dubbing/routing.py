from django.urls import path

from dubbing.consumers import ReelProgressConsumer

websocket_urlpatterns = [
    # Channels routes consumers (ASGI applications) with django.urls.path, which
    # django-stubs types for views only.
    path("ws/reels/<uuid:job_id>/", ReelProgressConsumer.as_asgi()),  # type: ignore[arg-type]
]


def reel_websocket_path(job_id: object) -> str:
    """The path of the pattern above (WebSocket routes have no `reverse`)."""
    return f"/ws/reels/{job_id}/"
