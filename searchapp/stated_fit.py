"""How well each candidate fits what the query states beyond its words: the sizes, colours,
features and what the product fits it names (ranking/stated.py; other kinds than a clear intent
count as not fitting) and the model numbers it names (model_holders.py). The first stage
multiplies its score by the same factors; the final ranker's scores take them as odds (Rank),
and the blend weighs each candidate's engagement by them, so neither undoes what the first
stage honoured."""

from __future__ import annotations

import numpy as np

from indexing.backends.base import Hit
from ranking.features import QueryFeatures, document_terms
from ranking.stated import asks_for_attributes, attribute_factor, featured_kinds

from .model_holders import model_holder
from .query.analyzer import confident_category


def stated_fit(
    ctx, hits: list[Hit], attribute_demotion: float, intent: float | None = None
) -> np.ndarray | None:
    """Per hit: `attribute_demotion` (or a milder factor for silence: ranking/stated.py) for
    stating another size or colour, lacking a named feature or being filed elsewhere than the
    query's category when its intent reaches `intent` (None: never); `attribute_demotion` for
    not holding a model number the query names when others do. None when the query states
    nothing of the kind, or the demotion is off (1)."""
    if ctx.parsed is None or attribute_demotion == 1:
        return None
    factors = np.ones(len(hits))
    query = QueryFeatures.from_parsed(ctx.query, ctx.parsed)
    if asks_for_attributes(query):
        documents = [document_terms(hit) for hit in hits]
        kinds = featured_kinds(query, documents)
        category = confident_category(ctx.parsed, intent) if intent is not None else None
        factors *= [
            attribute_factor(query, terms, attribute_demotion, kinds, category) for terms in documents
        ]
    holds = model_holder(ctx.parsed)
    if holds is not None:
        held = np.array([holds(hit) for hit in hits], dtype=bool)
        if held.any():
            factors[~held] *= attribute_demotion
    return factors if (factors != 1).any() else None
