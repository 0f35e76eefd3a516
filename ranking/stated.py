"""What a title states against what the query asks for: a size (ranking/sizes.py) or a
colour. A shopper typing "red mouse" or "samsung tv 55 inch" names what they want; BM25 weighs
the word as one of several, so products stating another colour or size outranked those that
fit. A product stating only other colours or sizes is demoted (a nearer size less); one
stating none is left alone: many never state them. Sizes are read from titles; colours from
titles and, where the index holds them, the catalog's colour attributes (catalog/colours.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from catalog.colours import colours_in

from .sizes import size_factor

if TYPE_CHECKING:  # features.py builds DocumentTerms with document_colours
    from .features import DocumentTerms, QueryFeatures


def document_colours(title_words: Iterable[str], indexed: Iterable[str]) -> frozenset[str]:
    """The colours a document states, canonically: its title's, and those its index entry
    holds (`colour`: the catalog's colour attributes and the title's, indexing/documents.py;
    an index built before that field existed holds none)."""
    return colours_in(title_words) | frozenset(indexed)


def attribute_factor(query: QueryFeatures, terms: DocumentTerms, demotion: float) -> float:
    """What a hit's first-stage score and P(engage) are multiplied by: `demotion` for a
    document stating colours, none of them asked for (1: none stated or one fits), times its
    sizes' factor."""
    factor = size_factor(query.sizes, terms.sizes, demotion) if query.sizes else 1.0
    if query.colours and terms.colours and query.colours.isdisjoint(terms.colours):
        factor *= demotion
    return factor
