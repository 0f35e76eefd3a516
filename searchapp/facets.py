"""Facet counts over the fused candidate set, from the values stored on each `Hit`.

A deliberate design: facets are computed above the backends, over exactly the candidates the
user can page through (lexical AND dense matches, after filters), so both backends return the
same counts and a document found only by meaning is counted too. The price is that counts
are bounded by the recall depth.

Facets are disjunctive: with brand=X selected, the brand facet still counts the other brands
(what the shopper can add to the selection: brand is multi-valued), over the candidates that
pass every filter but the brand one. The same holds for category, colour and price. Those
counts come from one more recall without the facet filters (the pipeline's Facets stage); each
facet then re-applies the other facets' filters to it, with the backends' own filter semantics.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from indexing.backends.base import Hit
from indexing.schema import DOC_TYPES

from .search_request import PRICE_FIELD, SearchFilters

# Bucket edges for the price facet: roughly logarithmic, so cheap accessories and expensive
# electronics both get useful ranges. The last bucket is open-ended ("to": null).
PRICE_EDGES = (0, 10, 25, 50, 100, 250, 500, 1000, 2500)
MAX_BRAND_VALUES = 20
MAX_CATEGORY_VALUES = 30
MAX_COLOUR_VALUES = 20
# Each disjunctive facet, and the request filters that constrain it (cleared value).
FACET_FILTERS = {
    "brand": {"brands": ()},
    "category": {"category": None},
    "colour": {"colours": ()},
    "price": {"price_min": None, "price_max": None},
}


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


def price_facet(hits: Sequence[Hit]) -> list[dict]:
    return price_buckets(
        hit.numbers[PRICE_FIELD[hit.doc_type]]
        for hit in hits
        if hit.numbers.get(PRICE_FIELD[hit.doc_type]) is not None
    )


# The facets counted over hits of every type (the type facet counts the candidates per type).
FACET_COUNTS = {
    "brand": lambda hits: top_values(keyword_counts(hits, "brand"), MAX_BRAND_VALUES),
    "category": lambda hits: top_values(keyword_counts(hits, "category_path"), MAX_CATEGORY_VALUES),
    "colour": lambda hits: top_values(keyword_counts(hits, "colour"), MAX_COLOUR_VALUES),
    "price": price_facet,
}


def compute_facets(candidates: Mapping[str, Sequence[Hit]]) -> dict:
    """Facets over every document type in `candidates` ({doc_type: hits})."""
    all_hits = [hit for hits in candidates.values() for hit in hits]
    return {
        **{name: count(all_hits) for name, count in FACET_COUNTS.items()},
        "type": {doc_type: len(candidates.get(doc_type, ())) for doc_type in DOC_TYPES},
    }


def filtered_facets(filters: SearchFilters) -> list[str]:
    """The disjunctive facets these filters constrain."""
    return [
        facet
        for facet, cleared in FACET_FILTERS.items()
        if any(getattr(filters, name) != empty for name, empty in cleared.items())
    ]


def without_facet_filters(filters: SearchFilters, facets: Iterable[str]) -> SearchFilters:
    return replace(
        filters, **{name: empty for facet in facets for name, empty in FACET_FILTERS[facet].items()}
    )


def disjunctive_facets(
    relaxed: Mapping[str, Sequence[Hit]], filters: SearchFilters, facets: Sequence[str]
) -> dict:
    """Each of `facets` counted over the `relaxed` candidates (recalled without any facet
    filter) that pass every filter but the facet's own."""
    counted = {}
    for facet in facets:
        others = without_facet_filters(filters, [facet])
        passing = []
        for doc_type, hits in relaxed.items():
            type_filters = others.for_doc_type(doc_type)
            passing += [hit for hit in hits if type_filters.matches(hit.keywords, hit.numbers)]
        counted[facet] = FACET_COUNTS[facet](passing)
    return counted
