"""The catalog's one door into the indexing app: bulk writes (imports, generated media) bypass
model signals, so they hand their primary keys to indexing explicitly."""

from collections.abc import Sequence


def schedule_index(doc_type: str, pks: Sequence[int]) -> None:
    """Enqueue (re)indexing of `pks` once the current transaction commits."""
    if not pks:
        return
    # Imported lazily: the catalog must import (and load data with --no-index) without indexing set up.
    from indexing.updates import schedule_index as enqueue

    enqueue(doc_type, list(pks))
