"""On-disk layout, atomic files and locks of the local backend.

    PATH/
      <prefix>-<doc_type>            alias: a small file naming the live versioned index
      <prefix>-<doc_type>.lock       alias lock: live writers hold it shared, swaps exclusive
      <prefix>-<doc_type>.rebuild    marker naming the rebuild in progress (gets live writes too)
      <prefix>-<doc_type>_<random>/  one versioned index
        write.lock                   its writers serialise on this
        COMMIT                       {"seq", "vectors", "previous"}: replaced last in a batch,
                                     readers reload when it changes
        PENDING                      the COMMIT a batch is about to make and tantivy's last
                                     commit before it: written before tantivy commits, removed
                                     after COMMIT, read by the next writer if a writer died
        lexical/                     tantivy index
        vectors/<generation>/        immutable vector generations (current and previous kept)

Small files are replaced atomically (temp file, fsync, os.replace, fsync of the directory)
so a crash leaves either the old or the new content, never a torn file. Readers never lock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .base import BackendUnavailable

_LOCK_POLL_SECONDS = 0.01


def atomic_write_bytes(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    fsync_directory(path.parent)


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_signature(path: Path) -> tuple[int, int] | None:
    """Cheap change detector: os.replace gives the file a new inode, a rewrite a new mtime."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


@contextmanager
def file_lock(path: Path, *, shared: bool = False, timeout: float = 30.0):
    """flock on `path`, polled until `timeout`. The OS releases it when the process dies, so a
    killed writer never leaves the index locked."""
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise BackendUnavailable(f"timed out after {timeout}s waiting for {path}") from None
                time.sleep(_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@dataclass(frozen=True)
class Commit:
    seq: int = 0
    vectors: str | None = None  # generation directory name under vectors/
    previous: str | None = None  # kept one commit longer for readers still loading it

    def to_json(self) -> bytes:
        return json.dumps({"seq": self.seq, "vectors": self.vectors, "previous": self.previous}).encode()


@dataclass(frozen=True)
class PendingCommit:
    """A batch's COMMIT, recorded before its tantivy commit. `lexical_opstamp` is the
    tantivy index's last commit when the batch was staged: a later one means it landed."""

    commit: Commit
    lexical_opstamp: int

    def to_json(self) -> bytes:
        return json.dumps({"commit": asdict(self.commit), "lexical_opstamp": self.lexical_opstamp}).encode()


class IndexDirectory:
    """One versioned index directory."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.lexical_path = path / "lexical"
        self.vectors_path = path / "vectors"
        self.commit_path = path / "COMMIT"
        self.pending_path = path / "PENDING"
        self.lock_path = path / "write.lock"

    def create(self, create_lexical: Callable[[Path], None]) -> None:
        """COMMIT comes last: a directory without it is not an index (yet)."""
        self.lexical_path.mkdir(parents=True)
        create_lexical(self.lexical_path)
        self.vectors_path.mkdir()
        self.write_commit(Commit())

    def exists(self) -> bool:
        return self.commit_path.exists()

    def read_commit(self) -> Commit:
        return Commit(**json.loads(self.commit_path.read_bytes()))

    def write_commit(self, commit: Commit) -> None:
        atomic_write_bytes(self.commit_path, commit.to_json())

    def write_pending(self, pending: PendingCommit) -> None:
        atomic_write_bytes(self.pending_path, pending.to_json())

    def read_pending(self) -> PendingCommit | None:
        try:
            data = json.loads(self.pending_path.read_bytes())
        except FileNotFoundError:
            return None
        return PendingCommit(Commit(**data["commit"]), data["lexical_opstamp"])

    def clear_pending(self) -> None:
        self.pending_path.unlink(missing_ok=True)

    def generation_path(self, name: str) -> Path:
        return self.vectors_path / name

    def collect_garbage(self, commit: Commit) -> None:
        """Drop generations neither current nor previous, including ones a killed writer left
        half-written. Only called under the write lock."""
        keep = {commit.vectors, commit.previous}
        for entry in self.vectors_path.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    def writing(self, timeout: float):
        return file_lock(self.lock_path, timeout=timeout)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class Layout:
    """Names and files under the backend's PATH for one index prefix."""

    def __init__(self, root: Path, prefix: str):
        self.root = root
        self.prefix = prefix

    def alias_name(self, doc_type: str) -> str:
        return f"{self.prefix}-{doc_type}"

    def alias_path(self, doc_type: str) -> Path:
        return self.root / self.alias_name(doc_type)

    def alias_lock(self, doc_type: str, *, shared: bool, timeout: float):
        self.root.mkdir(parents=True, exist_ok=True)
        return file_lock(self.root / f"{self.alias_name(doc_type)}.lock", shared=shared, timeout=timeout)

    def rebuild_marker_path(self, doc_type: str) -> Path:
        return self.root / f"{self.alias_name(doc_type)}.rebuild"

    def new_index(self, doc_type: str, create_lexical: Callable[[Path], None]) -> IndexDirectory:
        directory = self.index(f"{self.alias_name(doc_type)}_{secrets.token_hex(6)}")
        directory.create(create_lexical)
        return directory

    def index(self, name: str) -> IndexDirectory:
        return IndexDirectory(self.root / name)

    def is_index_of(self, doc_type: str, name: str) -> bool:
        return re.fullmatch(re.escape(self.alias_name(doc_type)) + r"_[0-9a-f]+", name) is not None

    def read_alias(self, doc_type: str) -> IndexDirectory | None:
        return self._read_name(self.alias_path(doc_type))

    def write_alias(self, doc_type: str, directory: IndexDirectory) -> None:
        atomic_write_bytes(self.alias_path(doc_type), directory.name.encode())

    def read_rebuild_marker(self, doc_type: str) -> IndexDirectory | None:
        return self._read_name(self.rebuild_marker_path(doc_type))

    def write_rebuild_marker(self, doc_type: str, directory: IndexDirectory) -> None:
        atomic_write_bytes(self.rebuild_marker_path(doc_type), directory.name.encode())

    def clear_rebuild_marker(self, doc_type: str, directory: IndexDirectory) -> None:
        """Only the rebuild the marker names clears it: a newer rebuild keeps live writes."""
        marked = self.read_rebuild_marker(doc_type)
        if marked is not None and marked.name == directory.name:
            self.rebuild_marker_path(doc_type).unlink(missing_ok=True)

    def _read_name(self, path: Path) -> IndexDirectory | None:
        try:
            name = path.read_text().strip()
        except FileNotFoundError:
            return None
        return self.index(name)
