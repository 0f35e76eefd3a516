"""Which live streams may be shown right now, read at blend time rather than from the index:
a stream that ended after it was indexed (or between recall and blend) is dropped.

The statuses of streams that are live or scheduled (a few hundred rows) are cached per
process and reloaded everywhere when any stream is saved or deleted (the VersionedValue
mechanism of searchapp/query/cached.py), so a search never queries the database for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from catalog.models import LiveStream

from .query.cached import VersionedValue


def load_open_streams() -> dict[str, tuple[str, datetime]]:
    """live doc id -> (status, scheduled_at) of every stream not ended."""
    rows = LiveStream.objects.filter(
        status__in=(LiveStream.Status.LIVE, LiveStream.Status.SCHEDULED)
    ).values_list("pk", "status", "scheduled_at")
    return {f"live:{pk}": (status, scheduled_at) for pk, status, scheduled_at in rows}


# Streams also change by bulk updates (a scheduler flipping statuses), which send no signal.
open_streams = VersionedValue("searchapp:live-status:version", load_open_streams, max_age_seconds=15)


def showable_lives(doc_ids, window_minutes: int, now: datetime | None = None) -> set[str]:
    """The ids among `doc_ids` that are live now, or scheduled to start within the window
    (a scheduled stream more than the window late is not going to happen as announced)."""
    return showable_streams(window_minutes, now).intersection(doc_ids)


_showable: dict = {"key": None, "ids": frozenset()}


def showable_streams(window_minutes: int, now: datetime | None = None) -> frozenset[str]:
    """Every showable stream id, recomputed at most once a second (or when the streams
    reload): a search then only intersects its candidates with it."""
    streams = open_streams.get()
    if now is None:
        now = timezone.now()
        key = (open_streams.loaded_at, open_streams.version, window_minutes, int(now.timestamp()))
        if _showable["key"] == key:
            return _showable["ids"]
    else:
        key = None
    window = timedelta(minutes=window_minutes)
    ids = frozenset(
        doc_id
        for doc_id, (status, scheduled_at) in streams.items()
        if status == LiveStream.Status.LIVE or now - window <= scheduled_at <= now + window
    )
    if key is not None:
        _showable.update(key=key, ids=ids)
    return ids
