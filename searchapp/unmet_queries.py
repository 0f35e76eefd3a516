"""The report of searches whose words found nothing as typed (the recovery ladder ran, or only
meaning found results), for merchandisers: written after the response is sent, one row per query
and result type (searchapp.models.UnmetQuery), and counted per day and ladder step
(UnmetSearchDay) for the share of searches that found nothing in the search analytics."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import UnmetQuery, UnmetSearchDay

# The model's CharField length: longer queries are cut, not rejected.
MAX_TEXT = UnmetQuery._meta.get_field("normalized_query").max_length


def unmet_search_payload(ctx) -> dict | None:
    """What to record for a pipeline run (searchapp.pipeline.SearchContext): None when the
    query found results as typed, when there are no words (a browse by filters only), or when
    a curation answers it with pinned results or a redirect (a merchandiser handled it)."""
    if ctx.recovery is None or ctx.pinned or ctx.redirect_url:
        return None
    parsed = ctx.parsed
    normalized = (parsed.normalized if parsed is not None else ctx.query).strip()
    if not normalized:
        return None
    return {
        "search_id": ctx.search_id,
        "query": ctx.request.query[:MAX_TEXT],
        "normalized_query": normalized[:MAX_TEXT],
        "corrected_query": ((parsed.corrected if parsed is not None else None) or "")[:MAX_TEXT],
        "doc_type": ctx.request.type,
        "step": ctx.recovery,
        "results": ctx.total,
        "searched_at": timezone.now().isoformat(),
    }


def record_unmet_search(payload: Mapping) -> UnmetQuery:
    """Counts one search into its query's row. The row is locked while counted (PostgreSQL;
    SQLite serialises writers), so concurrent workers do not lose counts; a search counted
    already (a redelivered task) is not counted again; a handled query searched in vain
    again is reopened, its count starting over."""
    searched_at = parse_datetime(payload["searched_at"])
    search_id = uuid.UUID(payload["search_id"])
    with transaction.atomic():
        row, _ = UnmetQuery.objects.select_for_update().get_or_create(
            normalized_query=payload["normalized_query"],
            doc_type=payload["doc_type"],
            defaults={"first_seen": searched_at, "last_seen": searched_at},
        )
        if row.last_search_id == search_id:
            return row
        count_day(searched_at, payload["doc_type"], payload["step"])
        if row.handled_at is not None and searched_at > row.handled_at:
            row.handled_at, row.searches, row.first_seen = None, 0, searched_at
        row.searches += 1
        row.example_query = payload["query"]
        row.corrected_query = payload["corrected_query"]
        row.step = payload["step"]
        row.results = payload["results"]
        row.last_seen = max(row.last_seen, searched_at)
        row.last_search_id = search_id
        row.save()
    return row


def count_day(searched_at: datetime, doc_type: str, step: str) -> None:
    """One more search for its day (the project's time zone), type and step."""
    key = {"day": timezone.localdate(searched_at), "doc_type": doc_type, "step": step}
    if UnmetSearchDay.objects.filter(**key).update(searches=F("searches") + 1):
        return
    try:
        with transaction.atomic():  # a savepoint: another worker may insert the day's row first
            UnmetSearchDay.objects.create(**key, searches=1)
    except IntegrityError:
        UnmetSearchDay.objects.filter(**key).update(searches=F("searches") + 1)


def unmet_by_day(since: date) -> dict[date, tuple[int, int]]:
    """day -> (searches the ladder answered with results, searches that found nothing at all),
    every result type, from `since` on."""
    days: dict[date, tuple[int, int]] = {}
    rows = UnmetSearchDay.objects.filter(day__gte=since).values("day", "step").annotate(n=Sum("searches"))
    for row in rows.order_by():
        recovered, nothing = days.get(row["day"], (0, 0))
        if row["step"] == UnmetQuery.Step.SUGGEST:
            nothing += row["n"]
        else:
            recovered += row["n"]
        days[row["day"]] = (recovered, nothing)
    return days
