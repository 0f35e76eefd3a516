"""Known-item queries for model numbers drawn from the loaded catalog, to measure whether a
product's code finds it however the shopper types it: as titles write it ("tn-3170"), joined
("tn3170") or apart ("tn 3170"). Codes are the letters-hyphen-digits words of 1 to
MODEL_NUMBER_MAX_TITLES titles (query understanding's own bar for a model number), every
n-th of them in order, so the same catalog gives the same queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ranking.features import padded_phrase, title_tokens
from searchapp.model_holders import written_phrases
from searchapp.query.attributes import names_few_titles
from searchapp.query.vocabulary import Vocabulary

HYPHENATED_CODE = re.compile(r"^([a-z]{1,5})-(\d{2,6})$")
TYPINGS: dict[str, Callable[[str, str], str]] = {
    "as written": lambda letters, digits: f"{letters}-{digits}",
    "joined": lambda letters, digits: f"{letters}{digits}",
    "apart": lambda letters, digits: f"{letters} {digits}",
}


def model_codes(vocabulary: Vocabulary, limit: int) -> list[tuple[str, str]]:
    """(letters, digits) of up to `limit` codes, spread evenly over all of them in order."""
    codes = sorted(
        match.groups()
        for token in vocabulary.title_postings
        if (match := HYPHENATED_CODE.match(token)) and names_few_titles(token, vocabulary)
    )
    step = max(1, len(codes) // limit) if limit > 0 else 1
    return codes[::step][:limit]


def holds_code(title: str, letters: str, digits: str) -> bool:
    """The title writes the code, hyphenated, apart or joined."""
    phrase = padded_phrase(title_tokens(title))
    return any(written in phrase for written in written_phrases(letters + digits))


def reciprocal_rank(titles: list[str], letters: str, digits: str) -> float:
    """1 / the position of the first title holding the code (0 when none does)."""
    return next(
        (1.0 / position for position, title in enumerate(titles, 1) if holds_code(title, letters, digits)),
        0.0,
    )
