"""Which hits hold a model number the query names ("canon tn-2110", "tn 3170"): the first stage
puts them first (pipeline.holders_first) and the blend demotes the others (blend.query_fit), since
its value term could lift a dearer neighbour over the product the shopper named exactly."""

from __future__ import annotations

from collections.abc import Callable

from indexing.backends.base import Hit
from ranking.features import document_terms, field_words, padded_phrase, title_tokens

from .query.attributes import written_forms


def model_holder(parsed) -> Callable[[Hit], bool] | None:
    """Whether a hit's title holds one of the query's model numbers, as titles write it
    (hyphenated or joined), and the hit every other word of the query (`ParsedQuery.
    beside_models`: "nc4400 battery" wants a battery naming the nc4400, not the notebook).
    None when the query names no model number."""
    models = tuple(
        phrase for model in (parsed.model_numbers if parsed else ()) for phrase in written_phrases(model)
    )
    if not models:
        return None
    needed = field_words(*parsed.beside_models)

    def holds(hit: Hit) -> bool:
        terms = document_terms(hit)
        return any(model in terms.title_phrase for model in models) and needed <= terms.words_anywhere

    return holds


def written_phrases(model: str) -> tuple[str, ...]:
    """The model number as a title's padded word phrase (`DocumentTerms.title_phrase`) holds
    it, in each way titles write it: "tn-3170" -> (" tn 3170 ", " tn3170 ")."""
    return tuple(padded_phrase(title_tokens(form)) for form in written_forms(model))
