"""Which candidates an explicit sort (price, newest) lists.

Relevance order keeps weak matches below the strong ones; a price sort would put them
first: "tv" sorted by ascending price opened with a USB cable and a car power adapter,
recalled for "TV" in their descriptions. So a sorted list keeps the candidates that match
the query about as well as its best match does (the share of the query's words in their
title or category, at least RELATIVE_COVERAGE of the best candidate's share), and those the
dense channel found close in meaning (cosine >= MIN_DENSE_COSINE, e.g. a "notebook" for
"laptop"). A query that nothing matches that way keeps every candidate.

When query understanding is sure of the query's category (SORT_CATEGORY_PROBABILITY), the
list keeps that category's matches: "tv" by ascending price lists TVs, not the remote
controls and antennas whose titles say "TV". Relevance order does not filter so (a category
filter cost NDCG@10 at every threshold: relevant products sit in sibling categories too),
but a sorted list has no relevance order left to keep the accessories below. Below 0.9 the
taxonomy's misfiled products cost more than the scoping gains ("usb c charger", 0.89, lost
two USB-C wall chargers filed under cables).
"""

from __future__ import annotations

from collections.abc import Sequence

from indexing.backends.base import Hit
from ranking.features import TOKEN, document_terms, stem

RELATIVE_COVERAGE = 0.75
# The relevance floor cold-start exploration uses (ranking/marketplace_config.py).
MIN_DENSE_COSINE = 0.6
SORT_CATEGORY_PROBABILITY = 0.9


def sortable(hits: Sequence[Hit], query: str, category_intent: Sequence[tuple[str, float]] = ()) -> list[Hit]:
    """`category_intent`: (category path, probability) pairs, most probable first."""
    matching = matches(hits, query)
    if category_intent and category_intent[0][1] >= SORT_CATEGORY_PROBABILITY:
        path = category_intent[0][0]
        in_category = [hit for hit in matching if path in hit.keywords.get("category_path", ())]
        return in_category or matching
    return matching


def matches(hits: Sequence[Hit], query: str) -> list[Hit]:
    tokens = {stem(word) for word in TOKEN.findall(query.casefold())}
    if not tokens or not hits:
        return list(hits)
    coverage = []
    for hit in hits:
        terms = document_terms(hit)
        coverage.append(len((tokens & terms.title_words) | (tokens & terms.category_words)) / len(tokens))
    floor = RELATIVE_COVERAGE * max(coverage)
    kept = [
        hit
        for hit, covered in zip(hits, coverage, strict=True)
        if (covered and covered >= floor) or hit.channel_scores.get("dense", -1.0) >= MIN_DENSE_COSINE
    ]
    return kept or list(hits)
