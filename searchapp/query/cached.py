"""Database-backed query settings (synonyms, rules) cached in every web process and dropped
everywhere at once: each process keeps its own copy with the version it was loaded at, and
compares that version with the one in the shared Django cache (Redis in production). A save
or delete bumps the version after its transaction commits, so every process reloads on its
next check, without a re-index or a restart; the process that saved reloads at once.

The check is one cache round trip, made at most every SEARCH_QUERY_SETTINGS_CHECK_SECONDS
(default 1 s) per process: on a busy 2-core host a Redis read can take milliseconds, more
than the whole analyze budget, so it is not paid on every query."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_CHECK_SECONDS = 1.0
_UNLOADED = object()  # not None: a loaded value may be None (no intent model saved)


class VersionedValue(Generic[T]):
    def __init__(self, key: str, load: Callable[[], T], max_age_seconds: float | None = None):
        """`max_age_seconds`: reload at least this often even when no save bumped the version
        (for rows also changed by bulk updates, which send no signal)."""
        self.key = key
        self.load = load
        self.max_age_seconds = max_age_seconds
        self.version: object = None
        self.value: object = _UNLOADED
        self.checked_at = float("-inf")
        self.loaded_at = float("-inf")
        self.lock = threading.Lock()

    def get(self) -> T:
        interval = getattr(settings, "SEARCH_QUERY_SETTINGS_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
        if self.value is not _UNLOADED and time.monotonic() - self.checked_at < interval:
            return self.value
        version = self.shared_version()
        with self.lock:
            self.checked_at = time.monotonic()
            stale = (
                self.max_age_seconds is not None and self.checked_at - self.loaded_at > self.max_age_seconds
            )
            if self.value is _UNLOADED or stale or (version is not None and version != self.version):
                replaced = self.value is not _UNLOADED
                self.value = self.load()
                self.version = version
                self.loaded_at = self.checked_at
                if replaced:
                    self.reloaded()
            return self.value

    def reloaded(self) -> None:
        """Called after a value already served was replaced by a new load."""

    def shared_version(self) -> object:
        """What every process agrees the current version is; None when it cannot be told
        (the copy already loaded is then kept)."""
        try:
            version = cache.get(self.key)
            if version is None:
                # First use, or the cache was flushed: agree on a version (add is atomic).
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.key)
            return version
        except Exception:  # an unreachable cache keeps serving the copy already loaded
            logger.warning("cache unavailable; using the loaded %s", self.key, exc_info=True)
            return None

    def forget(self) -> None:
        """Drop this process's copy only (tests: the database rolled back under it)."""
        with self.lock:
            self.value = _UNLOADED

    def invalidate(self) -> None:
        """Make every process reload, once the current transaction (if any) has committed:
        reloading earlier would read, and then keep, the rows as they were before it."""

        def bump():
            try:
                cache.set(self.key, uuid.uuid4().hex, timeout=None)
            except Exception:
                logger.warning("cache unavailable; %s not invalidated", self.key, exc_info=True)
            with self.lock:
                self.value = _UNLOADED  # this process reloads even without a shared cache

        transaction.on_commit(bump)
