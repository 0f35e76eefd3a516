"""Deterministic misspellings of queries, to measure how robust search is to typos.

Each variant gets one or two edits (insert, delete, substitute or transpose a letter) in
words of at least four letters, as people mistype; the same seed gives the same variants.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable

MIN_WORD_LENGTH = 4
EDITS = ("insert", "delete", "substitute", "transpose")


def misspell(query: str, rng: random.Random, edits: int) -> str | None:
    """`query` with `edits` random edits in its longer words, or None if it has none."""
    words = query.split()
    for _ in range(edits):
        editable = [i for i, word in enumerate(words) if len(word) >= MIN_WORD_LENGTH and word.isalpha()]
        if not editable:
            return None
        index = rng.choice(editable)
        words[index] = edit_word(words[index], rng)
    variant = " ".join(words)
    return variant if variant != query else None


def edit_word(word: str, rng: random.Random) -> str:
    kind = rng.choice(EDITS)
    position = rng.randrange(len(word))
    letter = rng.choice(string.ascii_lowercase)
    if kind == "insert":
        return word[:position] + letter + word[position:]
    if kind == "delete":
        return word[:position] + word[position + 1 :]
    if kind == "substitute":
        return word[:position] + letter + word[position + 1 :]
    position = min(position, len(word) - 2)
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


def typo_variants(queries: Iterable[str], per_query: int, seed: int) -> dict[str, str]:
    """{misspelled variant: original query}, `per_query` variants (one or two edits) each."""
    rng = random.Random(seed)
    variants: dict[str, str] = {}
    for query in sorted(queries):
        for attempt in range(per_query * 3):
            if sum(original == query for original in variants.values()) >= per_query:
                break
            variant = misspell(query, rng, edits=1 + attempt % 2)
            if variant and variant not in variants and variant != query:
                variants[variant] = query
    return variants
