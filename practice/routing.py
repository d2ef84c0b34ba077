from django.urls import path

from practice.consumers import AttemptProgressConsumer

websocket_urlpatterns = [
    path("ws/attempts/<uuid:job_id>/", AttemptProgressConsumer.as_asgi()),
]
