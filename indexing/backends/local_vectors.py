"""The vector half of the local backend: immutable generations of numpy columns + a usearch
HNSW index, searched exactly under selective filters and approximately otherwise.

A generation directory holds `ids.npy` (row -> document id, "" for a free row), `vectors.npy`
(float32, L2-normalised), `numbers.npy` (float64, NaN = absent), `keywords.npz` (per keyword
field: the value vocabulary and (code, row) pairs, multi-valued) and optionally `ann.usearch`
(keys are row numbers). Rows are stable across generations (updates rewrite a row in place,
deletes free it, inserts reuse free rows), so the HNSW graph is patched, not rebuilt, per batch.

The other vector spaces (transcript passages, images) hang off the document's row, whose
filter columns they share: `<space>.vectors.npy` (float32, L2-normalised), `<space>.rows.npy`
(the owning row) and `<space>.ordinals.npy` (the vector's position within its document).
They are searched exactly: at most a few vectors per document, tens of thousands in all.
"""

from __future__ import annotations

import json
import logging
import math
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from usearch.index import Index as AnnIndex

from ..schema import TEXT_SPACE, DocTypeSchema
from .base import Filters, SearchDocument
from .local_storage import fsync_directory

logger = logging.getLogger(__name__)

# Passing sets up to this size, or under this share of the index, are scored exactly: it is
# exact, and at this scale cheaper than an over-sampled graph search (8,192 rows scored whole:
# ~0.2 ms; the graph over 19,406 products: 0.39 ms, scoring them all 0.47 ms). Smaller
# indexes build no graph.
EXACT_MAX_ROWS = 8192
EXACT_MAX_SHARE = 0.2
# An exact search scores the whole matrix when at least this share of its rows pass, else
# gathers the passing rows first (a gathered row costs ~6 rows of the product).
GATHER_MAX_SHARE = 0.15
ANN_OVERSAMPLING = 1.5
ANN_SEARCH_EXPANSION = 64


def new_ann_index(dim: int) -> AnnIndex:
    # f16 halves the graph's memory; scores are recomputed exactly from vectors.npy anyway.
    return AnnIndex(
        ndim=dim,
        metric="cos",
        dtype="f16",
        connectivity=16,
        expansion_add=128,
        expansion_search=ANN_SEARCH_EXPANSION,
    )


def mapped(path: Path) -> np.ndarray:
    """A read-only memory map of a saved array, as a plain ndarray: the pages are shared by
    every reader process, and indexing a plain view skips np.memmap's Python-level
    __getitem__ (~0.1 ms per gather, several per search)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


@dataclass
class SpaceVectors:
    """The vectors of one secondary space and the document row owning each."""

    vectors: np.ndarray  # (n, dim) float32
    rows: np.ndarray  # (n,) int64: owning document row
    ordinals: np.ndarray  # (n,) int32: position within its document (e.g. passage number)

    @classmethod
    def empty(cls) -> SpaceVectors:
        return cls(np.zeros((0, 0), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int32))

    @classmethod
    def load(cls, path: Path, space: str) -> SpaceVectors:
        if not (path / f"{space}.rows.npy").exists():  # written before this space existed
            return cls.empty()
        return cls(
            mapped(path / f"{space}.vectors.npy"),
            np.load(path / f"{space}.rows.npy"),
            np.load(path / f"{space}.ordinals.npy"),
        )

    def save(self, path: Path, space: str) -> None:
        np.save(path / f"{space}.vectors.npy", self.vectors)
        np.save(path / f"{space}.rows.npy", self.rows)
        np.save(path / f"{space}.ordinals.npy", self.ordinals)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @cached_property
    def most_per_document(self) -> int:
        """The most vectors one document has in this space (e.g. 4 transcript passages)."""
        return int(np.bincount(self.rows).max()) if len(self.rows) else 0


def best_first(scores: np.ndarray, wanted: int) -> np.ndarray:
    """Indices of the `wanted` highest scores (and of any tied with the last of them), best
    first, ties in index order: the head of a stable descending argsort, without sorting all
    of it (10,000 passage scores: ~0.1 ms instead of ~0.5)."""
    if wanted <= 0:
        return np.zeros(0, dtype=np.intp)
    if wanted >= len(scores):
        return np.argsort(-scores, kind="stable")
    cut = len(scores) - wanted
    head = np.flatnonzero(scores >= np.partition(scores, cut)[cut])
    return head[np.argsort(-scores[head], kind="stable")]


def secondary_spaces(schema: DocTypeSchema) -> tuple[str, ...]:
    return tuple(space for space in schema.vector_spaces if space != TEXT_SPACE)


def no_keyword_values() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, codes, rows) of a keyword field no document holds."""
    return np.array([], dtype=str), np.array([], np.int32), np.array([], np.int32)


