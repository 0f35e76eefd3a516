"""What a document states against what the query asks for: a size (ranking/sizes.py), a
colour or a feature. A shopper typing "red mouse", "samsung tv 55 inch" or "bluetooth speaker"
names what they want; BM25 weighs the word as one of several, so products stating another
colour or size, or lacking the feature, outranked those that fit. A product stating only other
colours or sizes, or flagging the feature false, is demoted (a nearer size less); one stating
no colour or size is left alone: many never state them. Sizes are read from titles and the
kind's size attribute (catalog/sizes.py); colours from titles and, where the index holds them,
the catalog's colour attributes (catalog/colours.py); features from the yes/no attributes
(catalog/features.py) and the words.

A feature is binary, and catalogs flag it for the kinds of products that may have it: a
speaker flagging neither way, among speakers that do, is less likely to have it, so it is
demoted by half as much (in log terms). A product of a kind no candidate flags it for is
ranked with those silent ones, whatever its title says: the preference orders products
within the kinds asked for ("hdmi monitor": an HDMI cable is no likelier than a monitor
silent on HDMI). Query understanding reads a feature only for a query likely about a kind
flagging it ("tv box" reads no boxed processor's "box").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from catalog.colours import colours_in
from catalog.features import NEGATIONS, feature_spellings

from .accessories import product_and_target
from .sizes import size_factor
from .words import stem

if TYPE_CHECKING:  # features.py builds DocumentTerms with document_colours
    from .features import DocumentTerms, QueryFeatures


def document_colours(title_words: Iterable[str], indexed: Iterable[str]) -> frozenset[str]:
    """The colours a document states, canonically: its title's, and those its index entry
    holds (`colour`: the catalog's colour attributes and the title's, indexing/documents.py;
    an index built before that field existed holds none)."""
    return colours_in(title_words) | frozenset(indexed)


@dataclass(frozen=True, slots=True)
class StatedFeatures:
    """The features a document flags true and false (its `feature` and `lacking` keywords)."""

    having: frozenset[str]
    lacking: frozenset[str]

    @classmethod
    def of(cls, keywords: Mapping[str, Sequence[str]]) -> StatedFeatures:
        return cls(frozenset(keywords.get("feature", ())), frozenset(keywords.get("lacking", ())))

    def states_any(self, features: frozenset[str]) -> bool:
        return not (features.isdisjoint(self.having) and features.isdisjoint(self.lacking))


def feature_fit(feature: str, terms: DocumentTerms) -> bool | None:
    """True when the product flags the feature true or its words name it ("... Bluetooth
    Speaker"), False when it flags it false or its title denies it ("Keyboard Non-Backlit",
    which BM25 finds for "backlit keyboard"), None when it says nothing."""
    if feature in terms.features.having:
        return True
    if feature in terms.features.lacking:
        return False
    return words_fit(feature, terms.title_phrase, terms.words_anywhere)


def words_fit(feature: str, title_phrase: str, words: Iterable[str]) -> bool | None:
    """What a text says of the feature: False when the title (its stemmed words, space-joined
    and padded) denies it, True when `words` (stemmed) name it, None when neither."""
    if title_denies(feature, title_phrase):
        return False
    spellings = stemmed_spellings(feature)
    return True if any(all(word in words for word in spelling) for spelling in spellings) else None


def title_denies(feature: str, title_phrase: str) -> bool:
    """The title says the product lacks the feature: "Keyboard Non-Backlit"."""
    return any(
        f" {negation} {word} " in title_phrase
        for negation in NEGATIONS
        for words in stemmed_spellings(feature)
        for word in words
    )


@cache
def stemmed_spellings(feature: str) -> tuple[tuple[str, ...], ...]:
    """How a text may write the feature's words (catalog.features.feature_spellings), stemmed."""
    return tuple(tuple(stem(word) for word in words) for words in feature_spellings(feature))


def asks_for_attributes(query: QueryFeatures) -> bool:
    """Whether the query states what the product must be beyond its kind: a size, a colour, a
    feature, or what it fits ("mount for samsung tv": under a clear intent, the TVs its words
    match are of another kind, as for "vga monitor" the VGA cables are)."""
    return (
        bool(query.sizes or query.colours or query.features) or product_and_target(query.tokens) is not None
    )


def featured_kinds(query: QueryFeatures, documents: Iterable[DocumentTerms]) -> frozenset[str]:
    """The categories of the documents flagging one of the query's features either way."""
    if not query.features:
        return frozenset()
    return frozenset(
        terms.category
        for terms in documents
        if terms.features is not None and terms.features.states_any(query.features)
    )


def attribute_factor(
    query: QueryFeatures,
    terms: DocumentTerms,
    demotion: float,
    kinds: frozenset[str] = frozenset(),
    intent: str | None = None,
) -> float:
    """What a hit's first-stage score and P(engage) are multiplied by: `demotion` for a
    document stating colours, none of them asked for (1: none stated or one fits), times its
    sizes' factor, times its features': `demotion` for each it lacks (feature_fit; squared when
    its title denies it), its square root for each it does not state when its category (in
    `kinds`, featured_kinds) flags it, and for each whatever it states when its category does
    not: the preference ranks products within the kinds asked for, not across kinds. A product
    filed elsewhere than the query's clear category `intent` loses `demotion` once more: a VGA
    splitter has VGA ports and its words match "vga monitor" better than a monitor's, a black
    laptop bag is black and says "Laptop" where laptops say "Notebook", but neither is the kind
    asked for; an unfiled product loses the square root of `demotion`."""
    factor = size_factor(query.sizes, terms.sizes, demotion) if query.sizes else 1.0
    if query.colours and terms.colours and query.colours.isdisjoint(terms.colours):
        factor *= demotion
    if intent and terms.features is not None and terms.category != intent:
        # A product (features is None for videos and lives) of another kind; one the taxonomy
        # could not file is silent on its kind, as one silent on a feature is.
        factor *= demotion if terms.category else demotion**0.5
    if query.features and terms.features is not None:
        for feature in query.features:
            fits = feature_fit(feature, terms)
            if fits is False:
                # A title denying it holds the feature's word, which BM25 credited as asked
                # for: "Non-Backlit" keyboards led "backlit keyboard" through a halving.
                factor *= demotion**2 if title_denies(feature, terms.title_phrase) else demotion
            elif kinds and (fits is None or terms.category not in kinds):
                # Silent among its kind, or of a kind no candidate flags it for: a cable
                # saying "HDMI" is no likelier the "hdmi monitor" than a monitor silent on it.
                factor *= demotion**0.5
    return factor
