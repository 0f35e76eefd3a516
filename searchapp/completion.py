"""Autocomplete (`/api/suggest`) that forgives what search forgives.

Each reading of the prefix is completed two ways: as searches (query/completions.py: the typed
words with the last one finished, counted in the catalog) and as title, brand and category
prefixes (the backend). When the prefix as typed completes nothing, it is read as search would
read it, and the first reading with completions is used: its Latin spelling (a Cyrillic or
Greek keyboard: "тон" completes as "ton", "toner"), then its spelling correction ("samsnug" as
"samsung", "wirles" as "wireless"), then with the unfinished word read as the title word it
nearly starts ("blutoo" as "bluetooth"). Valid prefixes never reach the corrector, so
completing them costs what it did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from anyascii import anyascii

from indexing.backends.base import BaseSearchBackend

from .query.analyzer import AnalyzerConfig, analyze
from .query.completions import get_query_completer
from .query.normalize import normalize
from .query.spelling import get_corrector
from .query.vocabulary import get_vocabulary

logger = logging.getLogger(__name__)
T = TypeVar("T")
# The first search offered names the category search would be this sure of ("wireless mouse"
# in Keyboards & mice), so a shopper can go straight there (`/api/search?category=<path>`).
SCOPED_INTENT = 0.8


def complete(
    backend: BaseSearchBackend, prefix: str, doc_types: Sequence[str], limit: int
) -> tuple[list, str | None]:
    """(completions, the reading they complete when it is not the prefix as typed)."""
    tried = set()
    for reading in readings(prefix):
        if reading in tried:
            continue
        tried.add(reading)
        found = completions(backend, reading, doc_types, limit)
        if found:
            return found, reading if reading != prefix else None
    return [], None


def completions(backend: BaseSearchBackend, prefix: str, doc_types: Sequence[str], limit: int) -> list[dict]:
    """Searches first, up to half the list (they count products: only when products are
    asked for), then the backend's brands, categories and titles, then more searches if
    those left room."""
    searches = []
    if "product" in doc_types:
        searches = courteously(
            lambda: [c.as_dict() for c in get_query_completer().complete(prefix, limit)], []
        )
    if searches:
        searches[0] = courteously(lambda: scoped(searches[0]), searches[0])
    first = searches[: (limit + 1) // 2]
    others = backend.suggest(prefix, doc_types, limit=limit - len(first))
    return first + others + searches[len(first) : limit - len(others)]


def scoped(search: dict) -> dict:
    """`search` with the category query understanding is at least SCOPED_INTENT sure of."""
    intent = analyze(search["text"], AnalyzerConfig.from_settings()).category_intent
    path, probability = intent[0] if intent else (None, 0.0)
    if probability < SCOPED_INTENT:
        return search
    return {**search, "category": {"path": path, "name": get_vocabulary().category_names.get(path, path)}}


def readings(prefix: str) -> Iterator[str]:
    """The prefix as typed, then (lazily: only when it completes nothing) its Latin spelling,
    its spelling correction (keeping a trailing space: the last word is finished), and its
    unfinished word read as the title word it nearly starts ("blutoo" -> "bluetooth")."""
    yield prefix
    latin = prefix if prefix.isascii() else anyascii(prefix)
    yield latin
    if corrected := spelling_correction(latin):
        yield corrected + " " if prefix[-1:].isspace() else corrected
    if slipped := courteously(lambda: get_query_completer().slip_corrected(latin), None):
        yield slipped


def spelling_correction(text: str) -> str | None:
    result = courteously(lambda: get_corrector().correct(normalize(text).split()), None)
    return " ".join(result.tokens) if result and result.corrected else None


def courteously(part: Callable[[], T], otherwise: T) -> T:
    """Completions are a courtesy: a part that fails (an unreadable vocabulary file, say) is
    logged and left out, and the backend's completions are still served."""
    try:
        return part()
    except Exception:
        logger.warning("a completion part failed; serving without it", exc_info=True)
        return otherwise