def stored_keyword(archive, name: str, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A keyword field's arrays; none for a field the generation predates (written before the
    schema declared it): the documents hold no value there until `rebuild_index` writes them
    again, and a filter on it matches nothing, rather than every search failing."""
    if f"{name}.values" not in archive:
        logger.warning("%s predates keyword field %r: run rebuild_index to fill it", path, name)
        return no_keyword_values()
    return archive[f"{name}.values"], archive[f"{name}.codes"], archive[f"{name}.rows"]


class VectorSnapshot:
    """One generation opened for reading; arrays are memory-mapped (shared page cache across
    worker processes)."""

    def __init__(
        self,
        schema: DocTypeSchema,
        ids,
        vectors,
        numbers,
        keywords: dict,
        ann: AnnIndex | None,
        spaces: dict[str, SpaceVectors] | None = None,
    ):
        self.schema = schema
        self.ids = ids
        self.vectors = vectors
        self.numbers = numbers
        self.keywords = keywords  # field -> (values, codes, rows)
        self.ann = ann
        self.spaces = spaces or {space: SpaceVectors.empty() for space in secondary_spaces(schema)}
        self.live = ids != ""
        self.live_count = int(self.live.sum())
        self._postings_by_field: dict[str, tuple] = {}
        self._row_by_id: dict[str, int] | None = None

    @classmethod
    def empty(cls, schema: DocTypeSchema) -> VectorSnapshot:
        return cls(
            schema,
            np.array([], dtype=str),
            np.zeros((0, 0), np.float32),
            np.zeros((0, len(schema.numeric_fields))),
            {name: no_keyword_values() for name in schema.keyword_fields},
            None,
        )

    @classmethod
    def load(cls, schema: DocTypeSchema, path: Path) -> VectorSnapshot:
        meta = json.loads((path / "meta.json").read_bytes())
        with np.load(path / "keywords.npz") as archive:
            keywords = {name: stored_keyword(archive, name, path) for name in schema.keyword_fields}
        ann = AnnIndex.restore(str(path / "ann.usearch"), view=True) if meta["ann"] else None
        if ann is not None:
            ann.expansion_search = ANN_SEARCH_EXPANSION
        return cls(
            schema,
            np.load(path / "ids.npy"),  # small, and indexed per hit: not worth a memory map
            mapped(path / "vectors.npy"),
            np.load(path / "numbers.npy"),
            keywords,
            ann,
            {space: SpaceVectors.load(path, space) for space in secondary_spaces(schema)},
        )

    def rows_array(self, ids: Sequence[str]) -> np.ndarray:
        """Row of each id in order, -1 for an id not stored; the id -> row map is built on
        first use, once per generation."""
        if self._row_by_id is None:
            self._row_by_id = {str(doc_id): row for row, doc_id in enumerate(self.ids.tolist()) if doc_id}
        row_by_id = self._row_by_id
        return np.fromiter((row_by_id.get(doc_id, -1) for doc_id in ids), dtype=np.int64, count=len(ids))

    def carry_row_map(self, previous: VectorSnapshot) -> None:
        """Derive the id -> row map from the previous generation's, if it was built: a write
        leaves every untouched document in its row, so only rows whose id changed need a
        look, where building the map afresh walks every row (~5 ms for 20,000 documents, on
        the first search after each commit)."""
        if previous._row_by_id is None:
            return
        old_ids, new_ids = previous.ids, self.ids
        shared = min(len(old_ids), len(new_ids))
        changed = np.flatnonzero(old_ids[:shared] != new_ids[:shared]).tolist()
        row_by_id = dict(previous._row_by_id)
        for row in changed + list(range(shared, len(old_ids))):
            old_id = str(old_ids[row])
            if old_id and row_by_id.get(old_id) == row:
                del row_by_id[old_id]
        for row in changed + list(range(shared, len(new_ids))):
            if new_id := str(new_ids[row]):
                row_by_id[new_id] = row
        self._row_by_id = row_by_id

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def dims(self) -> dict[str, int]:
        """Dimensions per vector space; 0 while a space holds no vector yet."""
        return {TEXT_SPACE: self.dim, **{space: store.dim for space, store in self.spaces.items()}}

    def search_space(
        self, space: str, vector: np.ndarray, filters: Filters, limit: int
    ) -> list[tuple[str, float, int]]:
        """(id, best cosine, ordinal of the best vector) of the documents passing `filters`
        whose best vector in `space` is nearest; exact."""
        store = self.spaces.get(space)
        if store is None or len(store.rows) == 0 or limit <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != store.dim:
            raise ValueError(f"query vector has {query.shape[0]} dimensions, the {space} space {store.dim}")
        mask = self.filter_mask(filters)
        if mask is None:
            entries, scores = np.arange(len(store.rows)), store.vectors @ query
        else:
            entries = np.flatnonzero(mask[store.rows])
            scores = store.vectors[entries] @ query
        # The best `limit` documents have their best vectors among the top limit x
        # most_per_document entries. A document's first entry in score order is its best;
        # keep those, best first.
        order = best_first(scores, limit * store.most_per_document)
        _, firsts = np.unique(store.rows[entries[order]], return_index=True)
        best = order[np.sort(firsts)[:limit]]
        picked = entries[best]
        return list(
            zip(
                self.ids[store.rows[picked]].tolist(),
                scores[best].tolist(),
                store.ordinals[picked].tolist(),
                strict=True,
            )
        )

    def search(
        self, vector: np.ndarray, filters: Filters, limit: int, exact_max_rows: int = EXACT_MAX_ROWS
    ) -> list[tuple[str, float]]:
        """(id, cosine) of the true nearest live rows passing `filters` (approximate only for
        large passing sets, where the graph search is re-checked and falls back to exact)."""
        if self.live_count == 0 or limit <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim:
            raise ValueError(f"query vector has {query.shape[0]} dimensions, the index {self.dim}")
        mask = self.filter_mask(filters)
        passing = self.live_count if mask is None else int(mask.sum())
        exact = self.ann is None or passing <= exact_max_rows or passing < EXACT_MAX_SHARE * self.live_count
        rows = None if exact else self._ann_candidates(query, mask, passing, limit)
        if rows is None and passing >= GATHER_MAX_SHARE * len(self.ids):
            # One product over the whole matrix: copying most rows out of it first cost more
            # than scoring all of them (6,000 videos: 0.45 ms gathered, 0.08 ms whole).
            scores = self.vectors @ query
            scores[~(self.live if mask is None else mask)] = -np.inf
            top = best_first(scores, limit)[: min(limit, passing)]
            return list(zip(self.ids[top].tolist(), scores[top].tolist(), strict=True))
        if rows is None:
            rows = np.flatnonzero(self.live if mask is None else mask)
        scores = self.vectors[rows] @ query
        top = best_first(scores, limit)[:limit]
        return list(zip(self.ids[rows[top]].tolist(), scores[top].tolist(), strict=True))

    def _ann_candidates(self, query, mask, passing: int, limit: int) -> np.ndarray | None:
        """Graph candidates over-sampled for the filter's selectivity; None when too few pass."""
        wanted = min(self.live_count, math.ceil(limit * ANN_OVERSAMPLING * self.live_count / passing))
        rows = self.ann.search(query, wanted, threads=1).keys.astype(np.int64)
        if mask is not None:
            rows = rows[mask[rows]]
        return rows if len(rows) >= min(limit, passing) else None

    def filter_mask(self, filters: Filters) -> np.ndarray | None:
        """Rows passing `filters` (None: no filter); same semantics as Filters.matches."""
        if not filters:
            return None
        mask = self.live.copy()
        for name, values in filters.terms.items():
            mask &= self._keyword_rows_mask(name, values)
        for name, bounds in filters.ranges.items():
            column = self.numbers[:, self.schema.numeric_fields.index(name)]
            with np.errstate(invalid="ignore"):  # NaN (absent) compares False: excluded
                if bounds.gte is not None:
                    mask &= column >= bounds.gte
                if bounds.lte is not None:
                    mask &= column <= bounds.lte
        for name in filters.exists:
            if name in self.schema.keyword_fields:
                mask &= self._keyword_rows_mask(name, None)
            else:
                mask &= ~np.isnan(self.numbers[:, self.schema.numeric_fields.index(name)])
        return mask

    def _keyword_rows_mask(self, name: str, values: Sequence[str] | None) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=bool)
        if values is None:
            mask[self.keywords[name][2]] = True
            return mask
        vocabulary, rows_by_code, offsets = self._postings(name)
        for code in (vocabulary[v] for v in map(str, values) if v in vocabulary):
            mask[rows_by_code[offsets[code] : offsets[code + 1]]] = True
        return mask

    def _postings(self, name: str):
        """Rows grouped by value (built on first use): a terms filter then touches only the
        rows it selects."""
        if name not in self._postings_by_field:
            values, codes, rows = self.keywords[name]
            order = np.argsort(codes, kind="stable")
            offsets = np.searchsorted(codes[order], np.arange(len(values) + 1))
            vocabulary = {str(v): i for i, v in enumerate(values)}
            self._postings_by_field[name] = (vocabulary, rows[order], offsets)
        return self._postings_by_field[name]


