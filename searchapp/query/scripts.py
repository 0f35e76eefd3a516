"""Which writing systems the catalog's text is written in, so a query in another one is known
to be unreadable instead of being searched by the dense channel, whose nearest products to
text the model cannot read are arbitrary ("中文" over an English catalog: ink cartridges).

A script counts as the catalog's when its letters hold at least MIN_SCRIPT_SHARE of the
vocabulary's weighted letters: Chorus has a few Cyrillic, Greek and CJK words in its
descriptions (0.003% of its letters), which must not make every Chinese query readable. A
catalog written in several scripts reads each of them.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping

from .file_cached import Derived
from .vocabulary import Vocabulary, get_vocabulary

MIN_SCRIPT_SHARE = 0.001


def script_of(letter: str) -> str:
    """The script a letter belongs to, from its Unicode name: "LATIN", "CYRILLIC", "CJK",
    "HANGUL", "ARABIC"..."""
    return unicodedata.name(letter, "UNKNOWN").split(" ", 1)[0]


def vocabulary_scripts(vocabulary: Vocabulary) -> frozenset[str] | None:
    """The catalog's scripts; None when the vocabulary has no letters to tell from."""
    return written_scripts(vocabulary.terms)


# Recomputed when the vocabulary is reloaded.
catalog_scripts = Derived(get_vocabulary, vocabulary_scripts)


def written_scripts(terms: Mapping[str, int]) -> frozenset[str] | None:
    """The scripts holding at least MIN_SCRIPT_SHARE of the letters of `terms` (term -> count)."""
    weights: Counter[str] = Counter()
    for term, count in terms.items():
        for char in term:
            if char.isalpha():
                weights[script_of(char)] += count
    total = sum(weights.values())
    if not total:
        return None
    return frozenset(script for script, weight in weights.items() if weight >= MIN_SCRIPT_SHARE * total)


def unreadable_words(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens with letters none of which is in one of the catalog's scripts."""
    if all(token.isascii() for token in tokens):
        return ()  # most queries: no need to know the catalog's scripts
    scripts = catalog_scripts()
    if scripts is None:
        return ()
    return tuple(
        token
        for token in tokens
        if not token.isascii()
        and (letters := [char for char in token if char.isalpha()])
        and not any(script_of(letter) in scripts for letter in letters)
    )
