import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yousync.settings")
# Django must be set up before anything imports models (consumers, routing).
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from yousync.asgi_handler import PooledThreadASGIHandler  # noqa: E402

if settings.ASGI_REQUEST_THREADS:
    # Django's handler with the middleware run in one thread hop on long-lived threads
    # (persistent database connections); ASGI_REQUEST_THREADS=0 keeps Django's own.
    django_asgi_app = PooledThreadASGIHandler()

if settings.API_RESPONSE_CACHE:
    # Kept API answers, replayed before Django (yousync/asgi_cache.py).
    from yousync.asgi_cache import ApiResponseCache

    django_asgi_app = ApiResponseCache(django_asgi_app)  # type: ignore[assignment]  # goes in issue 13

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from yousync.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            # The routes are django.urls.path entries, as Channels documents.
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
        ),
    }
)
