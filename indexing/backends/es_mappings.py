"""Elasticsearch index settings and mappings, built from indexing/schema.py.

A document is stored as four namespaces so that a name may be both analysed text and an
exact keyword (e.g. `brand`) without clashing:

    {"id": "video:1", "text": {...}, "keywords": {...}, "numbers": {...}, "display": {...},
     "vector": [...], "passages": [{"vector": [...]}, ...], "visual_vector": [...]}

`id` repeats `_id` as a keyword because sorting on `_id` is disabled by default; passages
are `nested` so that kNN scores a document by its best passage (Elasticsearch 8.11+).
"""

from __future__ import annotations

from indexing.schema import PASSAGE_SPACE, VISUAL_SPACE, DocTypeSchema
from indexing.units import INCH_SIZE_PATTERN, INDEXED_INCH_SIZE_JAVA

from .base import SearchDocument

TEXT_ANALYZER = "shop_text"
# 55" and "55 inch" index as "55 55in" (indexing/units.py), as in the local backend.
INCH_UNITS_FILTER = "inch_units"
ID_FIELD = "id"
VECTOR_FIELD = "vector"
PASSAGES_FIELD = "passages"
VISUAL_VECTOR_FIELD = "visual_vector"
# The dense_vector field each vector space searches.
SPACE_VECTOR_FIELDS = {
    "text": VECTOR_FIELD,
    "passage": f"{PASSAGES_FIELD}.vector",
    "visual": VISUAL_VECTOR_FIELD,
}
# Returned with every hit so it renders and facets without the database; the vector is
# left out on purpose: it is large and no caller needs it back.
HIT_SOURCE_FIELDS = ["keywords", "numbers", "display"]
# Titles are suggested whole; longer ones are not useful completions.
RAW_SUBFIELD_MAX_LENGTH = 256

# While a rebuild bulk-loads, refreshes and replica copies are wasted work; `None` resets
# the refresh interval to the server default when the rebuild commits.
BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "number_of_replicas": 0}


def index_settings(replicas: int) -> dict:
    return {
        # One shard per index: the catalog is small, and BM25 statistics must be global,
        # not per shard, because per-field scores are ranking features.
        "number_of_shards": 1,
        "number_of_replicas": replicas,
        "analysis": {
            "char_filter": {
                INCH_UNITS_FILTER: {
                    "type": "pattern_replace",
                    "pattern": INCH_SIZE_PATTERN,
                    "replacement": INDEXED_INCH_SIZE_JAVA,
                }
            },
            "filter": {"english_stemmer": {"type": "stemmer", "language": "english"}},
            "analyzer": {
                TEXT_ANALYZER: {
                    "type": "custom",
                    "char_filter": [INCH_UNITS_FILTER],
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding", "english_stemmer"],
                }
            },
        },
    }


def live_settings(replicas: int) -> dict:
    """What a rebuilt index gets back once loaded (the inverse of BULK_LOAD_SETTINGS)."""
    return {"refresh_interval": None, "number_of_replicas": replicas}


def dense_vector(dims: int | None) -> dict:
    """`dims=None` lets Elasticsearch (8.11+) take the dimensions from the first vector
    indexed, so the embedding model can change without a code change."""
    vector = {
        "type": "dense_vector",
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
    }
    if dims is not None:
        vector["dims"] = dims
    return vector


def index_mappings(
    schema: DocTypeSchema, vector_dims: int | None = None, visual_dims: int | None = None
) -> dict:
    """Passages share the document encoder, hence `vector_dims`; images have their own."""
    spaces = {}
    if PASSAGE_SPACE in schema.vector_spaces:
        spaces[PASSAGES_FIELD] = {"type": "nested", "properties": {"vector": dense_vector(vector_dims)}}
    if VISUAL_SPACE in schema.vector_spaces:
        spaces[VISUAL_VECTOR_FIELD] = dense_vector(visual_dims)
    return {
        "dynamic": "strict",
        "properties": {
            ID_FIELD: {"type": "keyword"},
            "text": {
                "properties": {
                    # Text suggest fields complete from whole values; keyword ones use the keyword.
                    name: _text_field(
                        with_raw=name in schema.suggest_fields and name not in schema.keyword_fields
                    )
                    for name in schema.text_fields
                }
            },
            "keywords": keyword_mappings(schema),
            "numbers": {"properties": {name: {"type": "double"} for name in schema.numeric_fields}},
            # Stored in _source only: rendering data is never searched.
            "display": {"type": "object", "enabled": False},
            VECTOR_FIELD: dense_vector(vector_dims),
            **spaces,
        },
    }


def keyword_mappings(schema: DocTypeSchema) -> dict:
    return {"properties": {name: {"type": "keyword"} for name in schema.keyword_fields}}


def _text_field(with_raw: bool) -> dict:
    field = {"type": "text", "analyzer": TEXT_ANALYZER}
    if with_raw:
        field["fields"] = {"raw": {"type": "keyword", "ignore_above": RAW_SUBFIELD_MAX_LENGTH}}
    return field


def document_source(doc: SearchDocument) -> dict:
    source = {
        ID_FIELD: doc.id,
        "text": dict(doc.text),
        "keywords": {name: list(values) for name, values in doc.keywords.items()},
        "numbers": {name: float(value) for name, value in doc.numbers.items()},
        "display": dict(doc.display),
    }
    if doc.vector is not None:
        source[VECTOR_FIELD] = doc.vector.tolist()
    passages = doc.space_vectors(PASSAGE_SPACE)
    if passages is not None:
        source[PASSAGES_FIELD] = [{"vector": row.tolist()} for row in passages]
    if doc.visual_vector is not None:
        source[VISUAL_VECTOR_FIELD] = doc.visual_vector.tolist()
    return source
