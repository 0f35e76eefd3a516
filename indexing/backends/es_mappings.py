"""Elasticsearch index settings and mappings, built from indexing/schema.py.

A document is stored as four namespaces so that a name may be both analysed text and an
exact keyword (e.g. `brand`) without clashing:

    {"text": {...}, "keywords": {...}, "numbers": {...}, "display": {...}, "vector": [...]}
"""

from __future__ import annotations

from indexing.schema import DocTypeSchema

from .base import SearchDocument

TEXT_ANALYZER = "shop_text"
VECTOR_FIELD = "vector"
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
            "filter": {"english_stemmer": {"type": "stemmer", "language": "english"}},
            "analyzer": {
                TEXT_ANALYZER: {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding", "english_stemmer"],
                }
            },
        },
    }


def live_settings(replicas: int) -> dict:
    """What a rebuilt index gets back once loaded (the inverse of BULK_LOAD_SETTINGS)."""
    return {"refresh_interval": None, "number_of_replicas": replicas}


def index_mappings(schema: DocTypeSchema, vector_dims: int | None = None) -> dict:
    """`vector_dims=None` lets Elasticsearch (8.11+) take the dimensions from the first
    vector indexed, so the embedding model can change without a code change."""
    vector = {
        "type": "dense_vector",
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
    }
    if vector_dims is not None:
        vector["dims"] = vector_dims
    return {
        "dynamic": "strict",
        "properties": {
            "text": {
                "properties": {
                    # Text suggest fields complete from whole values; keyword ones use the keyword.
                    name: _text_field(
                        with_raw=name in schema.suggest_fields and name not in schema.keyword_fields
                    )
                    for name in schema.text_fields
                }
            },
            "keywords": {"properties": {name: {"type": "keyword"} for name in schema.keyword_fields}},
            "numbers": {"properties": {name: {"type": "double"} for name in schema.numeric_fields}},
            # Stored in _source only: rendering data is never searched.
            "display": {"type": "object", "enabled": False},
            VECTOR_FIELD: vector,
        },
    }


def _text_field(with_raw: bool) -> dict:
    field = {"type": "text", "analyzer": TEXT_ANALYZER}
    if with_raw:
        field["fields"] = {"raw": {"type": "keyword", "ignore_above": RAW_SUBFIELD_MAX_LENGTH}}
    return field


def document_source(doc: SearchDocument) -> dict:
    source = {
        "text": dict(doc.text),
        "keywords": {name: list(values) for name, values in doc.keywords.items()},
        "numbers": {name: float(value) for name, value in doc.numbers.items()},
        "display": dict(doc.display),
    }
    if doc.vector is not None:
        source[VECTOR_FIELD] = doc.vector.tolist()
    return source
