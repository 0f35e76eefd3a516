"""The search backend interface every backend implements (see ARCHITECTURE.md).

Backends store `SearchDocument`s and answer lexical (BM25) and vector (kNN) queries under
the same typed `Filters`. Fusion, facets and ranking live above the backends so that every
backend behaves the same.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Range:
    gte: float | None = None
    lte: float | None = None

    def __post_init__(self):
        for bound in (self.gte, self.lte):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("range bounds must be finite numbers")
        if self.gte is not None and self.lte is not None and self.gte > self.lte:
            raise ValueError("range lower bound is greater than upper bound")

    def contains(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.gte is None or value >= self.gte) and (self.lte is None or value <= self.lte)


@dataclass(frozen=True)
class Filters:
    """AND of: each `terms` field equals one of its values; each `ranges` field within its
    range; each `exists` field present. Both backends translate exactly this."""

    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, Range] = field(default_factory=dict)
    exists: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.terms or self.ranges or self.exists)

    def fields(self) -> set[str]:
        return set(self.terms) | set(self.ranges) | set(self.exists)

    def matches(self, keywords: Mapping[str, Sequence[str]], numbers: Mapping[str, float]) -> bool:
        """Reference semantics, used by backends that filter in Python and by tests."""
        for name, wanted in self.terms.items():
            if not set(keywords.get(name, ())) & set(wanted):
                return False
        for name, bounds in self.ranges.items():
            if not bounds.contains(numbers.get(name)):
                return False
        return all(keywords.get(name) or numbers.get(name) is not None for name in self.exists)


@dataclass
class SearchDocument:
    """One indexable document, built by indexing/documents.py from a model instance."""

    id: str  # "<doc_type>:<pk>"
    doc_type: str
    text: dict[str, str]  # schema.text_fields -> analysed text
    keywords: dict[str, list[str]]  # schema.keyword_fields -> exact values (multi-valued)
    numbers: dict[str, float]  # schema.numeric_fields -> value (missing = absent)
    display: dict  # schema.display_fields -> stored JSON-able values
    embedding_text: str  # what the dense channel encodes
    vector: np.ndarray | None = None  # float32, L2-normalised; set by the indexer
    # Transcript passages (videos), each searchable in the "passage" space; the indexer sets
    # `passage_vectors` (len(passages), dim) with the document encoder.
    passages: list[str] = field(default_factory=list)
    passage_vectors: np.ndarray | None = None
    # The image the "visual" space encodes (a path, file:// or http(s) URL); the indexer sets
    # `visual_vector` when a visual encoder is configured and the image loads.
    image_url: str = ""
    visual_vector: np.ndarray | None = None

    def space_vectors(self, space: str) -> np.ndarray | None:
        """This document's vectors in `space` as one (n, dim) float32 matrix; None if none."""
        value = getattr(self, SPACE_FIELDS[space])
        if value is None:
            return None
        matrix = np.atleast_2d(np.asarray(value, dtype=np.float32))
        return matrix if matrix.size else None


# The SearchDocument attribute holding each vector space's vectors (schema.VECTOR_SPACES).
SPACE_FIELDS = {"text": "vector", "passage": "passage_vectors", "visual": "visual_vector"}


def in_id_order(hits: Iterable[Hit], ids: Sequence[str]) -> list[Hit]:
    """`hits` in the order of `ids` (the first mention of a repeated id), those missing left out."""
    found = {hit.id: hit for hit in hits}
    return [found[doc_id] for doc_id in dict.fromkeys(ids) if doc_id in found]


def space_field_scores(space: str, cosine: float, ordinal: int = 0) -> dict[str, float]:
    """A vector hit's ranking features: its cosine under a name per space, and for passages
    which passage matched best."""
    if space == "text":
        return {"cosine": cosine}
    if space == "passage":
        return {"passage_cosine": cosine, "passage": ordinal}
    return {f"{space}_cosine": cosine}


@dataclass(frozen=True)
class TermBoost:
    """A soft preference: documents whose `field` holds `value` score `weight` more. On a
    keyword field the value must equal one of the document's; on a text field it is a phrase.
    It never decides whether a document matches. A field the doc type lacks is ignored."""

    field: str
    value: str
    weight: float


@dataclass(frozen=True)
class LexicalQuery:
    text: str
    filters: Filters = field(default_factory=Filters)
    limit: int = 100
    # Per-field boosts; None means the schema's defaults.
    boosts: Mapping[str, float] | None = None
    # "or" ranks by BM25 over any term; "and" requires every term somewhere.
    operator: str = "or"
    # Other texts that also match (synonym expansions), each scored as `text` is, times its
    # weight; a document scores its best match among them (a disjunction max), and
    # `operator` applies to each text on its own.
    alternatives: tuple[tuple[str, float], ...] = ()
    term_boosts: tuple[TermBoost, ...] = ()
    # Per-field BM25 scores (ranking features) for the first N hits only; None = every hit.
    # The final ranker reads them for the first stage's top candidates alone, and on the
    # local backend they are a second pass per field (Elasticsearch returns them with every
    # hit at no extra cost, so it ignores this).
    field_score_depth: int | None = None


@dataclass(frozen=True)
class VectorQuery:
    vector: np.ndarray
    filters: Filters = field(default_factory=Filters)
    limit: int = 100
    # Which vectors to search (schema.VECTOR_SPACES): one hit per document, scored by its
    # best vector in the space; a space the doc type lacks has no hits.
    space: str = "text"


