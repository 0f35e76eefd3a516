"""Load everything a search needs before the first shopper pays for it: the embedding
model, the index readers and the query-understanding tables take seconds to load."""

import logging
from time import perf_counter

from .pipeline import SearchPipeline
from .search_request import ALL_TYPES, SearchRequest

logger = logging.getLogger(__name__)

WARM_UP_QUERY = "wireless headphones"


def warm_up() -> None:
    started = perf_counter()
    try:
        SearchPipeline().run(SearchRequest(query=WARM_UP_QUERY, type=ALL_TYPES))
    except Exception:  # a cold start must never keep a worker from serving (health says why)
        logger.exception("search warm-up failed; the first searches will load lazily")
        return
    logger.info("search warm-up took %.1f s", perf_counter() - started)
