"""What a title states against what the query asks for: a size (ranking/sizes.py) or a
colour. A shopper typing "red mouse" or "samsung tv 55 inch" names what they want; BM25 weighs
the word as one of several, so products stating another colour or size outranked those that
fit. A title stating only other colours or sizes is demoted (a nearer size less); one stating
none is left alone: many titles never state them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from searchapp.query.attributes import COLOURS

from .sizes import size_factor

if TYPE_CHECKING:  # features.py builds DocumentTerms with title_colours
    from .features import DocumentTerms, QueryFeatures


def title_colours(title_words: Iterable[str]) -> frozenset[str]:
    """The colours a title's words state, canonically ("Gray" and "Grey" alike)."""
    return frozenset(COLOURS[word] for word in title_words if word in COLOURS)


def attribute_factor(query: QueryFeatures, terms: DocumentTerms, demotion: float) -> float:
    """What a hit's first-stage score and P(engage) are multiplied by: `demotion` for a title
    stating colours, none of them asked for (1: none stated or one fits), times its sizes'
    factor."""
    factor = size_factor(query.sizes, terms.sizes, demotion) if query.sizes else 1.0
    if query.colours and terms.colours and query.colours.isdisjoint(terms.colours):
        factor *= demotion
    return factor
