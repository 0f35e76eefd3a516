"""What the search logs teach query understanding: which typed queries succeed (a search
for them got a click) and which categories shoppers click for a query.

Both read the served-search log (SearchLog, the typed query normalised but not corrected)
joined with click events, in the database (one grouped query each, whatever the log's size).
Simulated traffic (`simulate_traffic`) is left out unless asked for: it must never pass for
what real shoppers type.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery

from indexing.schema import document_id, parse_document_id

from .models import Event, SearchLog

# A query counts as a shopper's spelling once searches for it got clicks in this many
# sessions: a typo is rarely repeated by that many people, a real query is.
MIN_QUERY_SESSIONS = 3


def _product_clicks():
    return Event.objects.filter(
        kind=Event.Kind.CLICK, search_id__isnull=False, doc_id__startswith=document_id("product", "")
    )


def _searches(include_simulated: bool):
    searches = SearchLog.objects.exclude(normalized_query="")
    return searches if include_simulated else searches.filter(is_simulated=False)


def successful_queries(
    include_simulated: bool = False, min_sessions: int = MIN_QUERY_SESSIONS
) -> list[tuple[str, int]]:
    """(normalised typed query, sessions in which a product search for it got a click), most
    frequent first, for queries clicked in at least `min_sessions` sessions."""
    rows = (
        _searches(include_simulated)
        .filter(search_id__in=_product_clicks().values("search_id"))
        .values("normalized_query")
        .annotate(sessions=Count("session_id", distinct=True))
        .filter(sessions__gte=min_sessions)
        .order_by("-sessions", "normalized_query")
    )
    return [(row["normalized_query"], row["sessions"]) for row in rows]


def clicked_categories(include_simulated: bool = False) -> list[tuple[str, str, int]]:
    """(normalised typed query, category path of a clicked product, clicks)."""
    from catalog.models import Product

    query_of_search = _searches(include_simulated).filter(search_id=OuterRef("search_id"))
    rows = (
        _product_clicks()
        .annotate(query=Subquery(query_of_search.values("normalized_query")[:1]))
        .filter(query__isnull=False)
        .values("query", "doc_id")
        .annotate(clicks=Count("id"))
    )
    clicks = [
        (row["query"], int(pk), row["clicks"])
        for row in rows
        if (pk := parse_document_id(row["doc_id"])[1]).isdigit()
    ]
    category_of = dict(
        Product.objects.filter(pk__in={pk for _, pk, _ in clicks}, category__isnull=False).values_list(
            "pk", "category__path"
        )
    )
    totals: dict[tuple[str, str], int] = {}
    for query, pk, count in clicks:
        path = category_of.get(pk)
        if path:
            totals[query, path] = totals.get((query, path), 0) + count
    return sorted(((query, path, count) for (query, path), count in totals.items()), key=lambda r: (-r[2], r))
