"""Which live streams may be shown right now, read at blend time rather than from the index:
a stream that ended after it was indexed (or between recall and blend) is dropped.

The statuses of streams that are live or scheduled (a few hundred rows) are cached per
process and reloaded everywhere when any stream is saved or deleted (the VersionedValue
mechanism of searchapp/query/cached.py), so a search never queries the database for them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from catalog.models import LiveStream

from .query.cached import VersionedValue


@dataclass(frozen=True)
class OpenStreams:
    live: frozenset[str]  # doc ids of the streams live now
    # The scheduled ones, by start: starts[i] is when scheduled[i] (a doc id) begins.
    starts: tuple[datetime, ...]
    scheduled: tuple[str, ...]

    def showable(self, window_minutes: int, now: datetime) -> set[str]:
        """Live, or scheduled to start within the window either side of now: a bisection,
        so a search never loops over every stream."""
        window = timedelta(minutes=window_minutes)
        first, last = bisect_left(self.starts, now - window), bisect_right(self.starts, now + window)
        return set(self.live).union(self.scheduled[first:last])


def load_open_streams() -> OpenStreams:
    rows = LiveStream.objects.filter(
        status__in=(LiveStream.Status.LIVE, LiveStream.Status.SCHEDULED)
    ).values_list("pk", "status", "scheduled_at")
    live, scheduled = set(), []
    for pk, status, scheduled_at in rows:
        if status == LiveStream.Status.LIVE:
            live.add(f"live:{pk}")
        else:
            scheduled.append((scheduled_at, f"live:{pk}"))
    scheduled.sort()
    return OpenStreams(
        frozenset(live), tuple(start for start, _ in scheduled), tuple(doc_id for _, doc_id in scheduled)
    )


# Streams also change by bulk updates (a scheduler flipping statuses), which send no signal.
open_streams = VersionedValue("searchapp:live-status:version", load_open_streams, max_age_seconds=15)


def showable_lives(doc_ids, window_minutes: int, now: datetime | None = None) -> set[str]:
    """The ids among `doc_ids` that are live now, or scheduled to start within the window
    (a scheduled stream more than the window late is not going to happen as announced)."""
    return open_streams.get().showable(window_minutes, now or timezone.now()).intersection(doc_ids)