@dataclass
class Hit:
    # Field order is relied on: the hot paths build hits positionally (StoredDocument.hit,
    # reciprocal_rank_fusion).
    doc_type: str
    id: str
    score: float
    # Per-field BM25 scores (lexical), {"cosine": s} (text vectors), {"passage_cosine": s,
    # "passage": index of the best passage} or {"visual_cosine": s}: ranking features.
    field_scores: dict[str, float] = field(default_factory=dict)
    # Per-channel scores and ranks once fused, e.g. {"lexical": 12.1, "dense": 0.71}.
    channel_scores: dict[str, float] = field(default_factory=dict)
    channel_ranks: dict[str, int] = field(default_factory=dict)
    # Stored keyword / numeric / display values, so a hit renders and facets without the DB.
    keywords: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    display: dict = field(default_factory=dict)


@dataclass
class BulkResult:
    indexed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Rebuild(ABC):
    """A fresh versioned index being filled; `commit()` swaps the alias to it atomically and
    drops the old index, `abort()` throws it away. Searches keep using the old index meanwhile."""

    doc_type: str
    # The versioned index's name: chunk tasks in other processes reopen it with
    # `backend.open_rebuild(doc_type, name)`.
    name: str

    @abstractmethod
    def index_documents(self, docs: Iterable[SearchDocument]) -> BulkResult: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def abort(self) -> None: ...


class BackendUnavailable(RuntimeError):
    """The backend cannot be reached; callers degrade (and say so) instead of failing hard."""


class BaseSearchBackend(ABC):
    def __init__(self, alias: str, params: Mapping):
        self.alias = alias
        self.params = dict(params)
        self.index_prefix = self.params.get("INDEX_PREFIX", "shop")

    def index_name(self, doc_type: str) -> str:
        return f"{self.index_prefix}-{doc_type}"

    @abstractmethod
    def ensure_index(self, doc_type: str) -> None: ...

    @abstractmethod
    def index_documents(self, doc_type: str, docs: Iterable[SearchDocument]) -> BulkResult: ...

    @abstractmethod
    def delete_documents(self, doc_type: str, ids: Iterable[str]) -> int: ...

    @abstractmethod
    def search_lexical(self, doc_type: str, query: LexicalQuery) -> list[Hit]: ...

    @abstractmethod
    def search_vector(self, doc_type: str, query: VectorQuery) -> list[Hit]: ...

    def search_channels(
        self, doc_type: str, lexical: LexicalQuery | None, vector: VectorQuery | None
    ) -> dict[str, list[Hit]]:
        """Both channels for one doc type; a backend with a multi-search API overrides this
        to make it one round trip."""
        results = {}
        if lexical is not None:
            results["lexical"] = self.search_lexical(doc_type, lexical)
        if vector is not None:
            results["dense"] = self.search_vector(doc_type, vector)
        return results

    @abstractmethod
    def search_terms(self, doc_type: str, filters: Filters, limit: int) -> list[Hit]:
        """Every document passing `filters` (no text), ordered by id, at most `limit`, score
        0.0: e.g. the videos tagging given products (`Filters(terms={"product": ids})`)."""

    @abstractmethod
    def documents(self, doc_type: str, ids: Sequence[str], filters: Filters) -> list[Hit]:
        """These documents in `ids` order, score 0.0, leaving out ids that are unknown or do
        not pass `filters`: what a merchandiser pinned to a query, within the shopper's
        filters."""

    @abstractmethod
    def vectors(self, doc_type: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored (L2-normalised float32) "text" vectors of these documents; ids without one
        are left out. Ranking scores the dense similarity of every candidate with them, not
        only of those the dense channel recalled."""

    def similarities(self, doc_type: str, ids: Sequence[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each document's stored "text" vector with `vector` (L2-normalised), in
        `ids` order, NaN for a document without one: the dense similarity ranking gives every
        candidate, not only those the dense channel recalled."""
        stored = self.vectors(doc_type, ids)
        query = np.asarray(vector, dtype=np.float32)
        result = np.full(len(ids), np.nan, dtype=np.float32)
        known = [i for i, doc_id in enumerate(ids) if doc_id in stored]
        if known:
            result[known] = np.stack([stored[ids[i]] for i in known]) @ query
        return result

    @abstractmethod
    def suggest(self, prefix: str, doc_types: Sequence[str], limit: int = 10) -> list[dict]:
        """Prefix completions: [{"text", "field" (title|brand|category), "doc_type", "count"}]."""

    def cached_documents(self, doc_type: str) -> list[Hit]:
        """Load every document of this type into the process's stored-values cache, when
        the backend keeps one, and return them (score 0), so a web worker can build what
        ranking derives from them before its first search (searchapp/warmup.py). A backend
        that reads documents per request (Elasticsearch) keeps nothing: []."""
        return []

    @abstractmethod
    def count(self, doc_type: str) -> int: ...

    @abstractmethod
    def refresh(self, doc_type: str) -> None: ...

    @abstractmethod
    def start_rebuild(self, doc_type: str) -> Rebuild: ...

    @abstractmethod
    def open_rebuild(self, doc_type: str, name: str) -> Rebuild: ...

    @abstractmethod
    def health(self) -> dict:
        """{"status": "ok"|"degraded"|"down", ...details}; never raises."""
