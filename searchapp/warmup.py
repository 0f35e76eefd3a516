"""Load everything a search needs before the first shopper pays for it: the embedding
model, the index readers and the query-understanding tables take seconds to load."""

import gc
import logging
from time import perf_counter

from indexing.backends import get_backend
from indexing.schema import DOC_TYPES
from ranking.features import document_terms

from .pipeline import SearchPipeline
from .query.completions import get_query_completer
from .query.scripts import catalog_scripts
from .search_request import ALL_TYPES, SearchRequest

logger = logging.getLogger(__name__)

WARM_UP_QUERY = "wireless headphones"
# How a worker's log says its warm-up is over (bench_load waits for them).
WARM_UP_DONE = "search warm-up took"
WARM_UP_FAILED = "search warm-up failed"
YOUNG_GENERATION_THRESHOLD = 10_000


def warm_up() -> None:
    started = perf_counter()
    try:
        SearchPipeline().run(SearchRequest(query=WARM_UP_QUERY, type=ALL_TYPES))
        catalog_scripts()  # ~30 ms, which only a query outside ASCII would otherwise pay
        get_query_completer()  # ~30 ms, which the first keystroke would otherwise pay
        documents = load_documents()
    except Exception:  # a cold start must never keep a worker from serving (health says why)
        logger.exception("%s; the first searches will load lazily", WARM_UP_FAILED)
        return
    # Everything loaded so far lives as long as the worker: moving it out of the collector's
    # sight keeps garbage collections short on the request path. Documents parsed lazily by
    # searches instead made every full collection walk them: 100-300 ms pauses every ~30
    # searches, the whole p99 (measured with gc.callbacks over 600 bench searches).
    gc.collect()
    gc.freeze()
    # A search allocates thousands of short-lived objects; most die by reference count, so
    # collecting the young generation every 10,000 allocations instead of 700 finds little
    # less garbage and saves ~0.5 ms a search (warm p50 12.5 -> 12.0 ms in bench_search).
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
    logger.info("%s %.1f s (%d documents cached)", WARM_UP_DONE, perf_counter() - started, documents)


def load_documents() -> int:
    """Parse every stored document, and what ranking features derive from it, once (a
    backend that keeps no stored-values cache returns none)."""
    backend = get_backend()
    loaded = 0
    for doc_type in DOC_TYPES:
        for hit in backend.cached_documents(doc_type):
            document_terms(hit)
            loaded += 1
    return loaded
