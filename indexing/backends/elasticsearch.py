"""The Elasticsearch backend: one versioned index per doc type behind the alias
`<prefix>-<doc_type>`, BM25 text fields with per-field scores, and an HNSW dense_vector.

Request bodies and mappings are pure functions in es_queries.py and es_mappings.py; this
module talks to the server.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk

from indexing.schema import DOC_TYPES, VECTOR_SPACES, get_schema

from .base import (
    BackendUnavailable,
    BaseSearchBackend,
    BulkResult,
    Filters,
    Hit,
    LexicalQuery,
    Rebuild,
    SearchDocument,
    VectorQuery,
    in_id_order,
)
from .es_mappings import (
    BULK_LOAD_SETTINGS,
    VECTOR_FIELD,
    document_source,
    index_mappings,
    index_settings,
    keyword_mappings,
    live_settings,
)
from .es_queries import (
    best_suggestions,
    documents_body,
    lexical_body,
    lexical_hits,
    msearch_lines,
    suggest_body,
    suggest_key,
    suggestions,
    terms_body,
    terms_hits,
    vector_body,
    vector_hits,
)

# Rejected bulk items (429: the write queue is full) are retried after 2, 4, 8, 16, 32 s.
BULK_MAX_RETRIES = 5
BULK_INITIAL_BACKOFF = 2.0
# Statuses that mean "the cluster cannot serve now", not "the request is wrong".
UNAVAILABLE_STATUSES = frozenset({429, 502, 503, 504})


class SearchBackend(BaseSearchBackend):
    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.client = Elasticsearch(self.params["URLS"], request_timeout=self.params.get("TIMEOUT", 10.0))
        self.replicas = int(self.params.get("NUMBER_OF_REPLICAS", 1))
        # Doc types whose live index this process has given every keyword field (ensure_index).
        self.mapped_keywords: set[str] = set()
        # None: Elasticsearch takes the dimensions from the first vector indexed.
        self.vector_dims = int(self.params["VECTOR_DIMS"]) if self.params.get("VECTOR_DIMS") else None
        self.visual_dims = (
            int(self.params["VISUAL_VECTOR_DIMS"]) if self.params.get("VISUAL_VECTOR_DIMS") else None
        )

    # --- indices -------------------------------------------------------------------------

    def ensure_index(self, doc_type: str) -> None:
        alias = self.index_name(doc_type)
        with unavailable_on_connection_errors():
            if not self.client.indices.exists_alias(name=alias):
                # The alias is created with the index, in one request.
                self._create_index(doc_type, index_settings(self.replicas), aliases={alias: {}})
            elif doc_type not in self.mapped_keywords:
                # An index created before the schema gained a keyword field (`colour`) maps
                # strictly: it would reject every document carrying one. A new field is an
                # additive change Elasticsearch applies to a live index; the documents already
                # there get it when re-indexed (rebuild_index).
                self.client.indices.put_mapping(
                    index=alias, properties={"keywords": keyword_mappings(get_schema(doc_type))}
                )
        self.mapped_keywords.add(doc_type)

    def _create_index(self, doc_type: str, settings: dict, aliases: dict | None = None) -> str:
        name = versioned_index_name(self.index_name(doc_type))
        self.client.indices.create(
            index=name,
            settings=settings,
            mappings=index_mappings(get_schema(doc_type), self.vector_dims, self.visual_dims),
            aliases=aliases,
        )
        return name

    def rebuild_alias(self, doc_type: str) -> str:
        """Names the rebuild in progress, so that live writes (from any process) reach it too."""
        return f"{self.index_name(doc_type)}-rebuilding"

    def alias_targets(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    # --- documents -----------------------------------------------------------------------

    def index_documents(self, doc_type: str, docs: Iterable[SearchDocument]) -> BulkResult:
        self.ensure_index(doc_type)
        accepted, rejected = validate_documents(doc_type, docs)
        return combined(rejected, self._write_live(doc_type, lambda index: index_actions(index, accepted)))

    def delete_documents(self, doc_type: str, ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(ids))
        with unavailable_on_connection_errors():
            if not ids or not self.client.indices.exists_alias(name=self.index_name(doc_type)):
                return 0
        result = self._write_live(doc_type, lambda index: delete_actions(index, ids))
        if result.failed:
            raise RuntimeError(f"{result.failed} deletions from {doc_type} failed: {result.errors[:5]}")
        return result.indexed

    def _write_live(self, doc_type: str, actions_for: Callable[[str], Iterable[dict]]) -> BulkResult:
        """Writes go to a rebuild in progress first, then to the live alias, so a rebuild
        never loses changes made while it runs: if it commits in between, the live write
        lands in the new index. The result is the live write's. `require_alias` keeps a
        write from auto-creating a concrete index named like an alias that has just gone."""
        rebuild_alias = self.rebuild_alias(doc_type)
        with unavailable_on_connection_errors():
            rebuilding = bool(self.client.indices.exists_alias(name=rebuild_alias))
        if rebuilding:
            self._bulk(actions_for(rebuild_alias), require_alias=True)
        return self._bulk(actions_for(self.index_name(doc_type)), require_alias=True)

    def _bulk(self, actions: Iterable[dict], **bulk_params) -> BulkResult:
        with unavailable_on_connection_errors():
            # raise_on_error=False is what lets streaming_bulk retry rejected items; other
            # item failures are counted, not raised, so one bad document does not sink a
            # batch. A failed request (not item) still raises.
            return tally_bulk(
                streaming_bulk(
                    self.client,
                    actions,
                    max_retries=BULK_MAX_RETRIES,
                    initial_backoff=BULK_INITIAL_BACKOFF,
                    raise_on_error=False,
                    **bulk_params,
                )
            )

    # --- search --------------------------------------------------------------------------

    def search_lexical(self, doc_type: str, query: LexicalQuery) -> list[Hit]:
        return self.search_channels(doc_type, query, None)["lexical"]

    def search_vector(self, doc_type: str, query: VectorQuery) -> list[Hit]:
        if query.space not in VECTOR_SPACES:
            raise ValueError(
                f"unknown vector space {query.space!r}; expected one of {', '.join(VECTOR_SPACES)}"
            )
        if query.space not in get_schema(doc_type).vector_spaces:
            return []
        return self.search_channels(doc_type, None, query)["dense"]

    def search_terms(self, doc_type: str, filters: Filters, limit: int) -> list[Hit]:
        schema = get_schema(doc_type)
        body = terms_body(filters, schema, limit)  # validates the filters even when limit is 0
        if limit <= 0:
            return []
        (response,) = self._msearch([(self.index_name(doc_type), body)])
        return terms_hits(response, schema)

    def documents(self, doc_type: str, ids: Sequence[str], filters: Filters) -> list[Hit]:
        schema = get_schema(doc_type)
        body = documents_body(ids, filters, schema)  # validates the filters even without ids
        if not ids:
            return []
        (response,) = self._msearch([(self.index_name(doc_type), body)])
        return in_id_order(terms_hits(response, schema), ids)

    def search_channels(
        self, doc_type: str, lexical: LexicalQuery | None, vector: VectorQuery | None
    ) -> dict[str, list[Hit]]:
        """Both channels in one `msearch` round trip."""
        schema = get_schema(doc_type)
        planned = []
        if lexical is not None:
            planned.append(("lexical", lexical_body(lexical, schema), lexical_hits))
        if vector is not None:
            planned.append(
                ("dense", vector_body(vector, schema), functools.partial(vector_hits, space=vector.space))
            )
        responses = self._msearch([(self.index_name(doc_type), body) for _, body, _ in planned])
        return {
            channel: read_hits(response, schema)
            for (channel, _, read_hits), response in zip(planned, responses, strict=True)
        }

    def vectors(self, doc_type: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """One `mget` through the alias, fetching only the vector from each `_source`."""
        if not ids:
            return {}
        with unavailable_on_connection_errors():
            response = self.client.mget(
                index=self.index_name(doc_type), ids=list(ids), source_includes=[VECTOR_FIELD]
            )
        return {
            doc["_id"]: np.asarray(doc["_source"][VECTOR_FIELD], dtype=np.float32)
            for doc in response["docs"]
            if doc.get("found") and VECTOR_FIELD in doc.get("_source", {})
        }

    def suggest(self, prefix: str, doc_types: Sequence[str], limit: int = 10) -> list[dict]:
        key = suggest_key(prefix)
        if not key or limit < 1:
            return []
        responses = self._msearch(
            [
                (self.index_name(doc_type), suggest_body(get_schema(doc_type), key, limit))
                for doc_type in doc_types
            ]
        )
        found = [
            suggestion
            for doc_type, response in zip(doc_types, responses, strict=True)
            for suggestion in suggestions(response, doc_type)
        ]
        return best_suggestions(found, limit)

    def _msearch(self, searches: list[tuple[str, dict]]) -> list[dict]:
        if not searches:
            return []
        with unavailable_on_connection_errors():
            # Named-query scores are per-field BM25 features; other searches have none.
            response = self.client.msearch(searches=msearch_lines(searches), include_named_queries_score=True)
        for item in response["responses"]:
            if "error" in item:
                raise_search_failure(item)
        return response["responses"]

    # --- maintenance ---------------------------------------------------------------------

    def count(self, doc_type: str) -> int:
        with unavailable_on_connection_errors():
            return self.client.count(index=self.index_name(doc_type), ignore_unavailable=True)["count"]

    def refresh(self, doc_type: str) -> None:
        with unavailable_on_connection_errors():
            self.client.indices.refresh(index=self.index_name(doc_type), ignore_unavailable=True)

    def start_rebuild(self, doc_type: str) -> Rebuild:
        self.ensure_index(doc_type)
        rebuild_alias = self.rebuild_alias(doc_type)
        with unavailable_on_connection_errors():
            name = self._create_index(doc_type, {**index_settings(self.replicas), **BULK_LOAD_SETTINGS})
            # A newer rebuild supersedes an unfinished one as the target of live writes.
            self.client.indices.update_aliases(
                actions=alias_swap_actions(rebuild_alias, self.alias_targets(rebuild_alias), name)
            )
        return ElasticsearchRebuild(self, doc_type, name)

    def open_rebuild(self, doc_type: str, name: str) -> Rebuild:
        # Only this doc type's own versioned indices: a stray name must not let a rebuild
        # write to (or, on commit, alias) an unrelated index.
        if not name.startswith(f"{self.index_name(doc_type)}_"):
            raise ValueError(f"{name!r} is not a versioned index of {self.index_name(doc_type)!r}")
        with unavailable_on_connection_errors():
            if not self.client.indices.exists(index=name):
                raise ValueError(f"no rebuild index named {name!r}")
        return ElasticsearchRebuild(self, doc_type, name)

    def health(self) -> dict:
        try:
            with unavailable_on_connection_errors():
                cluster = self.client.cluster.health()
            doc_counts = {doc_type: self.count(doc_type) for doc_type in DOC_TYPES}
        except BackendUnavailable as error:
            return {"status": "down", "error": str(error)}
        except Exception as error:  # a health check reports; it never raises
            return {"status": "degraded", "error": f"{type(error).__name__}: {error}"}
        return {
            # Yellow (replicas unassigned) still serves every query; red does not.
            "status": "degraded" if cluster["status"] == "red" else "ok",
            "cluster": cluster["cluster_name"],
            "cluster_status": cluster["status"],
            "doc_counts": doc_counts,
        }


class ElasticsearchRebuild(Rebuild):
    def __init__(self, backend: SearchBackend, doc_type: str, name: str):
        self.backend = backend
        self.doc_type = doc_type
        self.name = name

    def index_documents(self, docs: Iterable[SearchDocument]) -> BulkResult:
        accepted, rejected = validate_documents(self.doc_type, docs)
        return combined(rejected, self.backend._bulk(index_actions(self.name, accepted)))

    def commit(self) -> None:
        backend, client = self.backend, self.backend.client
        alias, rebuild_alias = backend.index_name(self.doc_type), backend.rebuild_alias(self.doc_type)
        with unavailable_on_connection_errors():
            client.indices.refresh(index=self.name)
            client.indices.put_settings(index=self.name, settings=live_settings(backend.replicas))
            previous = backend.alias_targets(alias)
            actions = alias_swap_actions(alias, previous, self.name)
            if self.name in backend.alias_targets(rebuild_alias):
                actions.append({"remove": {"index": self.name, "alias": rebuild_alias}})
            # One update_aliases call: searches see the old index or the new, never neither,
            # and live writes stop going to the rebuild exactly when it becomes live.
            client.indices.update_aliases(actions=actions)
            for index in previous:
                if index != self.name:
                    client.indices.delete(index=index, ignore_unavailable=True)

    def abort(self) -> None:
        with unavailable_on_connection_errors():
            self.backend.client.indices.delete(index=self.name, ignore_unavailable=True)


# --- pure helpers (tested without a server) -------------------------------------------------


def versioned_index_name(alias: str) -> str:
    """`<alias>_<UTC timestamp>_<random>`: sortable by age, unique across workers."""
    return f"{alias}_{time.strftime('%Y%m%d%H%M%S', time.gmtime())}_{secrets.token_hex(4)}"


def validate_documents(
    doc_type: str, docs: Iterable[SearchDocument]
) -> tuple[list[SearchDocument], BulkResult]:
    """Documents fit to send, the last one winning per id (as the local backend), and the
    others counted as failed: a non-finite vector (in any space) would make the whole request
    invalid JSON."""
    rejected = BulkResult()
    accepted: dict[str, SearchDocument] = {}
    spaces = get_schema(doc_type).vector_spaces
    for doc in docs:
        if doc.doc_type != doc_type or not doc.id.startswith(f"{doc_type}:"):
            error = f"not a {doc_type} document"
        elif not_finite := [
            space
            for space in spaces
            if (matrix := doc.space_vectors(space)) is not None and not np.isfinite(matrix).all()
        ]:
            error = f"{not_finite[0]} vectors must be finite floats"
        else:
            accepted[doc.id] = doc
            continue
        rejected.failed += 1
        rejected.errors.append(f"{doc.id}: {error}")
    return list(accepted.values()), rejected


def combined(rejected: BulkResult, written: BulkResult) -> BulkResult:
    return BulkResult(
        indexed=written.indexed,
        failed=rejected.failed + written.failed,
        errors=rejected.errors + written.errors,
    )


def index_actions(index: str, docs: Iterable[SearchDocument]) -> Iterator[dict]:
    for doc in docs:
        yield {"_op_type": "index", "_index": index, "_id": doc.id, "_source": document_source(doc)}


def delete_actions(index: str, ids: Iterable[str]) -> Iterator[dict]:
    for doc_id in ids:
        yield {"_op_type": "delete", "_index": index, "_id": doc_id}


def tally_bulk(results: Iterable[tuple[bool, dict]]) -> BulkResult:
    """Count streaming_bulk's per-item results. Deleting a document that is already gone
    (404) is neither a success nor a failure."""
    tally = BulkResult()
    for ok, item in results:
        operation, info = next(iter(item.items()))
        if ok:
            tally.indexed += 1
        elif not (operation == "delete" and info.get("status") == 404):
            tally.failed += 1
            tally.errors.append(f"{info.get('_id')}: {info.get('status')} {_reason(info.get('error', {}))}")
    return tally


def _reason(error: dict) -> str:
    return f"{error.get('type')}: {error.get('reason')}"


def alias_swap_actions(alias: str, previous: Iterable[str], new_index: str) -> list[dict]:
    actions: list[dict] = [
        {"remove": {"index": index, "alias": alias}} for index in previous if index != new_index
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


def raise_search_failure(item: dict) -> None:
    status = item.get("status", 500)
    message = f"Elasticsearch search failed ({status}): {_reason(item['error'])}"
    if status in UNAVAILABLE_STATUSES or status >= 500:
        raise BackendUnavailable(message)
    raise RuntimeError(message)


@contextlib.contextmanager
def unavailable_on_connection_errors():
    """Connection failures and overload become BackendUnavailable, so the search API can
    degrade and Celery tasks can retry; request errors (bugs) propagate unchanged."""
    try:
        yield
    except (ConnectionError, ConnectionTimeout) as error:
        # str() of a transport error is only its class summary; .message has the cause.
        raise BackendUnavailable(f"Elasticsearch unreachable: {error.message}") from error
    except ApiError as error:
        if error.status_code in UNAVAILABLE_STATUSES or error.status_code >= 500:
            raise BackendUnavailable(f"Elasticsearch unavailable ({error.status_code}): {error}") from error
        raise
