"""Facet counts over the fused candidate set, from the values stored on each `Hit`.

A deliberate design: facets are computed above the backends, over exactly the candidates the
user can page through (lexical AND dense matches, after filters), so both backends return the
same counts and a document found only by meaning is counted too. The price is that counts
are bounded by the recall depth, and that a facet's own filter is applied to its counts (no
"disjunctive" facets: with brand=X selected, the brand facet shows X only).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from indexing.backends.base import Hit
from indexing.schema import DOC_TYPES

from .search_request import PRICE_FIELD

# Bucket edges for the price facet: roughly logarithmic, so cheap accessories and expensive
# electronics both get useful ranges. The last bucket is open-ended ("to": null).
PRICE_EDGES = (0, 10, 25, 50, 100, 250, 500, 1000, 2500)
MAX_BRAND_VALUES = 20
MAX_CATEGORY_VALUES = 30


def top_values(counts: Counter, limit: int) -> list[dict]:
    """Most frequent first; ties alphabetical so responses are stable."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"value": value, "count": count} for value, count in ordered[:limit]]


def keyword_counts(hits: Iterable[Hit], field: str) -> Counter:
    # A multi-valued field counts each distinct value of a hit once.
    return Counter(value for hit in hits for value in set(hit.keywords.get(field, ())))


def price_buckets(prices: Iterable[float], edges: Sequence[float] = PRICE_EDGES) -> list[dict]:
    counts = [0] * len(edges)
    for price in prices:
        # Prices below the first edge (none: prices are >= 0) would fall in the first bucket.
        counts[max(bisect_right(edges, price) - 1, 0)] += 1
    buckets = []
    for index, count in enumerate(counts):
        if count:
            upper = edges[index + 1] if index + 1 < len(edges) else None
            buckets.append({"from": edges[index], "to": upper, "count": count})
    return buckets


def compute_facets(candidates: Mapping[str, Sequence[Hit]]) -> dict:
    """Facets over every document type in `candidates` ({doc_type: hits})."""
    all_hits = [hit for hits in candidates.values() for hit in hits]
    prices = [
        hit.numbers[PRICE_FIELD[hit.doc_type]]
        for hit in all_hits
        if hit.numbers.get(PRICE_FIELD[hit.doc_type]) is not None
    ]
    return {
        "brand": top_values(keyword_counts(all_hits, "brand"), MAX_BRAND_VALUES),
        "category": top_values(keyword_counts(all_hits, "category_path"), MAX_CATEGORY_VALUES),
        "price": price_buckets(prices),
        "type": {doc_type: len(candidates.get(doc_type, ())) for doc_type in DOC_TYPES},
    }
