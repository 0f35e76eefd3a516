"""The indexing work itself, as plain functions: tasks.py and the rebuild_index command call
these, and tests call them directly."""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .backends import get_backend
from .backends.base import BaseSearchBackend, BulkResult
from .documents import build_documents, indexable_queryset
from .embeddings import EmbeddingStats, embed_documents
from .schema import document_id, get_schema
from .visual import embed_images


@dataclass
class IndexReport(BulkResult):
    """A `BulkResult` that also says what was deleted, how many vectors were encoded (texts,
    passages and images alike) or came from the cache, and how many passages and images the
    indexed documents carry."""

    deleted: int = 0
    encoded: int = 0
    cached: int = 0
    passages: int = 0
    images: int = 0

    def add(self, other: "IndexReport") -> None:
        self.indexed += other.indexed
        self.failed += other.failed
        self.errors.extend(other.errors)
        self.deleted += other.deleted
        self.encoded += other.encoded
        self.cached += other.cached
        self.passages += other.passages
        self.images += other.images


def index_objects(doc_type: str, pks: Iterable[int], backend: BaseSearchBackend | None = None) -> IndexReport:
    """Bring these rows' documents up to date: (re)index those that belong in the index and
    delete the rest (gone from the database, or a product no longer active)."""
    backend = backend or get_backend()
    pks = _unique_pks(pks)
    backend.ensure_index(doc_type)
    docs, stats = _documents_with_vectors(doc_type, pks)
    report = _report(backend.index_documents(doc_type, docs), stats)
    indexed_ids = {doc.id for doc in docs}
    gone = [document_id(doc_type, pk) for pk in pks if document_id(doc_type, pk) not in indexed_ids]
    if gone:
        report.deleted = backend.delete_documents(doc_type, gone)
    return report


def delete_objects(doc_type: str, pks: Iterable[int], backend: BaseSearchBackend | None = None) -> int:
    get_schema(doc_type)
    backend = backend or get_backend()
    return backend.delete_documents(doc_type, [document_id(doc_type, pk) for pk in _unique_pks(pks)])


def index_rebuild_chunk(
    doc_type: str, rebuild_name: str, pks: Iterable[int], backend: BaseSearchBackend | None = None
) -> IndexReport:
    """Write these rows into the versioned index being rebuilt (reopened by name, so chunks can
    run in any worker)."""
    backend = backend or get_backend()
    docs, stats = _documents_with_vectors(doc_type, _unique_pks(pks))
    return _report(backend.open_rebuild(doc_type, rebuild_name).index_documents(docs), stats)


def commit_rebuild(doc_type: str, rebuild_name: str, backend: BaseSearchBackend | None = None) -> None:
    (backend or get_backend()).open_rebuild(doc_type, rebuild_name).commit()


def abort_rebuild(doc_type: str, rebuild_name: str, backend: BaseSearchBackend | None = None) -> None:
    (backend or get_backend()).open_rebuild(doc_type, rebuild_name).abort()


def rebuild_chunks(doc_type: str, chunk_size: int) -> Iterator[list[int]]:
    """The pks of every row that belongs in the index, in chunks for fan-out."""
    pks = indexable_queryset(doc_type).order_by("pk").values_list("pk", flat=True)
    chunk: list[int] = []
    for pk in pks.iterator(chunk_size=max(chunk_size, 2000)):
        chunk.append(pk)
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class RebuildProgress:
    doc_type: str
    total: int
    started: float = field(default_factory=time.monotonic)
    report: IndexReport = field(default_factory=IndexReport)

    @property
    def done(self) -> int:
        return self.report.indexed + self.report.failed

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def docs_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.docs_per_second
        return (self.total - self.done) / rate if rate > 0 else None


def rebuild(
    doc_type: str,
    chunk_size: int,
    progress: Callable[[RebuildProgress], None] | None = None,
    backend: BaseSearchBackend | None = None,
) -> RebuildProgress:
    """Rebuild one document type in-process: fill a fresh versioned index chunk by chunk, then
    swap the alias. Searches use the old index until the swap; on any error the new index is
    thrown away and the error re-raised."""
    backend = backend or get_backend()
    state = RebuildProgress(doc_type, total=indexable_queryset(doc_type).count())
    new_index = backend.start_rebuild(doc_type)
    try:
        for pks in rebuild_chunks(doc_type, chunk_size):
            state.report.add(index_rebuild_chunk(doc_type, new_index.name, pks, backend))
            if progress:
                progress(state)
        raise_if_failed(state.report)
        new_index.commit()
    except BaseException:
        new_index.abort()
        raise
    return state


def raise_if_failed(report: BulkResult) -> None:
    """A rebuild must not swap in an index missing documents the old one had."""
    if report.failed:
        raise RebuildFailed(f"{report.failed} documents failed to index: {'; '.join(report.errors[:5])}")


class RebuildFailed(RuntimeError):
    pass


def _documents_with_vectors(doc_type: str, pks: list[int]):
    docs = build_documents(doc_type, pks)
    if not docs:
        return docs, EmbeddingStats()
    return docs, embed_documents(docs) + embed_images(docs)


def _report(result: BulkResult, stats: EmbeddingStats) -> IndexReport:
    return IndexReport(
        indexed=result.indexed,
        failed=result.failed,
        errors=list(result.errors),
        encoded=stats.encoded,
        cached=stats.cached,
        passages=stats.passages,
        images=stats.images,
    )


def _unique_pks(pks: Iterable[int]) -> list[int]:
    return sorted({int(pk) for pk in pks})
