"""Getting a served search into the feature log without the shopper waiting for the write.

With a broker, `ranking.log_search.delay` only publishes a message and a worker writes. With
none (the embedded default: tasks run eagerly) `.delay` would insert the search log and its
impressions inside the request, about a third of a warm search's time. There the write goes
to one background thread per process instead: first in, first written; a failed write is
logged, never raised into a search; at interpreter exit `concurrent.futures` waits for the
queue, so a worker that stops cleanly loses nothing.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from .feature_log import write_served_search
from .tasks import log_search

logger = logging.getLogger(__name__)

_writer: ThreadPoolExecutor | None = None


def dispatch_served_search(payload: dict) -> None:
    if settings.SEARCH_LOG_IN_BACKGROUND:
        _background_writer().submit(_write, payload).add_done_callback(_report_failure)
    else:
        log_search.delay(payload)


def wait_for_pending_logs(timeout: float | None = None) -> None:
    """Block until every search dispatched so far is written (tests, management commands)."""
    if _writer is not None:
        # One worker thread, FIFO: once a no-op submitted now has run, so has everything before it.
        _writer.submit(lambda: None).result(timeout)


def _background_writer() -> ThreadPoolExecutor:
    global _writer
    if _writer is None:
        _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-log")
    return _writer


def _write(payload: dict) -> int:
    # This thread's connection outlives requests: drop it if the database closed it.
    close_old_connections()
    return write_served_search(payload)


def _report_failure(future: Future) -> None:
    if (error := future.exception()) is not None:
        logger.error("served search not logged: %s: %s", type(error).__name__, error)
