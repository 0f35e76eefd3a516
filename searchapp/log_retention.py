"""Log retention: served searches (with their impressions), shopper events and searches that
found nothing, older than the retention window, are deleted in batches, each batch its own
transaction, so the tables stay writable while a large backlog goes. Ranker retraining and the
search analytics read only what is kept; aggregates already derived from the logs
(DocEngagement, engagement fits, trained rankers) stay."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ranking.models import Event, SearchLog

from .models import UnmetQuery, UnmetSearchDay

BATCH = 5000


def expired(days: float) -> dict[str, QuerySet]:
    """What a `days` window leaves out, by what it is."""
    cutoff = timezone.now() - timedelta(days=days)
    return {
        "searches": SearchLog.objects.filter(created_at__lt=cutoff),
        "events": Event.objects.filter(occurred_at__lt=cutoff),
        "searches that found nothing": UnmetQuery.objects.filter(last_seen__lt=cutoff),
        "days' counts of searches that found nothing": UnmetSearchDay.objects.filter(
            day__lt=timezone.localdate(cutoff)
        ),
    }


def prune_logs(
    days: float, progress: Callable[[str, int], None] | None = None, batch: int = BATCH
) -> Counter:
    """Deletes what `expired(days)` names; returns the rows deleted per model (impressions
    go with their search). `progress(what, deleted so far)` after each batch."""
    deleted: Counter = Counter()
    for what, rows in expired(days).items():
        done = 0
        while ids := list(rows.values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                _, per_model = rows.model.objects.filter(pk__in=ids).delete()
            deleted.update(per_model)
            done += len(ids)
            if progress:
                progress(what, done)
    return deleted
