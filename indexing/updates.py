"""Catalog changes -> indexing tasks, batched per transaction and enqueued on commit.

Signals (catalog/signals.py) and bulk writers that bypass them (load_catalog after each batch,
`queryset.update()` callers) both go through `schedule_index` / `schedule_delete`. Inside a
transaction the pks are collected in a per-transaction buffer and enqueued once, in chunks of
SEARCH_INDEX_BATCH_SIZE, when it commits: saving 100 products enqueues one task, not 100, and a
rollback enqueues nothing. Outside a transaction they are enqueued at once.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from .documents import dependent_documents
from .schema import get_schema

logger = logging.getLogger(__name__)

_buffers = threading.local()


def schedule_index(doc_type: str, pks: Iterable[int]) -> None:
    """(Re)index these rows after commit; rows that no longer belong in the index are removed."""
    _schedule("index", doc_type, pks)


def schedule_delete(doc_type: str, pks: Iterable[int]) -> None:
    """Remove these rows' documents after commit."""
    _schedule("delete", doc_type, pks)


class PendingChanges:
    """What one transaction changed, per action and document type."""

    def __init__(self):
        self.pks: dict[tuple[str, str], set[int]] = defaultdict(set)

    def add(self, action: str, doc_type: str, pks: set[int]) -> None:
        self.pks[(action, doc_type)] |= pks

    def flush(self) -> None:
        from . import tasks

        changes, self.pks = self.pks, defaultdict(set)
        # Videos and lives copy their products' titles, brands and prices: a product change
        # reindexes them too, resolved once per transaction rather than once per save.
        for doc_type, pks in dependent_documents(changes.get(("index", "product"), set())).items():
            changes[("index", doc_type)] |= pks
        for (action, doc_type), pks in sorted(changes.items()):
            if action == "delete":
                # An index task removes rows that are gone as well: no need for both.
                pks = pks - changes.get(("index", doc_type), set())
            task = tasks.index_documents if action == "index" else tasks.delete_documents
            for chunk in _chunks(sorted(pks), settings.SEARCH_INDEX_BATCH_SIZE):
                task.delay(doc_type, chunk)


def _schedule(action: str, doc_type: str, pks: Iterable[int]) -> None:
    get_schema(doc_type)
    pks = {int(pk) for pk in pks}
    if not pks:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        pending = PendingChanges()
        pending.add(action, doc_type, pks)
        pending.flush()
        return
    _pending_for_transaction(connection).add(action, doc_type, pks)


def _pending_for_transaction(connection) -> PendingChanges:
    """This thread's buffer for the current transaction on `connection`, registering its flush
    with on_commit the first time. A buffer whose flush is no longer registered belongs to a
    transaction (or savepoint) that committed or rolled back, so a fresh one starts."""
    buffers = _buffers.__dict__.setdefault("by_alias", {})
    pending = buffers.get(connection.alias)
    registered = pending is not None and any(
        callback == pending.flush for _, callback, _ in connection.run_on_commit
    )
    if not registered:
        pending = buffers[connection.alias] = PendingChanges()
        # robust: the rows are committed either way; a broker outage must not turn a saved
        # edit into an error page (the next change or a rebuild_index repairs the index).
        transaction.on_commit(pending.flush, using=connection.alias, robust=True)
    return pending


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
