"""Transcripts cut into passages for the "passage" vector space.

A whole transcript is one poor vector (the encoder reads its first 64 tokens only, and one
vector averages every topic in it), so each passage gets its own and a video scores its best
passage. Windows follow sentences, hold up to 48 words (about what fits the encoder's 64
tokens) and overlap a little so a phrase cut at a boundary is still whole in one of them. Only the
first PASSAGES_MAX_PER_DOC are kept: each costs one encoder pass when first indexed.
"""

import re

from django.conf import settings

MAX_WORDS = 48
# Words of the previous window that open the next one.
OVERLAP_WORDS = 8
DEFAULT_MAX_PASSAGES = 4
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def max_passages() -> int:
    return getattr(settings, "PASSAGES_MAX_PER_DOC", DEFAULT_MAX_PASSAGES)


def split_passages(text: str, limit: int | None = None) -> list[str]:
    """`text` as at most `limit` (default PASSAGES_MAX_PER_DOC) windows of whole sentences,
    each at most MAX_WORDS words and opening with the previous window's last words when they
    fit; a sentence longer than a window is cut into window-sized pieces."""
    limit = max_passages() if limit is None else limit
    passages: list[str] = []
    window: list[str] = []
    fresh = False  # the window holds words no passage has yet
    for sentence in _sentences(text):
        if len(passages) == limit:
            break
        if fresh and len(window) + len(sentence) > MAX_WORDS:
            passages.append(" ".join(window))
            window = window[-OVERLAP_WORDS:] if OVERLAP_WORDS + len(sentence) <= MAX_WORDS else []
        window += sentence
        fresh = True
    if fresh and len(passages) < limit:
        passages.append(" ".join(window))
    return passages


def _sentences(text: str) -> list[list[str]]:
    """Sentences as word lists, each at most MAX_WORDS words long."""
    pieces = []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        pieces += [words[start : start + MAX_WORDS] for start in range(0, len(words), MAX_WORDS)]
    return pieces
