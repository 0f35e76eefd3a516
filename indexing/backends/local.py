"""The embedded default backend: tantivy (BM25) + usearch/numpy (vectors) in files under
SEARCH_BACKENDS["local"]["PATH"]. One writer process at a time per index (flock), any number of
reader processes (web workers) that never lock and pick up commits on their next search.

Storage layout and atomicity: local_storage.py; BM25 side: local_lexical.py; vector side:
local_vectors.py.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..schema import DOC_TYPES, PASSAGE_SPACE, TEXT_SPACE, VECTOR_SPACES, DocTypeSchema, get_schema
from .base import (
    SPACE_FIELDS,
    BackendUnavailable,
    BaseSearchBackend,
    BulkResult,
    Filters,
    Hit,
    LexicalQuery,
    Rebuild,
    SearchDocument,
    VectorQuery,
    space_field_scores,
)
from .local_lexical import LexicalIndex, create_lexical_index
from .local_storage import Commit, IndexDirectory, Layout, PendingCommit, file_signature
from .local_vectors import EXACT_MAX_ROWS, GenerationBuilder, VectorSnapshot


class IndexReader:
    """One versioned index opened for searching. Each use stats its COMMIT file (microseconds)
    and reloads the tantivy searcher and the vector generation when a writer committed."""

    def __init__(self, directory: IndexDirectory, schema: DocTypeSchema):
        self.directory = directory
        self.schema = schema
        self.lexical = LexicalIndex(directory.lexical_path, schema)
        self.vectors = VectorSnapshot.empty(schema)
        self.commit = Commit()
        self._commit_signature = None
        self._reload_lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        signature = file_signature(self.directory.commit_path)
        if signature is None:
            raise FileNotFoundError(f"{self.directory.path} has no COMMIT: index removed")
        if signature == self._commit_signature:
            return
        with self._reload_lock:
            commit = self.directory.read_commit()
            self.lexical.reload()
            if commit.vectors != self.commit.vectors:
                if commit.vectors:
                    vectors = VectorSnapshot.load(self.schema, self.directory.generation_path(commit.vectors))
                    vectors.carry_row_map(self.vectors)
                else:
                    vectors = VectorSnapshot.empty(self.schema)
                self.vectors = vectors
            self.commit = commit
            self._commit_signature = signature


class LocalRebuild(Rebuild):
    def __init__(self, backend: SearchBackend, doc_type: str, directory: IndexDirectory):
        self.backend = backend
        self.doc_type = doc_type
        self.directory = directory
        self.name = directory.name

    def index_documents(self, docs: Iterable[SearchDocument]) -> BulkResult:
        return self.backend._write(self.doc_type, self.directory, list(docs), (), keep_graph=False)

    def commit(self) -> None:
        self.backend._commit_rebuild(self)

    def abort(self) -> None:
        self.backend._abort_rebuild(self)


class SearchBackend(BaseSearchBackend):
    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.layout = Layout(Path(self.params["PATH"]), self.index_prefix)
        self.lock_timeout = float(self.params.get("LOCK_TIMEOUT", 30.0))
        # Below this many live vectors every search is exact and no HNSW graph is kept.
        self.exact_max_rows = int(self.params.get("EXACT_SEARCH_MAX_ROWS", EXACT_MAX_ROWS))
        self._readers: dict[str, IndexReader] = {}  # by versioned index name
        self._aliases: dict[str, tuple[tuple[int, int], str]] = {}  # doc_type -> (signature, name)
        self._readers_lock = threading.Lock()

    # Index management.

    def ensure_index(self, doc_type: str) -> None:
        get_schema(doc_type)
        if self._live_directory(doc_type) is not None:
            return
        with self.layout.alias_lock(doc_type, shared=False, timeout=self.lock_timeout):
            if self._live_directory(doc_type) is None:
                self.layout.write_alias(doc_type, self._new_index(doc_type))

    def start_rebuild(self, doc_type: str) -> Rebuild:
        self.ensure_index(doc_type)
        with self.layout.alias_lock(doc_type, shared=False, timeout=self.lock_timeout):
            directory = self._new_index(doc_type)
            self.layout.write_rebuild_marker(doc_type, directory)
        return LocalRebuild(self, doc_type, directory)

    def _new_index(self, doc_type: str) -> IndexDirectory:
        schema = get_schema(doc_type)
        return self.layout.new_index(doc_type, lambda path: create_lexical_index(path, schema))

    def open_rebuild(self, doc_type: str, name: str) -> Rebuild:
        get_schema(doc_type)
        directory = self.layout.index(name)
        if not self.layout.is_index_of(doc_type, name) or not directory.exists():
            raise ValueError(f"no rebuild {name!r} of {doc_type} under {self.layout.root}")
        return LocalRebuild(self, doc_type, directory)

    def _commit_rebuild(self, rebuild: LocalRebuild) -> None:
        doc_type, directory = rebuild.doc_type, rebuild.directory
        with self.layout.alias_lock(doc_type, shared=False, timeout=self.lock_timeout):
            with directory.writing(self.lock_timeout):
                self._require_exists(directory)
                # Chunks skipped the HNSW graph; build it once, now, over everything.
                self._write_locked(doc_type, directory, [], (), keep_graph=True)
            old = self._live_directory(doc_type)
            self.layout.write_alias(doc_type, directory)
            self.layout.clear_rebuild_marker(doc_type, directory)
            if old is not None and old.name != directory.name:
                self._remove_directory(old)

    def _abort_rebuild(self, rebuild: LocalRebuild) -> None:
        with self.layout.alias_lock(rebuild.doc_type, shared=False, timeout=self.lock_timeout):
            self.layout.clear_rebuild_marker(rebuild.doc_type, rebuild.directory)
            self._remove_directory(rebuild.directory)

    def _remove_directory(self, directory: IndexDirectory) -> None:
        with directory.writing(self.lock_timeout):  # waits for a writer still in it
            directory.remove()
        self._readers.pop(directory.name, None)

    # Writing.

    def index_documents(self, doc_type: str, docs: Iterable[SearchDocument]) -> BulkResult:
        return self._write_live(doc_type, list(docs), ())

    def delete_documents(self, doc_type: str, ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(ids))
        if not ids or self._live_directory(doc_type) is None:
            return 0
        existing = self._reader(doc_type).lexical.count_ids(ids)
        self._write_live(doc_type, [], ids)
        return existing

    def _write_live(self, doc_type: str, docs: list[SearchDocument], delete_ids: Sequence[str]) -> BulkResult:
        """Write to the live index and to a rebuild in progress, so the rebuild does not lose
        changes made while it runs. The shared alias lock keeps a rebuild from swapping in the
        middle of the batch."""
        self.ensure_index(doc_type)
        with self.layout.alias_lock(doc_type, shared=True, timeout=self.lock_timeout):
            live = self._live_directory(doc_type)
            result = self._write(doc_type, live, docs, delete_ids, keep_graph=True)
            rebuilding = self.layout.read_rebuild_marker(doc_type)
            if rebuilding is not None and rebuilding.exists():
                self._write(doc_type, rebuilding, docs, delete_ids, keep_graph=False)
        return result

    def _write(self, doc_type, directory, docs, delete_ids, *, keep_graph: bool) -> BulkResult:
        """`keep_graph`: maintain the HNSW graph. Rebuild chunks skip it; commit builds it once."""
        with directory.writing(self.lock_timeout):
            self._require_exists(directory)
            return self._write_locked(doc_type, directory, docs, delete_ids, keep_graph=keep_graph)

    def _write_locked(self, doc_type, directory, docs, delete_ids, *, keep_graph: bool) -> BulkResult:
        """One batch: the next vector generation, PENDING, the tantivy commit, then COMMIT,
        which is what readers watch. A crash before the tantivy commit leaves everything at
        the previous state; a crash in the short window before COMMIT is replaced leaves
        the lexical half one batch ahead until the next write, which completes the batch
        from PENDING (_finish_interrupted_batch) instead of losing its vectors."""
        schema = get_schema(doc_type)
        reader = self._open(directory, schema)
        reader.refresh()
        if _finish_interrupted_batch(directory, reader):
            reader.refresh()
        commit = reader.commit
        directory.collect_garbage(commit)  # leftovers of a writer killed mid-batch
        accepted, result = _validate_documents(doc_type, docs, reader.vectors.dims())
        builder = GenerationBuilder(schema, reader.vectors, _generation_path(directory, commit))
        builder.apply(accepted, delete_ids)
        new_graph = keep_graph and builder.graph_missing(self.exact_max_rows)
        if not (accepted or delete_ids or new_graph):
            return result
        with reader.lexical.staged_write(accepted, delete_ids) as lexical:
            generation = commit.vectors
            if builder.changed or new_graph:
                generation = f"gen-{commit.seq + 1:010d}"
                builder.write(
                    directory.vectors_path, generation, with_ann=keep_graph, ann_min_rows=self.exact_max_rows
                )
            previous = commit.previous if generation == commit.vectors else commit.vectors
            new_commit = Commit(seq=commit.seq + 1, vectors=generation, previous=previous)
            directory.write_pending(PendingCommit(new_commit, lexical.base_opstamp))
            lexical.commit()
            directory.write_commit(new_commit)
        directory.clear_pending()
        directory.collect_garbage(new_commit)
        reader.refresh()
        return result

    @staticmethod
    def _require_exists(directory: IndexDirectory) -> None:
        if not directory.exists():
            raise ValueError(f"index {directory.name} no longer exists (rebuild committed or aborted)")

    # Reading.

    def search_lexical(self, doc_type: str, query: LexicalQuery) -> list[Hit]:
        if query.operator not in ("or", "and"):
            raise ValueError(f"unknown operator {query.operator!r}; expected 'or' or 'and'")
        _validate_filters(get_schema(doc_type), query.filters)
        reader = self._reader(doc_type)
        return [] if reader is None else reader.lexical.search(query)

    def search_vector(self, doc_type: str, query: VectorQuery) -> list[Hit]:
        schema = get_schema(doc_type)
        _validate_filters(schema, query.filters)
        if query.space not in VECTOR_SPACES:
            raise ValueError(
                f"unknown vector space {query.space!r}; expected one of {', '.join(VECTOR_SPACES)}"
            )
        reader = self._reader(doc_type)
        if reader is None or query.space not in schema.vector_spaces:
            return []
        vector = _normalised(query.vector)
        if query.space == TEXT_SPACE:
            nearest = [
                (doc_id, cosine, space_field_scores(TEXT_SPACE, cosine))
                for doc_id, cosine in reader.vectors.search(
                    vector, query.filters, query.limit, self.exact_max_rows
                )
            ]
        else:
            nearest = [
                (doc_id, cosine, space_field_scores(query.space, cosine, ordinal))
                for doc_id, cosine, ordinal in reader.vectors.search_space(
                    query.space, vector, query.filters, query.limit
                )
            ]
        stored = reader.lexical.fetch([doc_id for doc_id, _, _ in nearest])
        hits = []
        for doc_id, cosine, field_scores in nearest:
            hit = stored.get(doc_id)
            if hit is not None:  # absent only if a writer died between its two commits
                hit.score = cosine
                hit.field_scores = field_scores
                hits.append(hit)
        return hits

    def search_terms(self, doc_type: str, filters: Filters, limit: int) -> list[Hit]:
        _validate_filters(get_schema(doc_type), filters)
        reader = self._reader(doc_type)
        return [] if reader is None else reader.lexical.matching(filters, limit)

    def documents(self, doc_type: str, ids: Sequence[str], filters: Filters) -> list[Hit]:
        _validate_filters(get_schema(doc_type), filters)
        reader = self._reader(doc_type)
        return [] if reader is None or not ids else reader.lexical.by_ids(ids, filters)

    def vectors(self, doc_type: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        gathered = self._stored_vectors(doc_type, ids)
        if gathered is None:
            return {}
        known, matrix = gathered
        found = [doc_id for doc_id, stored in zip(ids, known, strict=True) if stored]
        # A view per document of the one gathered matrix.
        return dict(zip(found, np.asarray(matrix, dtype=np.float32), strict=True))

    def similarities(self, doc_type: str, ids: Sequence[str], vector: np.ndarray) -> np.ndarray:
        # One gather of the known rows and one product, no per-document arrays.
        result = np.full(len(ids), np.nan, dtype=np.float32)
        gathered = self._stored_vectors(doc_type, ids)
        if gathered is not None:
            known, matrix = gathered
            result[known] = matrix @ np.asarray(vector, dtype=np.float32)
        return result

    def _stored_vectors(self, doc_type: str, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """(which of `ids` have a stored text vector, those vectors in `ids` order): one gather
        from the memory map; None when the type has no index."""
        reader = self._reader(doc_type)
        if reader is None:
            return None
        snapshot = reader.vectors
        rows = snapshot.rows_array(ids)
        known = rows >= 0
        return known, snapshot.vectors[rows[known]]

    def suggest(self, prefix: str, doc_types: Sequence[str], limit: int = 10) -> list[dict]:
        readers = [reader for reader in map(self._reader, doc_types) if reader is not None]
        suggestions = [
            s for reader in readers for s in reader.lexical.suggest(prefix, keywords=True, limit=limit)
        ]
        # Titles rank after every brand and category, and scanning them is the cost (tantivy
        # walks every title word starting with the prefix).
        if len(suggestions) < limit:
            suggestions += [
                s for reader in readers for s in reader.lexical.suggest(prefix, keywords=False, limit=limit)
            ]
        suggestions.sort(key=lambda s: s.sort_key())
        return [s.as_dict() for s in suggestions[:limit]]

    def cached_documents(self, doc_type: str) -> list[Hit]:
        reader = self._reader(doc_type)
        return [] if reader is None else reader.lexical.load_all()

    def count(self, doc_type: str) -> int:
        reader = self._reader(doc_type)
        return 0 if reader is None else reader.lexical.count()

    def refresh(self, doc_type: str) -> None:
        # Every search already checks for new commits; this just does it now.
        self._reader(doc_type)

    def health(self) -> dict:
        try:
            return {"status": "ok", "doc_counts": {doc_type: self.count(doc_type) for doc_type in DOC_TYPES}}
        except Exception as exc:
            return {"status": "down", "error": f"{type(exc).__name__}: {exc}"}

    def _live_directory(self, doc_type: str) -> IndexDirectory | None:
        directory = self.layout.read_alias(doc_type)
        return directory if directory is not None and directory.exists() else None

    def _reader(self, doc_type: str) -> IndexReader | None:
        """The reader of the index the alias names now, or None before the first ensure_index.
        One retry covers a rebuild swapping the alias and removing the old index meanwhile."""
        schema = get_schema(doc_type)
        for attempt in range(2):
            signature = file_signature(self.layout.alias_path(doc_type))
            if signature is None:
                return None
            try:
                cached = self._aliases.get(doc_type)
                if cached is not None and cached[0] == signature and cached[1] in self._readers:
                    reader = self._readers[cached[1]]
                    reader.refresh()
                else:
                    reader = self._open(self.layout.read_alias(doc_type), schema)
                    self._aliases[doc_type] = (signature, reader.directory.name)
                    if cached is not None and cached[1] != reader.directory.name:
                        # The alias moved: let go of the old index so its deleted files are freed.
                        self._readers.pop(cached[1], None)
                return reader
            except (OSError, ValueError) as exc:
                if attempt:
                    raise BackendUnavailable(f"cannot read the {doc_type} index: {exc}") from exc
        return None

    def _open(self, directory: IndexDirectory, schema: DocTypeSchema) -> IndexReader:
        with self._readers_lock:
            reader = self._readers.get(directory.name)
            if reader is None or not reader.directory.exists():
                reader = self._readers[directory.name] = IndexReader(directory, schema)
            else:
                reader.refresh()
            return reader


def _finish_interrupted_batch(directory: IndexDirectory, reader: IndexReader) -> bool:
    """Whether COMMIT caught up with a batch whose writer died after tantivy committed it
    (its vector generation is on disk: it is written first). A batch tantivy never got is
    dropped, and its leftovers collected. Called under the write lock."""
    pending = directory.read_pending()
    if pending is None:
        return False
    landed = (
        pending.commit.seq == reader.commit.seq + 1
        and reader.lexical.committed_opstamp() > pending.lexical_opstamp
    )
    if landed:
        directory.write_commit(pending.commit)
    directory.clear_pending()
    return landed


def _generation_path(directory: IndexDirectory, commit: Commit) -> Path | None:
    return directory.generation_path(commit.vectors) if commit.vectors else None


def _normalised(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _validate_documents(
    doc_type: str, docs: Sequence[SearchDocument], dims: dict[str, int]
) -> tuple[list[SearchDocument], BulkResult]:
    """Documents fit for the index, last one winning per id, with vectors normalised; the
    rest counted as failed with a reason. `dims`: the index's dimensions per space (0: none
    yet, the first vector sets it)."""
    schema = get_schema(doc_type)
    dims = dict(dims)
    result = BulkResult()
    accepted: dict[str, SearchDocument] = {}
    for doc in docs:
        if doc.doc_type != doc_type or not doc.id.startswith(f"{doc_type}:"):
            error = f"not a {doc_type} document"
        else:
            error, normalised = _normalised_spaces(doc, schema, dims)
            if error is None:
                dims.update({space: matrix.shape[1] for space, matrix in normalised.items()})
                fields = {
                    SPACE_FIELDS[space]: matrix if space == PASSAGE_SPACE else matrix[0]
                    for space, matrix in normalised.items()
                }
                accepted[doc.id] = dataclasses.replace(doc, **fields)
                continue
        result.failed += 1
        result.errors.append(f"{doc.id}: {error}")
    result.indexed = len(accepted)
    return list(accepted.values()), result


def _normalised_spaces(
    doc: SearchDocument, schema: DocTypeSchema, dims: dict[str, int]
) -> tuple[str | None, dict[str, np.ndarray]]:
    """(error or None, L2-normalised vectors per space the document has)."""
    normalised = {}
    for space in schema.vector_spaces:
        matrix = doc.space_vectors(space)
        if matrix is None:
            continue
        expected = dims.get(space) or matrix.shape[1]
        if matrix.shape[1] != expected or not np.isfinite(matrix).all():
            return f"{space} vectors must have {expected} finite floats", {}
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        normalised[space] = np.divide(matrix, norms, out=matrix.copy(), where=norms > 0)
    return None, normalised


def _validate_filters(schema: DocTypeSchema, filters: Filters) -> None:
    """Both channels reject a filter on a field the doc type cannot filter on, the same way."""
    allowed = {
        **dict.fromkeys(schema.keyword_fields, "terms"),
        **dict.fromkeys(schema.numeric_fields, "ranges"),
    }
    for kind, names in (("terms", filters.terms), ("ranges", filters.ranges)):
        for name in names:
            if allowed.get(name) != kind:
                raise ValueError(f"cannot use a {kind} filter on {schema.name}.{name}")
    for name in filters.exists:
        if name not in allowed:
            raise ValueError(f"cannot use an exists filter on {schema.name}.{name}")
