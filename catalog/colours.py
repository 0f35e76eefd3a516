"""Colours, canonically ("Gray" and "Grey" alike), and the colours a product states.

One vocabulary for what shoppers type ("red mouse"), what titles state ("... Mouse Red") and
what the catalog's attributes hold (Icecat's "product_colour": "Black,Silver"), so that the
colour facet, the colour filter and the ranking's colour preference agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .attribute_values import text_words, words_in

COLOURS = {
    "black": "black", "white": "white", "grey": "grey", "gray": "grey", "silver": "silver",
    "gold": "gold", "red": "red", "blue": "blue", "green": "green", "yellow": "yellow",
    "orange": "orange", "pink": "pink", "purple": "purple", "violet": "violet", "brown": "brown",
    "beige": "beige", "turquoise": "turquoise", "cyan": "cyan", "magenta": "magenta",
    "transparent": "transparent", "navy": "navy", "ivory": "ivory", "rose": "rose",
}  # fmt: skip
# The attributes that name a product's colour in Icecat feeds. "colour" is also a yes/no
# there (a printer printing in colour: true), which names none.
COLOUR_ATTRIBUTES = ("product_colour", "colour", "cable_colour")


def colours_in(words: Iterable[str]) -> frozenset[str]:
    """The colours these (case-folded) words name."""
    return frozenset(COLOURS[word] for word in words if word in COLOURS)


def text_colours(text: str) -> frozenset[str]:
    return colours_in(words_in(text))


def product_colours(title: str, attributes: Mapping | None) -> list[str]:
    """The colours a product's title or colour attributes state, sorted: "Pink gold" is pink
    and gold, "Multicolour" and "Stainless steel" name none."""
    stated = set(text_colours(title))
    for name in COLOUR_ATTRIBUTES:
        stated |= colours_in(text_words((attributes or {}).get(name)))
    return sorted(stated)
