"""Which candidates an explicit sort (price, newest) lists.

Relevance order keeps weak matches below the strong ones; a price sort would put them
first: "tv" sorted by ascending price opened with a USB cable and a car power adapter,
recalled for "TV" in their descriptions. So a sorted list keeps the candidates that match
the query about as well as its best match does (the share of the query's words in their
title or category, at least RELATIVE_COVERAGE of the best candidate's share), and those the
dense channel found close in meaning (cosine >= MIN_DENSE_COSINE, e.g. a "notebook" for
"laptop"). A query that nothing matches that way keeps every candidate.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexing.backends.base import Hit
from ranking.features import TOKEN, document_terms, stem

RELATIVE_COVERAGE = 0.75
# The relevance floor cold-start exploration uses (ranking/marketplace_config.py).
MIN_DENSE_COSINE = 0.6


def sortable(hits: Sequence[Hit], query: str) -> list[Hit]:
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
