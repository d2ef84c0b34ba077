"""Settings are read in a fresh interpreter per case: they are module-level state."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from yousync.testing import SERVICE_VARIABLES

PROBE = """
import json, django
from django.conf import settings
django.setup()
import dramatiq
from django.core.files.storage import storages
from channels.layers import get_channel_layer
opts = settings.STORAGES["default"].get("OPTIONS", {})
cfg = opts.get("client_config")
print(json.dumps({
    "debug": settings.DEBUG,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST"),
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    "pool": settings.DATABASES["default"].get("OPTIONS", {}).get("pool"),
    "storage": type(storages["default"]).__name__,
    "storage_backend": settings.STORAGES["default"]["BACKEND"],
    "bucket": opts.get("bucket_name"),
    "endpoint": opts.get("endpoint_url"),
    "addressing": cfg.s3["addressing_style"] if cfg else None,
    "signature": cfg.signature_version if cfg else None,
    "checksum": cfg.request_checksum_calculation if cfg else None,
    "layer": type(get_channel_layer()).__name__,
    "broker": type(dramatiq.get_broker()).__name__,
    "layer_blocks_for": getattr(get_channel_layer(), "brpop_timeout", None),
    "layer_read_timeout": (
        get_channel_layer().create_pool(0).connection_kwargs.get("socket_timeout")
        if hasattr(get_channel_layer(), "create_pool") else None
    ),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "log_formatter": settings.LOGGING["handlers"]["stdout"]["formatter"],
    "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
}))
"""

CLEARED = (
    *SERVICE_VARIABLES,
    "SECRET_KEY",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "FAST_PASSWORD_HASHER",
)


def load_settings(tmp_path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in __import__("os").environ.items() if k not in CLEARED}
    env.update({"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "yousync.settings"})
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_as_dict(tmp_path, **env_vars: str) -> dict:
    result = load_settings(tmp_path, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_embedded_default_uses_local_parts(tmp_path):
    values = settings_as_dict(tmp_path, SECRET_KEY="x" * 50)

    # django-prometheus's wrapper of the stock backend (queries counted for /metrics).
    assert values["db_engine"] == "django_prometheus.db.backends.sqlite3"
    assert values["db_name"] == str(tmp_path / "var" / "db.sqlite3")
    assert values["storage"] == "FileSystemStorage"
    assert values["layer"] == "InMemoryChannelLayer"
    assert values["broker"] == "StubBroker"
    assert values["cache"] == "LocMemCache"
    assert (tmp_path / "var").is_dir()


def test_settings_fast_password_hasher_only_when_asked(tmp_path):
    default = settings_as_dict(tmp_path, SECRET_KEY="x" * 50)
    fast = settings_as_dict(tmp_path, SECRET_KEY="x" * 50, FAST_PASSWORD_HASHER="true")

    assert default["hasher"] == "PBKDF2PasswordHasher"
    assert fast["hasher"] == "MD5PasswordHasher"


def test_settings_service_mode_switches_every_part(tmp_path):
    values = settings_as_dict(
        tmp_path,
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://app:pw@db.internal:5433/yousync",
        REDIS_URL="redis://cache.internal:6379/0",
        AWS_STORAGE_BUCKET_NAME="media",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )

    assert values["db_engine"] == "django_prometheus.db.backends.postgresql"
    assert values["db_host"] == "db.internal"
    # Django's psycopg pool bounds each process's connections; they go back at the end
    # of each request (CONN_MAX_AGE 0 is what the pool requires).
    assert values["conn_max_age"] == 0
    assert values["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert values["storage"] == "MediaStorage"
    assert values["bucket"] == "media"
    assert values["endpoint"] == "http://minio.internal:9000"
    assert values["addressing"] == "path"
    assert values["signature"] == "s3v4"
    assert values["checksum"] == "when_required"
    assert values["layer"] == "RedisChannelLayer"
    # A consumer's receive blocks in Redis for brpop_timeout; a read timeout no longer
    # than that dropped every idle WebSocket (redis-py 8 reads within 5 s by default).
    assert values["layer_read_timeout"] > values["layer_blocks_for"]
    assert values["broker"] == "RedisBroker"
    assert values["cache_backend"] == "django_prometheus.cache.backends.redis.RedisCache"


def test_settings_without_secret_key_refuse_to_start(tmp_path):
    result = load_settings(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_debug_allows_missing_secret_key_and_relaxes_security(tmp_path):
    values = settings_as_dict(tmp_path, DEBUG="1")

    assert values["debug"] is True
    assert values["session_cookie_secure"] is False
    assert values["hsts"] == 0
    assert values["ssl_redirect"] is False
    assert values["log_formatter"] == "readable"


def test_settings_production_turns_security_on(tmp_path):
    values = settings_as_dict(tmp_path, SECRET_KEY="x" * 50)

    assert values["debug"] is False
    assert values["session_cookie_secure"] is True
    assert values["csrf_cookie_secure"] is True
    assert values["hsts"] >= 31536000
    assert values["ssl_redirect"] is True
    # No proxy is trusted until TRUSTED_PROXY_COUNT says so: a client's own
    # X-Forwarded-Proto must not turn the HTTPS redirect off.
    assert values["proxy_header"] is None
    assert values["log_formatter"] == "json"


def test_settings_trust_x_forwarded_proto_only_behind_a_trusted_proxy(tmp_path):
    values = settings_as_dict(tmp_path, SECRET_KEY="x" * 50, TRUSTED_PROXY_COUNT="1")

    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EMBEDDED_WORKER_THREADS", "0", "EMBEDDED_WORKER_THREADS must be a positive integer"),
        ("DEBUG", "perhaps", "DEBUG"),
        ("RECORDING_RETENTION_DAYS", "-1", "RECORDING_RETENTION_DAYS must be 0 (keep forever)"),
    ],
)
def test_settings_reject_bad_values_with_a_clear_message(tmp_path, name, value, message):
    result = load_settings(tmp_path, SECRET_KEY="x" * 50, **{name: value})

    assert result.returncode != 0
    assert message in result.stderr
