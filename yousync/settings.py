"""YouSync settings: one module, configured from the environment.

With nothing set the project runs embedded: SQLite under var/, media under var/media,
the in-memory channel layer and Dramatiq's StubBroker consumed by a worker thread in
the server process (`manage.py serve`). DATABASE_URL, REDIS_URL and the S3 variables
switch each part to PostgreSQL, Redis and an S3 API. See README.md for the full table.
"""

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from corsheaders.defaults import default_headers as _cors_default_headers
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Like env.bool, but a typo ("ture", "perhaps") stops start-up instead of meaning False."""
    raw = env.str(name, default="1" if default else "0").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(
            f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
        )
    return raw in _TRUE


def _positive_int(name: str, default: int) -> int:
    value = env.int(name, default=default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value!r}.")
    return value


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_dramatiq",
    # The one periodic-job scheduler (`manage.py scheduler`; yousync/schedule.py).
    "dramatiq_crontab",
    "django_prometheus",
    "csp",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "yousync",
    "accounts",
    "scripts",
    "practice",
    "analysis",
    "partners",
    "dubbing",
    # After "accounts", so the site's account templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    # Last, as its docs ask: a row's files are deleted from storage when the row is
    # deleted (or the file replaced), after the transaction commits (docs/operations.md).
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "yousync.middleware.RequestLogMiddleware",
    # Before anything that answers on its own (CommonMiddleware's redirects, 404s).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on GET answers, and 304 for a client that already has that answer.
    "django.middleware.http.ConditionalGetMiddleware",
    "yousync.middleware.ApiCacheControlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A view that met a Redis or S3 outage answers 503 + Retry-After, not a 500.
    "yousync.middleware.ServiceUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "yousync.urls"
WSGI_APPLICATION = "yousync.wsgi.application"
ASGI_APPLICATION = "yousync.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Web requests and the in-process worker thread write to one file: wait for the
    # lock instead of failing, and let readers run beside the writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Django's native psycopg pool: each server process holds at most DB_POOL_MAX_SIZE
    # connections, whatever the number of request threads (a request waits up to
    # DB_POOL_TIMEOUT seconds for a free one). Connections go back to the pool at the
    # end of each request, so CONN_MAX_AGE stays 0.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": _positive_int("DB_POOL_MAX_SIZE", 10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
# The same backends wrapped by django-prometheus: queries, errors and connections counted.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Tests only (pyproject's pytest env sets it, and the server and worker processes that
# integration tests start inherit it): a cheap hash instead of PBKDF2's many rounds.
if env_bool("FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis: channel layer and Dramatiq broker --------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds; longer than channels_redis's 5 s blocking receive (see CHANNEL_LAYERS).
CHANNEL_LAYER_READ_TIMEOUT = 15.0

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads every reply within socket_timeout (5 s by default), and a
                # consumer's receive is a BZPOPMIN that blocks for 5 s (channels_redis's
                # brpop_timeout): the read timed out first and dropped every idle WebSocket.
                # The longer read timeout still ends a read from a Redis that stopped answering.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": CHANNEL_LAYER_READ_TIMEOUT,
                        "socket_connect_timeout": 5,
                    }
                ],
                "prefix": env.str("CHANNELS_PREFIX", "yousync"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds login-throttling counters and rate limits: shared across processes
# through Redis in service mode, per process in the embedded default.
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis: one connection pool per process, shared by all threads and
            # async contexts; django_redis.get_redis_connection() for pipelines.
            # django-prometheus's subclass of it: hits and misses for /metrics.
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_PREFIX", "yousync"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache and written through to the database: a signed-in
# page costs no session query while the cache has it, and nothing is lost without it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

_DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # Job counts, retries, failures and durations for /metrics (yousync/metrics.py).
    "yousync.metrics.JobMetrics",
    "analysis.middleware.WorkerLifecycle",
    # A heartbeat file per worker process for the container's health check
    # (yousync/healthchecks.py); off unless WORKER_HEARTBEAT_DIR is set.
    "yousync.healthchecks.WorkerHeartbeat",
    "scripts.middleware.GuideVoiceCatchUp",
]
if REDIS_URL:
    # Each job's state in the admin's task list (django_dramatiq), kept for
    # DRAMATIQ_TASKS_MAX_AGE_DAYS. Not embedded: a row written per job on SQLite.
    _DRAMATIQ_MIDDLEWARE.insert(0, "django_dramatiq.middleware.AdminMiddleware")
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {"url": REDIS_URL, "namespace": env.str("DRAMATIQ_NAMESPACE", "yousync")},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
else:
    # Embedded mode: `manage.py serve` consumes this broker with a worker thread.
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
DRAMATIQ_TASKS_DATABASE = "default"
EMBEDDED_WORKER_THREADS = _positive_int("EMBEDDED_WORKER_THREADS", 2)

# --- Storage: local files or an S3 API -----------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# whitenoise warns at every start when the collectstatic folder is missing.
STATIC_ROOT.mkdir(exist_ok=True)
# Serve from the app folders too, so a checkout works without collectstatic.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _BotoConfig

    _default_storage: dict[str, Any] = {
        "BACKEND": "yousync.storage.MediaStorage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            # Where browsers and the app reach the bucket, when not the same address.
            "public_endpoint_url": env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="us-east-1"),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            # Path-style addressing and SigV4 so MinIO and moto work like AWS; checksums
            # only when the API requires them (newer botocore defaults break MinIO/moto).
            "client_config": _BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Public catalogue API answers say `Cache-Control: public, max-age=CATALOGUE_CACHE_SECONDS`
# so a CDN or proxy may keep them; with S3 they hold presigned URLs, so they must expire
# while those are still good for a while: at most half the URLs' lifetime. 0: no max-age.
_url_lifetime = _default_storage.get("OPTIONS", {}).get("querystring_expire")
CATALOGUE_CACHE_SECONDS = env.int(
    "CATALOGUE_CACHE_SECONDS", default=min(300, _url_lifetime // 2) if _url_lifetime else 300
)
_catalogue_cache_max = _url_lifetime // 2 if _url_lifetime else None
if CATALOGUE_CACHE_SECONDS < 0 or (
    _catalogue_cache_max and _catalogue_cache_max < CATALOGUE_CACHE_SECONDS
):
    raise ImproperlyConfigured(
        "CATALOGUE_CACHE_SECONDS must be between 0 and half of AWS_QUERYSTRING_EXPIRE "
        f"({_catalogue_cache_max or 'no limit'}); got {CATALOGUE_CACHE_SECONDS}."
    )

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Internationalisation: Korean and English --------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Korean dates and times as Koreans write them ("오후 10:24", not "10:24 오후").
FORMAT_MODULE_PATH = ["yousync.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first: its WWW-Authenticate header makes unauthenticated requests 401, not 403.
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed by default; the public catalogue views say AllowAny themselves.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every error body is {"detail": ..., "code": ...} (field errors add "errors").
    "EXCEPTION_HANDLER": "yousync.api.errors.exception_handler",
    # orjson renders several times faster than the standard library's json.
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "yousync.api.pagination.Pagination",
    "PAGE_SIZE": 20,
}


# Rate limits ("<count>/<s|min|hour|day>", or "off"); see yousync.api.throttles.py and
# docs/api.md. Anonymous requests count per client IP; signed-in ones per user and,
# more loosely, per IP; auth and upload views have stricter scopes of their own.
def _throttle_rate(name: str, default: str) -> tuple[int, int] | None:
    raw = env.str(name, default=default).strip().lower()
    if raw in {"off", "none"}:
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)", raw)
    if not match or int(match[1]) <= 0:
        raise ImproperlyConfigured(
            f"{name} must be a positive count per s, min, hour or day (e.g. 120/min), "
            f"or off; got {raw!r}."
        )
    return int(match[1]), {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[2][0]]


API_THROTTLE_RATES = {
    "anon": _throttle_rate("API_THROTTLE_ANON", "120/min"),  # per IP
    "user": _throttle_rate("API_THROTTLE_USER", "600/min"),  # per user
    "user_ip": _throttle_rate("API_THROTTLE_USER_IP", "1800/min"),  # signed in, per IP
    "auth": _throttle_rate("API_THROTTLE_AUTH", "10/min"),  # sign-in and refresh, per IP
    "upload": _throttle_rate("API_THROTTLE_UPLOAD", "30/min"),  # recordings, per user
    "webhook": _throttle_rate("API_THROTTLE_WEBHOOK", "1200/min"),  # analysis server, per IP
}
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "yousync.api.throttles.GeneralRateThrottle",
    "yousync.api.throttles.ScopedRateThrottle",
]
# Client addresses: REMOTE_ADDR unless proxies are trusted (as for the login limits);
# DRF's default would believe any X-Forwarded-For a client sends.
REST_FRAMEWORK["NUM_PROXIES"] = env.int("TRUSTED_PROXY_COUNT", default=0)


# CORS: only the app's own web origins may call the API from a browser (none by
# default). Bearer tokens, not cookies: no credentials mode.
def _origins(name: str) -> list[str]:
    # Browsers send the scheme and host in lower case.
    origins = [origin.strip().lower() for origin in env.list(name, default=[]) if origin.strip()]
    for origin in origins:
        match = re.fullmatch(
            r"[a-z][a-z0-9+.-]*://([^/?#@\s:\[\]]+|\[[0-9a-f:.]+\])(:\d+)?", origin
        )
        if not match or (match[2] and not 0 < int(match[2][1:]) < 65536):
            raise ImproperlyConfigured(
                f"{name} must list origins as scheme://host[:port], without a path or a "
                f"trailing slash (e.g. https://app.example.com); got {origin!r}."
            )
    return origins


CORS_ALLOWED_ORIGINS = _origins("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    *_cors_default_headers,
    "idempotency-key",
    "last-event-id",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]

# The browsable HTML API: a development aid, off in production unless asked for.
API_BROWSABLE = env_bool("API_BROWSABLE", DEBUG)
if API_BROWSABLE:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]
# The OpenAPI schema and Swagger UI: for anyone in development (or with API_DOCS_PUBLIC=1),
# for staff only in production.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)

SPECTACULAR_SETTINGS = {
    "TITLE": "YouSync API",
    "DESCRIPTION": "Dubbing practice: catalogue, uploads, scoring results and progress.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["yousync.api.permissions.ApiDocsAccess"],
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: the docs work
    # offline and load nothing from another host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's validator badge would fetch an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The other tags come from the paths; the partners' is introduced for its readers.
    "TAGS": [
        {
            "name": "partners",
            "description": "The partner scoring API under /api/v1/: score a take against a "
            "catalogue line or any text, follow queued jobs, read your usage. Authenticate "
            "with an API key (Authorization: Bearer ys_live_… or X-API-Key). Limits, quotas, "
            "signed callbacks and examples: docs/partners.md.",
        }
    ],
}

# --- Operations ----------------------------------------------------------------------------
# Token that lets operators run the end-to-end pipeline probe without a staff login.
OPS_TOKEN = env.str("OPS_TOKEN", default="")
READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=3.0)


def _networks(name: str) -> list[str]:
    nets = [net.strip() for net in env.list(name, default=[]) if net.strip()]
    for net in nets:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name} must list networks such as 10.0.0.0/8 or 127.0.0.1; got {net!r}."
            ) from exc
    return nets


# /metrics (Prometheus): a scraper sends `Authorization: Bearer METRICS_TOKEN`, or comes
# from one of METRICS_ALLOWED_NETWORKS (its own address, not X-Forwarded-For); with
# neither set the endpoint answers 404. docs/operations.md.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = _networks("METRICS_ALLOWED_NETWORKS")
# Job and scoring figures recorded by worker processes and exported by the web process:
# kept in Redis in service mode (every worker process, one sum), in process memory when
# embedded (yousync/metrics.py).
METRICS_REDIS_KEY = f"{env.str('CACHE_PREFIX', 'yousync')}:metrics"

# Error reports (Sentry): nothing is sent unless SENTRY_DSN is set. yousync/sentry.py
# attaches request and job ids and strips recordings, tokens and cookies.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if not 0.0 <= SENTRY_TRACES_SAMPLE_RATE <= 1.0:
    raise ImproperlyConfigured(
        f"SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1, got {SENTRY_TRACES_SAMPLE_RATE!r}."
    )
if SENTRY_DSN:
    from yousync.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        release=env.str("SENTRY_RELEASE", default="") or None,
    )

# Periodic jobs (yousync/schedule.py) are sent by one scheduler process,
# `manage.py scheduler`; in service mode a Redis lock keeps a second one from starting.
# Embedded, `manage.py serve` runs the same schedule on a thread of its own.
DRAMATIQ_CRONTAB = {"REDIS_URL": REDIS_URL or None}
# django_dramatiq's task list in the admin (service mode): rows older than this are
# deleted by a scheduled job.
DRAMATIQ_TASKS_MAX_AGE_DAYS = _positive_int("DRAMATIQ_TASKS_MAX_AGE_DAYS", 7)

# --- Security: on unless DEBUG -------------------------------------------------------------
# X-Forwarded-Proto says "https" only when a trusted proxy set it: without one, any
# client could claim it and skip the HTTPS redirect.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.int("TRUSTED_PROXY_COUNT", default=0) else None
)
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# HSTS preloading is a domain-wide, hard-to-undo commitment that operators opt into
# with SECURE_HSTS_PRELOAD=1; until they do, the deploy check's reminder is noise.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]


# Content-Security-Policy (django-csp): scripts only from the site's own files (module
# scripts; json_script blocks are data, not scripts), no inline handlers; <style>
# elements only with the request's nonce (Swagger UI's page, wavesurfer's shadow root:
# `request.csp_nonce`, also in <meta name="csp-nonce">); audio and clips also from the
# bucket's public endpoint (presigned URLs) and blob: (a take played back before upload).
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_storage_origins = [
    origin
    for origin in {
        _origin(env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="")),
        _origin(env.str("AWS_S3_ENDPOINT_URL", default="")),
    }
    if origin
]
if AWS_STORAGE_BUCKET_NAME and not _storage_origins:  # AWS itself
    _region = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    _storage_origins = [f"https://s3.{_region}.amazonaws.com", "https://s3.amazonaws.com"]
_storage_origins += [o.strip() for o in env.list("CSP_EXTRA_ORIGINS", default=[]) if o.strip()]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *_storage_origins],
        "media-src": [SELF, "blob:", *_storage_origins],
        "connect-src": [SELF, *_storage_origins],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging: JSON lines in production, readable lines in development ----------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_JSON = env_bool("LOG_JSON", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "yousync.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "yousync.logging.JsonFormatter"},
        "readable": {"()": "yousync.logging.ReadableFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_JSON else "readable",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # The request middleware logs each request once; Django's own access-ish
        # warnings for 4xx would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
        # The scheduler's "Running job" / "executed successfully" for every run.
        "apscheduler.executors.default": {"level": "WARNING"},
    },
}

# --- Accounts: allauth on the web, JWT for the mobile app -----------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        "ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none; "
        f"got {ACCOUNT_EMAIL_VERIFICATION!r}."
    )
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[YouSync] "
# Failed logins (web form and POST /api/auth/login): per client IP and per email address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/300s/key"),
}
# Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted
# when rate limits look up the client address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# The console backend prints mails (verification, password reset) to stdout until a
# real one is configured, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.com:587.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="YouSync <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Google sign-in. The web flow uses GOOGLE_CLIENT_ID/SECRET (button hidden without
# them); the app's ID tokens may be issued to any of GOOGLE_CLIENT_IDS (web, iOS, Android).
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
GOOGLE_CLIENT_IDS = [
    *([GOOGLE_CLIENT_ID] if GOOGLE_CLIENT_ID else []),
    *(cid for cid in env.list("GOOGLE_CLIENT_IDS", default=[]) if cid != GOOGLE_CLIENT_ID),
]
GOOGLE_JWKS_URL = env.str("GOOGLE_JWKS_URL", default="https://www.googleapis.com/oauth2/v3/certs")
GOOGLE_JWKS_TIMEOUT_SECONDS = env.float("GOOGLE_JWKS_TIMEOUT_SECONDS", default=5.0)
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online", "prompt": "select_account"},
        "EMAIL_AUTHENTICATION": True,
        "APPS": (
            [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}]
            if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
            else []
        ),
    }
}
# A Google login whose verified email matches an account signs in to (and links) it.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_positive_int("JWT_ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=_positive_int("JWT_REFRESH_TOKEN_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- Practice and scoring --------------------------------------------------------------------
MAX_UPLOAD_BYTES = _positive_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MIN_RECORDING_SECONDS = env.float("MIN_RECORDING_SECONDS", default=0.3)
MAX_RECORDING_SECONDS = _positive_int("MAX_RECORDING_SECONDS", 30)
# A sitting on a script ends after this long without an attempt.
SESSION_IDLE_MINUTES = _positive_int("SESSION_IDLE_MINUTES", 30)
SCORING_TIME_LIMIT_SECONDS = _positive_int("SCORING_TIME_LIMIT_SECONDS", 120)
SCORING_MAX_RETRIES = env.int("SCORING_MAX_RETRIES", default=3)
# Attempts queued/running without news for this long are requeued, then failed.
ATTEMPT_STALE_SECONDS = _positive_int("ATTEMPT_STALE_SECONDS", 180)
ATTEMPT_MAX_TRIES = _positive_int("ATTEMPT_MAX_TRIES", 3)
REAPER_INTERVAL_SECONDS = _positive_int("REAPER_INTERVAL_SECONDS", 60)
# Warm-up and reaper threads in worker processes (off in unit tests, which call them).
WORKER_LIFECYCLE = env_bool("WORKER_LIFECYCLE", True)
# Worker processes write a heartbeat file here for `python -m yousync.healthchecks worker`
# (compose.yaml's worker health check); empty: no heartbeat.
WORKER_HEARTBEAT_DIR = env.str("WORKER_HEARTBEAT_DIR", default="")
# Learners' recordings older than this many days are deleted from storage (scores and
# feedback stay); 0 keeps them forever. practice.retention, run by the scheduler.
RECORDING_RETENTION_DAYS = env.int("RECORDING_RETENTION_DAYS", default=90)
if RECORDING_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        f"RECORDING_RETENTION_DAYS must be 0 (keep forever) or a number of days, "
        f"got {RECORDING_RETENTION_DAYS!r}."
    )

# --- Partner scoring API (partners app, docs/partners.md) ----------------------------------
# Takes up to PARTNER_SYNC_MAX_SECONDS long without a callback_url are answered in the
# request when scored within PARTNER_SYNC_WAIT_SECONDS; otherwise 202 and a job to poll.
PARTNER_SYNC_MAX_SECONDS = env.float("PARTNER_SYNC_MAX_SECONDS", default=30.0)
PARTNER_SYNC_WAIT_SECONDS = env.float("PARTNER_SYNC_WAIT_SECONDS", default=20.0)
PARTNER_MAX_AUDIO_SECONDS = _positive_int("PARTNER_MAX_AUDIO_SECONDS", 120)
PARTNER_MAX_UPLOAD_BYTES = _positive_int("PARTNER_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
# Callbacks: each POST waits this long; failures are retried with exponential backoff
# from PARTNER_CALLBACK_MIN_BACKOFF_MS, PARTNER_CALLBACK_MAX_RETRIES times.
PARTNER_CALLBACK_TIMEOUT_SECONDS = env.float("PARTNER_CALLBACK_TIMEOUT_SECONDS", default=5.0)
PARTNER_CALLBACK_MAX_RETRIES = env.int("PARTNER_CALLBACK_MAX_RETRIES", default=6)
PARTNER_CALLBACK_MIN_BACKOFF_MS = _positive_int("PARTNER_CALLBACK_MIN_BACKOFF_MS", 5000)
# A rotated key keeps working this long beside its replacement.
PARTNER_KEY_ROTATION_GRACE_HOURS = _positive_int("PARTNER_KEY_ROTATION_GRACE_HOURS", 72)

# --- Catalogue (scripts app): scene imports and learner pages ------------------------------
# Scenes up to this long are imported inside the admin request; longer ones by a worker.
SCENE_IMPORT_INLINE_MAX_SECONDS = env.float("SCENE_IMPORT_INLINE_MAX_SECONDS", default=60.0)
SCENE_IMPORT_MAX_UPLOAD_MB = _positive_int("SCENE_IMPORT_MAX_UPLOAD_MB", 200)
# Silence kept around each cue when its clip is cut from the scene.
SCENE_IMPORT_CLIP_PAD_SECONDS = env.float("SCENE_IMPORT_CLIP_PAD_SECONDS", default=0.15)
CATALOGUE_PAGE_SIZE = _positive_int("CATALOGUE_PAGE_SIZE", 12)
# The guide voice (scripts.guide, docs/guide-voice.md): a synthetic reading of each line,
# made by a worker job with Festival. Off: no jobs, and no guide in the pages or the API.
GUIDE_VOICE = env_bool("GUIDE_VOICE", True)

# --- Remote analysis -----------------------------------------------------------------------
# "local": workers run the scoring engine. "remote": the worker sends the recording to
# TARGET_SERVER_URL and the result comes back to POST /api/tokens/webhook/analysis-complete,
# HMAC-signed with ANALYSIS_WEBHOOK_SECRET (both directions); see docs/api.md.
ANALYSIS_BACKEND = env.str("ANALYSIS_BACKEND", default="local").strip().lower()
if ANALYSIS_BACKEND not in {"local", "remote"}:
    raise ImproperlyConfigured(
        f"ANALYSIS_BACKEND must be local or remote, got {ANALYSIS_BACKEND!r}."
    )
TARGET_SERVER_URL = env.str("TARGET_SERVER_URL", default="")
ANALYSIS_WEBHOOK_SECRET = env.str("ANALYSIS_WEBHOOK_SECRET", default="")
ANALYSIS_WEBHOOK_TOLERANCE_SECONDS = _positive_int("ANALYSIS_WEBHOOK_TOLERANCE_SECONDS", 300)
# This site's public origin as the analysis server reaches it (callback and local media URLs).
ANALYSIS_CALLBACK_BASE_URL = env.str("ANALYSIS_CALLBACK_BASE_URL", default="").rstrip("/")
ANALYSIS_REMOTE_TIMEOUT_SECONDS = env.float("ANALYSIS_REMOTE_TIMEOUT_SECONDS", default=10.0)
if ANALYSIS_BACKEND == "remote" and not (
    TARGET_SERVER_URL and ANALYSIS_WEBHOOK_SECRET and ANALYSIS_CALLBACK_BASE_URL
):
    raise ImproperlyConfigured(
        "ANALYSIS_BACKEND=remote needs TARGET_SERVER_URL, ANALYSIS_WEBHOOK_SECRET and "
        "ANALYSIS_CALLBACK_BASE_URL."
    )
# Seconds between ": ping" comments on the SSE progress stream (keeps proxies from closing it).
SSE_HEARTBEAT_SECONDS = env.float("SSE_HEARTBEAT_SECONDS", default=15.0)
# Progress streams one learner may hold open at once (429 beyond), and the longest one
# lasts before the client reconnects (with Last-Event-ID, so nothing is missed).
SSE_MAX_STREAMS_PER_LEARNER = _positive_int("SSE_MAX_STREAMS_PER_LEARNER", 4)
SSE_MAX_SECONDS = _positive_int("SSE_MAX_SECONDS", 600)
# The SSE stream is documented by a hook (plain async view); one name per status enum.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "practice.api.schema.document_progress_stream",
    "yousync.api.schema.document_common_errors",  # 401/404/429 that every view can answer
]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "AttemptStatusEnum": "practice.models.AttemptStatus.choices",
    "RemoteStatusEnum": "analysis.api.REMOTE_STATUSES",
    "ReelStatusEnum": "dubbing.models.ReelStatus.choices",
    # One name each for the catalogue's languages and the interface's, wherever they occur.
    "LanguageEnum": "scripts.models.Language.choices",
    "UiLanguageEnum": LANGUAGES,
}
