"""Query-understanding files (the vocabulary, the intent model) cached in every process and
reloaded when they change on disk, so `build_query_vocabulary` or `train_intent` in another
process (a scheduled rebuild, an operator) reaches every web worker without a restart.

Builders replace a file atomically (write, then rename), so a reader sees the old file or the
new one. Each process checks the file's signature (inode, size, mtime) at most every
SEARCH_QUERY_SETTINGS_CHECK_SECONDS (1 s): a stat, not paid on every query. The process that
notices a change loads the new file on that request (the vocabulary with its spelling index:
~0.7 s on Chorus, once per rebuild)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from django.conf import settings

from .cached import DEFAULT_CHECK_SECONDS

S = TypeVar("S")
T = TypeVar("T")
_UNLOADED = object()


def file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class FileCached(Generic[T]):
    """`load()` of the file at `path()`, called again when the file changes (or appears)."""

    def __init__(self, path: Callable[[], Path], load: Callable[[], T]):
        self.path = path
        self.load = load
        self.value: object = _UNLOADED
        self.signature: tuple | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()

    def __call__(self) -> T:
        interval = getattr(settings, "SEARCH_QUERY_SETTINGS_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
        if self.value is not _UNLOADED and time.monotonic() - self.checked_at < interval:
            return self.value
        with self.lock:
            self.checked_at = time.monotonic()
            # Read before loading: a file replaced meanwhile is then seen as changed next time.
            signature = file_signature(self.path())
            if self.value is _UNLOADED or signature != self.signature:
                self.value = self.load()
                self.signature = signature
            return self.value

    def cache_clear(self) -> None:
        """Forget this process's copy (after a rebuild in this process, or between tests)."""
        with self.lock:
            self.value = _UNLOADED


class Derived(Generic[S, T]):
    """`derive(source())`, computed again whenever `source()` returns another object (its
    file was reloaded): the spelling index and the completer follow the vocabulary."""

    def __init__(self, source: Callable[[], S], derive: Callable[[S], T]):
        self.source = source
        self.derive = derive
        self.memo: tuple[S, T] | None = None

    def __call__(self) -> T:
        source = self.source()
        memo = self.memo
        if memo is None or memo[0] is not source:
            memo = self.memo = (source, self.derive(source))
        return memo[1]

    def cache_clear(self) -> None:
        self.memo = None
