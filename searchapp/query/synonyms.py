"""Synonym expansion at query time, from the merchandisers' `Synonym` rules.

Rules use the Solr / Elasticsearch syntax: "tv, television" is two-way (each phrase finds the
others), "laptop => notebook" is one-way (laptop also finds notebook). Expansion never
replaces what was typed: it adds alternative queries, each with the rule's weight, that
both backends score alongside the original. Nothing is baked into the index, so a new rule
works on the next query. Phrases match with plurals folded (`ranking.words.stem`), as the
backends' stemmed fields do: "laptop => notebook" also expands "laptops".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ranking.words import stem

from .cached import VersionedValue
from .normalize import normalize

# Enough for every rule a short query can trigger; bounds the lexical query's size.
MAX_ALTERNATIVES = 6
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Alternative:
    text: str  # the whole query with one phrase replaced by its synonym
    weight: float
    source: str  # the phrase typed
    target: str  # the phrase it was expanded to
    kind: str = "synonyms"  # or "spelling": a runner-up correction (analyzer.spelling_alternatives)


@dataclass(frozen=True)
class Expansion:
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    weight: float


def parse_rule(rule: str, weight: float = 1.0) -> list[Expansion]:
    """Parse a rule: "tv, television" is one two-way expansion, "laptop, notebook => notebook
    computer" one one-way expansion. Raises ValueError with a message a merchandiser can act on."""
    if rule.count("=>") > 1:
        raise ValueError('use "=>" at most once: "laptop => notebook"')
    left, arrow, right = rule.partition("=>")
    sources = _phrases(left)
    if arrow:
        targets = _phrases(right)
        if not sources or not targets:
            raise ValueError('a one-way rule needs words on both sides: "laptop => notebook"')
        return [Expansion(sources, targets, weight)]
    if len(sources) < 2:
        raise ValueError('a two-way rule needs at least two comma-separated phrases: "tv, television"')
    return [Expansion(sources, sources, weight)]


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(phrase for part in text.split(",") if (phrase := normalize(part))))


class SynonymTable:
    def __init__(self, expansions: Iterable[Expansion]):
        # first folded token of a source phrase -> (folded source tokens, source, targets, weight)
        self.by_first_token: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], float]]] = (
            defaultdict(list)
        )
        for expansion in expansions:
            for source in expansion.sources:
                folded = tuple(stem(token) for token in source.split())
                self.by_first_token[folded[0]].append((folded, source, expansion.targets, expansion.weight))

    def __len__(self):
        return sum(len(entries) for entries in self.by_first_token.values())

    def expand(self, tokens: Sequence[str]) -> list[Alternative]:
        """Each matched phrase replaced by each of its synonyms, best weight first."""
        tokens = tuple(tokens)
        folded_tokens = tuple(stem(token) for token in tokens)
        found: dict[str, Alternative] = {}
        for start, token in enumerate(folded_tokens):
            for folded, source_text, targets, weight in self.by_first_token.get(token, ()):
                end = start + len(folded)
                if folded_tokens[start:end] != folded:
                    continue
                for target in targets:
                    if target == source_text:
                        continue
                    text = " ".join((*tokens[:start], target, *tokens[end:]))
                    if text not in found or found[text].weight < weight:
                        found[text] = Alternative(text, weight, source_text, target)
        ranked = sorted(found.values(), key=lambda alternative: -alternative.weight)
        return ranked[:MAX_ALTERNATIVES]


def load_synonym_tables() -> dict[str, SynonymTable]:
    from searchapp.models import Synonym

    by_locale: dict[str, list[Expansion]] = defaultdict(list)
    for rule, locale, weight in Synonym.objects.filter(enabled=True).values_list("rule", "locale", "weight"):
        try:
            by_locale[locale].extend(parse_rule(rule, weight))
        except ValueError:
            continue  # saved around the admin's validation; one bad row must not stop search
    return {locale: SynonymTable(expansions) for locale, expansions in by_locale.items()}


synonym_tables = VersionedValue("searchapp:synonyms:version", load_synonym_tables)


def get_synonym_table(locale: str = DEFAULT_LOCALE) -> SynonymTable:
    return synonym_tables.get().get(locale) or SynonymTable(())
