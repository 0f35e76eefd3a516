"""How ranking splits and folds words, shared by the match features and the accessory rule."""

from __future__ import annotations

import re

TOKEN = re.compile(r"\w+")
# Function words: too common to mark in a snippet, and no product's text is asked to hold them.
STOPWORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)


def stem(word: str) -> str:
    """A deliberately crude plural folding ("shoes" ~ "shoe", "glasses" ~ "glass") so the
    match features agree with the backends' stemmed BM25 on the commonest case."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
