"""Query completions for autocomplete: the searches a prefix can become, each with the number
of products it finds.

Title, brand and category prefixes (the backend's `suggest`) complete only words in the order
a title writes them: "toner hp" and "xbox contr" completed nothing, and "wireless mo" offered
one mouse's whole title. Here the typed words stay as typed and the unfinished last one is
completed by the title words that stand in the same titles as the others, in any order:
"wireless mo" -> "wireless mouse" (the titles holding both), "xbox contr" -> "xbox controller",
"toner hp" -> "toner hp". After a space the next word is offered from the words titles write
next ("wireless " -> "wireless mouse"). Searches shoppers ran successfully (the query log, when
the vocabulary learnt one: `build_query_vocabulary --from-logs`) come first.

Counts are over the vocabulary's title words, so they are as fresh as the vocabulary.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from symspellpy.editdistance import DistanceAlgorithm, EditDistance

from .file_cached import Derived
from .normalize import normalize
from .vocabulary import Vocabulary, get_vocabulary, titles_holding

# The unfinished word's completions counted, most frequent first: a one-letter prefix starts
# thousands of title words, and the rare ones complete to a product or two.
MAX_CANDIDATES = 200
# A slip in a word being typed is looked for only from this many letters on: shorter starts
# are one edit from too many words.
SLIP_MIN_LETTERS = 4
SLIPS_KEPT = 4096
# Joined tokens ("wireless+bluetooth", "toner/black") are offered only to a word typed with
# the joiner ("ps/" -> "ps/2"): their parts are words of their own.
JOINERS = re.compile(r"[&'/+]")


@dataclass(frozen=True)
class QueryCompletion:
    text: str
    count: int  # products whose title holds every word
    searches: int  # successful searches of exactly this text in the query log
    score: float  # how strongly the titles tie the completed word to the others

    def as_dict(self) -> dict:
        return {"text": self.text, "field": "query", "doc_type": "product", "count": self.count}


class QueryCompleter:
    def __init__(self, vocabulary: Vocabulary):
        self.postings = vocabulary.title_postings
        self.words = sorted(self.postings)
        self.searches = vocabulary.queries
        self.logged = sorted(vocabulary.queries)
        self.next_words = following_words(vocabulary.bigrams)
        self.nearly_started = lru_cache(maxsize=SLIPS_KEPT)(self._nearly_started)

    def complete(self, prefix: str, limit: int) -> list[QueryCompletion]:
        """At most `limit` completions of `prefix`: logged searches first, then the likeliest."""
        typed = normalize(prefix)
        words = typed.split()
        if not words:
            return []
        finished = prefix[-1].isspace()
        context, unfinished = (words, "") if finished else (words[:-1], words[-1])
        products = self.products_with(context)
        if products is not None and not products:
            candidates = ()  # no title holds the typed words together; the log may still know them
        elif finished:
            candidates = self.next_words.get(context[-1], ())
        else:
            candidates = self.starting_with(unfinished)
        completions = [
            self.completion([*context, word], products)
            for word in candidates
            if word not in context and offerable(word, unfinished)
        ]
        for text in self.logged_starting_with(typed + " " if finished else typed):
            logged = text.split()
            completions.append(self.completion(logged, self.products_with(logged[:-1])))
        # A logged search found what it found, whatever its words: it stays at any count.
        found = {c.text: c for c in completions if c.count or c.searches}.values()
        return sorted(found, key=lambda c: (-c.searches, -c.score, c.text))[:limit]

    def completion(self, words: list[str], products: set[int] | None) -> QueryCompletion:
        """`products`: those whose titles hold every word but the last (None: no other word)."""
        last = self.postings.get(words[-1], ())
        count = len(last) if products is None else len(products.intersection(last))
        # How many titles hold them all, weighed by how tied the last word is to the others
        # (the square root of the share of its titles they are): on Chorus "wireless " offers
        # "mouse" (43 of 165 mouse titles) before "black" (about as many, of 3,863). With
        # nothing else typed, the count alone.
        score = count if products is None else count * math.sqrt(count / len(last)) if last else 0.0
        text = " ".join(words)
        return QueryCompletion(text, count, self.searches.get(text, 0), score)

    def products_with(self, words: list[str]) -> set[int] | None:
        """Products whose title holds every word, intersecting from the rarest word's (None
        for no words: every product)."""
        return titles_holding(self.postings, words) if words else None

    def slip_corrected(self, prefix: str) -> str | None:
        """`prefix` with its unfinished last word replaced by the most frequent title word whose
        start is one edit away ("blutoo" -> "bluetooth": a slip mid-word, which spelling cannot
        correct in a word not finished), when no title word starts with it as typed."""
        words = prefix.split()
        if not words or prefix[-1].isspace() or len(words[-1]) < SLIP_MIN_LETTERS:
            return None
        best = self.nearly_started(normalize(words[-1]))
        return " ".join([*words[:-1], best]) if best else None

    def _nearly_started(self, typed: str) -> str | None:
        """The most frequent title word whose start is one edit from `typed`, when none
        starts with `typed` itself (cached per word: it compares every word with the same
        first letter, 1-9 ms)."""
        if not typed or next(self.prefixed(self.words, typed), None) is not None:
            return None
        distance = EditDistance(DistanceAlgorithm.DAMERAU_OSA)
        near: dict[str, bool] = {}  # each distinct start compared once: words share many

        def is_near(start: str) -> bool:
            if start not in near:
                near[start] = distance.compare(typed, start, 1) >= 0
            return near[start]

        # The slip may have dropped, added or changed a letter: starts one shorter, as long, one longer.
        nearest = [
            word
            for word in self.prefixed(self.words, typed[0])
            if any(is_near(word[: len(typed) + shift]) for shift in (-1, 0, 1))
        ]
        return max(nearest, key=lambda word: len(self.postings[word]), default=None)

    def starting_with(self, prefix: str) -> list[str]:
        """The title words that start with `prefix`, the MAX_CANDIDATES most frequent."""
        words = sorted(self.prefixed(self.words, prefix), key=lambda word: -len(self.postings[word]))
        return words[:MAX_CANDIDATES]

    def logged_starting_with(self, prefix: str) -> Iterable[str]:
        return self.prefixed(self.logged, prefix)

    @staticmethod
    def prefixed(ordered: list[str], prefix: str) -> Iterator[str]:
        start = bisect_left(ordered, prefix)
        for index in range(start, len(ordered)):
            if not ordered[index].startswith(prefix):
                break
            yield ordered[index]


def offerable(word: str, typed: str) -> bool:
    """A word worth offering for the unfinished `typed`: not one letter (initials, "PC's" s),
    and joined only when typed with its joiner."""
    return len(word) > 1 and (not JOINERS.search(word) or bool(JOINERS.search(typed)))


def following_words(bigrams: dict[str, int]) -> dict[str, list[str]]:
    """Title word -> the words titles write next, most often first."""
    pairs = defaultdict(list)
    for pair, count in bigrams.items():
        first, second = pair.split(" ", 1)
        pairs[first].append((count, second))
    return {word: [second for _count, second in sorted(nexts, reverse=True)] for word, nexts in pairs.items()}


# Rebuilt when the vocabulary is reloaded.
get_query_completer = Derived(get_vocabulary, QueryCompleter)
