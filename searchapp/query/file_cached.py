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
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from ..deferred_gc import refreeze_after_response
from .cached import VersionedValue

S = TypeVar("S")
T = TypeVar("T")


def file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class FileCached(VersionedValue[T]):
    """`load()` of the file at `path()`, called again when the file changes or appears: a
    VersionedValue whose version is the file's signature instead of a shared cache entry (a
    file that disappears keeps the copy loaded, as an unreachable cache does)."""

    def __init__(self, path: Callable[[], Path], load: Callable[[], T]):
        super().__init__(f"file {load.__name__}", load)
        self.path = path

    def shared_version(self) -> tuple[int, int, int] | None:
        return file_signature(self.path())

    def __call__(self) -> T:
        return self.get()

    def reloaded(self) -> None:
        # A rebuilt file is megabytes of long-lived objects warm-up's gc.freeze() never saw.
        refreeze_after_response()

    def cache_clear(self) -> None:
        """Forget this process's copy (after a rebuild in this process, or between tests)."""
        self.forget()


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
