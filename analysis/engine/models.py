"""One place where heavy models load: lazily, once per process, thread-safely.

Dramatiq runs several worker threads per process, so every loader takes the registry
lock, and models that keep state between calls (silero-vad's recurrent state, a
pocketsphinx decoder's utterance) are handed out together with their own lock.
Tests can replace an entry with ``register()``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_registry_lock = threading.RLock()
_instances: dict[str, Any] = {}
_factories: dict[str, Callable[[], Any]] = {}


@dataclass
class Guarded:
    """A model that must not be used by two threads at once."""

    model: Any
    lock: threading.Lock


def device() -> str:
    """CUDA when a GPU is visible, CPU otherwise (``YOUSYNC_DEVICE`` overrides)."""
    forced = os.environ.get("YOUSYNC_DEVICE")
    if forced:
        return forced
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def register(name: str, factory: Callable[[], Any]) -> None:
    """Declare how to build a model; drops a cached instance so tests can swap it."""
    with _registry_lock:
        _factories[name] = factory
        _instances.pop(name, None)


def get(name: str) -> Any:
    instance = _instances.get(name)
    if instance is not None:
        return instance
    with _registry_lock:
        if name not in _instances:
            _instances[name] = _factories[name]()
        return _instances[name]


def loaded() -> list[str]:
    return sorted(_instances)


def _load_vad() -> Guarded:
    import torch
    from silero_vad import load_silero_vad

    # The JIT model is tiny; on CPU one intra-op thread is fastest and leaves the
    # other core to the worker's second thread.
    model = load_silero_vad()
    dev = device()
    if dev != "cpu":
        model = model.to(torch.device(dev))
    return Guarded(model=model, lock=threading.Lock())


register("vad", _load_vad)
