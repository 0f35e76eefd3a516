"""Attribute values as feeds give them: one value, or a list of them (["Black", "Silver"])."""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]+")


def text_values(value: object) -> list[str]:
    """The strings among an attribute's value or values (numbers and flags carry no words)."""
    return [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]


def words_in(text: str) -> list[str]:
    """A text's words, case-folded, letters only: "Black,Silver" -> ["black", "silver"]."""
    return WORD.findall(text.casefold())


def text_words(value: object) -> list[str]:
    """The words of an attribute's text value or values."""
    return [word for text in text_values(value) for word in words_in(text)]
