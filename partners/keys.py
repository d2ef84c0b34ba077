"""What an API key looks like: `ys_live_` + an 8-character prefix (stored, to find the
key in one indexed lookup) + 43 characters of secret. Only the SHA-256 of the whole key
is stored: the key has 256 bits of randomness, so a fast hash is enough (no password
stretching needed), and the request path stays cheap."""

import hashlib
import secrets
import string

KEY_START = "ys_live_"
PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def new_key() -> tuple[str, str]:
    """(prefix, the whole key)."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{KEY_START}{prefix}{secrets.token_urlsafe(32)}"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_START) and len(value) > len(KEY_START) + PREFIX_LENGTH


def prefix_of(key: str) -> str:
    return key[len(KEY_START) : len(KEY_START) + PREFIX_LENGTH]
