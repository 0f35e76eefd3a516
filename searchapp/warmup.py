"""Load everything a search needs before the first shopper pays for it: the embedding
model, the index readers and the query-understanding tables take seconds to load; and set
the process up to serve one search at a time alongside its sibling workers."""

import gc
import logging
from time import perf_counter

from threadpoolctl import threadpool_limits

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
    serve_on_one_blas_thread()
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


def serve_on_one_blas_thread() -> None:
    """numpy's OpenBLAS splits a large product over every core, then its threads spin waiting
    for the next one, taking the core a sibling worker (or the next request) needs. A search's
    products are small (at most ~20,000 x 384). `bench_load`, 2 gunicorn workers, 2 cores,
    alternated twice: 2 clients 50.2 / 50.1 -> 75.3 / 68.5 searches/s, p99 79.7 / 77.8 ->
    45.1 / 48.1 ms; 1 client p99 62.9 / 60.8 -> 35.0 / 36.9 ms. One process alone (bench_search,
    six alternated pairs) is unchanged within noise: overhead 2.51-2.65x against 2.59-2.63x."""
    threadpool_limits(limits=1, user_api="blas")


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