class GenerationBuilder:
    """Applies one write batch to a copy of the current generation and writes the next one."""

    def __init__(self, schema: DocTypeSchema, current: VectorSnapshot, current_path: Path | None):
        self.schema = schema
        self.current_path = current_path
        self.ids = current.ids.tolist()
        self.vectors = np.array(current.vectors, dtype=np.float32)
        self.numbers = np.array(current.numbers, dtype=np.float64)
        self.keywords = {name: [arr.copy() for arr in arrays] for name, arrays in current.keywords.items()}
        self.spaces = {
            space: SpaceVectors(np.array(store.vectors, np.float32), store.rows.copy(), store.ordinals.copy())
            for space, store in current.spaces.items()
        }
        self.had_ann = current.ann is not None
        self.touched_rows: list[int] = []
        self.upserted_rows: list[int] = []

    @property
    def changed(self) -> bool:
        return bool(self.touched_rows)

    def graph_missing(self, ann_min_rows: int) -> bool:
        return not self.had_ann and len(self._live_rows()) >= ann_min_rows

    def _live_rows(self) -> np.ndarray:
        return np.array([row for row, doc_id in enumerate(self.ids) if doc_id], dtype=np.uint64)

    def apply(self, upserts: Sequence[SearchDocument], delete_ids: Iterable[str]) -> None:
        row_of = {doc_id: row for row, doc_id in enumerate(self.ids) if doc_id}
        free = [row for row, doc_id in enumerate(self.ids) if not doc_id]
        # Documents without a vector are not in the dense channel: an upsert drops an old one.
        removed = {*delete_ids, *(doc.id for doc in upserts if doc.vector is None)}
        for doc_id in removed & row_of.keys():
            row = row_of.pop(doc_id)
            self.ids[row] = ""
            free.append(row)
            self.touched_rows.append(row)
        with_vectors = [doc for doc in upserts if doc.vector is not None]
        if with_vectors and self.vectors.shape[1] == 0:
            self.vectors = np.zeros((len(self.ids), len(with_vectors[0].vector)), np.float32)
        placements = []
        for doc in with_vectors:
            row = row_of.get(doc.id)
            if row is None:
                row = free.pop() if free else len(self.ids)
                if row == len(self.ids):
                    self.ids.append("")
                row_of[doc.id] = row
            placements.append((row, doc))
        self._grow_to(len(self.ids))
        for row, doc in placements:
            self.ids[row] = doc.id
            self.vectors[row] = doc.vector
            self.numbers[row] = [doc.numbers.get(n, math.nan) for n in self.schema.numeric_fields]
        for row in self.touched_rows:
            if not self.ids[row]:
                self.vectors[row] = 0.0
                self.numbers[row] = math.nan
        self.upserted_rows = [row for row, _ in placements]
        self.touched_rows += self.upserted_rows
        self._rewrite_keywords(placements)
        self._rewrite_spaces(placements)

    def _grow_to(self, rows: int) -> None:
        extra = rows - len(self.vectors)
        if extra > 0:
            self.vectors = np.vstack([self.vectors, np.zeros((extra, self.vectors.shape[1]), np.float32)])
            self.numbers = np.vstack([self.numbers, np.full((extra, self.numbers.shape[1]), math.nan)])

    def _rewrite_keywords(self, placements: list[tuple[int, SearchDocument]]) -> None:
        touched = np.array(self.touched_rows, dtype=np.int32)
        for name, (values, codes, rows) in self.keywords.items():
            keep = ~np.isin(rows, touched)
            vocabulary = {str(v): i for i, v in enumerate(values)}
            new_codes, new_rows = [], []
            for row, doc in placements:
                for value in map(str, doc.keywords.get(name, ())):
                    new_codes.append(vocabulary.setdefault(value, len(vocabulary)))
                    new_rows.append(row)
            self.keywords[name] = [
                np.array(list(vocabulary), dtype=str),
                np.concatenate([codes[keep], np.array(new_codes, np.int32)]),
                np.concatenate([rows[keep], np.array(new_rows, np.int32)]),
            ]

    def _rewrite_spaces(self, placements: list[tuple[int, SearchDocument]]) -> None:
        """Drop the touched rows' vectors, then append the upserted documents' own."""
        touched = np.array(self.touched_rows, dtype=np.int64)
        for space, store in self.spaces.items():
            keep = ~np.isin(store.rows, touched)
            added = [
                (row, matrix) for row, doc in placements if (matrix := doc.space_vectors(space)) is not None
            ]
            if keep.all() and not added:
                continue
            dim = store.dim or added[0][1].shape[1]
            self.spaces[space] = SpaceVectors(
                np.concatenate([store.vectors[keep].reshape(-1, dim), *(m for _, m in added)]).astype(
                    np.float32
                ),
                np.concatenate([store.rows[keep], *(np.full(len(m), row, np.int64) for row, m in added)]),
                np.concatenate(
                    [store.ordinals[keep], *(np.arange(len(m), dtype=np.int32) for _, m in added)]
                ).astype(np.int32),
            )

    def write(self, directory: Path, name: str, *, with_ann: bool, ann_min_rows: int) -> None:
        """Write the generation into a temporary directory, fsync, then rename it to `name`:
        a crash leaves only a temporary directory, which the next writer collects."""
        temp = directory / f".tmp-{secrets.token_hex(4)}"
        temp.mkdir()
        ann = self._ann(ann_min_rows) if with_ann else None
        if ann is not None:
            ann.save(str(temp / "ann.usearch"))
        np.save(temp / "ids.npy", np.array(self.ids, dtype=str))
        np.save(temp / "vectors.npy", self.vectors)
        np.save(temp / "numbers.npy", self.numbers)
        np.savez(
            temp / "keywords.npz",
            **{
                f"{field}.{part}": array
                for field, arrays in self.keywords.items()
                for part, array in zip(("values", "codes", "rows"), arrays, strict=True)
            },
        )
        for space, store in self.spaces.items():
            store.save(temp, space)
        (temp / "meta.json").write_text(
            json.dumps(
                {
                    "dim": int(self.vectors.shape[1]),
                    "ann": ann is not None,
                    "spaces": {space: int(store.dim) for space, store in self.spaces.items()},
                }
            )
        )
        for file in temp.iterdir():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_directory(temp)
        os.rename(temp, directory / name)
        fsync_directory(directory)

    def _ann(self, ann_min_rows: int) -> AnnIndex | None:
        live_rows = self._live_rows()
        if len(live_rows) < ann_min_rows:
            return None
        if self.had_ann and self.current_path is not None:
            # Patch the graph: far cheaper than rebuilding it for a small batch.
            ann = AnnIndex.restore(str(self.current_path / "ann.usearch"))
            ann.remove(np.array(self.touched_rows, dtype=np.uint64))
            rows = np.array(self.upserted_rows, dtype=np.uint64)
        else:
            ann = new_ann_index(self.vectors.shape[1])
            rows = live_rows
        if len(rows):
            ann.add(rows, self.vectors[rows.astype(np.int64)], threads=os.cpu_count() or 1)
        return ann
