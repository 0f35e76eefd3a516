"""Inch sizes have one spelling on both sides of a search: catalogs write 55", 15.6'' or
24-inch, shoppers type "55 inch", and query normalisation makes that "55in". Indexed text
(never the text shown) gets the unit word beside the number, so "55in" matches the TV whose
title says (55"), where a tokenizer would keep only "55", a number matching anything, while
a query that says only "55" still matches it.

The pattern is written for both Python's `re` and Java's (Elasticsearch's `pattern_replace`
character filter), so the local and the Elasticsearch backends index the same words.
"""

from __future__ import annotations

import re

# A number with an inch mark: a double quote (straight, curly or a double prime), two
# apostrophes, or the word, hyphenated or not ("24-inch", "2 inches"); never a lone "in"
# ("2 in 1 laptop").
INCH_SIZE_PATTERN = r"(?i)(\d+(?:\.\d+)?)\s*(?:\"|''|\u201d|\u2033|-?inch(?:es)?\b)"
INCH_SIZE = re.compile(INCH_SIZE_PATTERN)
# Indexed: the number as written and as a unit ("55 55in"); the Java form of the same.
INDEXED_INCH_SIZE, INDEXED_INCH_SIZE_JAVA = r"\1 \1in ", "$1 $1in "


def inches_as_units(text: str) -> str:
    """A query's inch sizes as unit tokens: "tv 55 inch" -> "tv 55in "."""
    return INCH_SIZE.sub(r"\1in ", text)


def indexed_inch_sizes(text: str) -> str:
    """Text to index, each inch size also as a unit token: 'TV (55")' -> 'TV (55 55in )'."""
    return INCH_SIZE.sub(INDEXED_INCH_SIZE, text)
