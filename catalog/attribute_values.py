"""Attribute values as feeds give them: one value, or a list of them (["Black", "Silver"])."""

from __future__ import annotations


def text_values(value: object) -> list[str]:
    """The strings among an attribute's value or values (numbers and flags carry no words)."""
    return [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]
