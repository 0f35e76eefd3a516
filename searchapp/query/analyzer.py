"""Query understanding, composed: normalise -> spell -> attributes -> synonyms -> intent.

`analyze()` turns the raw query into a `ParsedQuery` that recall and ranking use: the text
for the lexical channel, weighted alternative queries (synonyms), filters from confident
extractions, soft boosts from the rest, and the predicted categories. Each part can be
switched off (ablation, or an incident); a part that fails is skipped and reported in
`degraded`, so a bad query or a missing model never fails a search.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings

from indexing.embeddings import normalise_query
from ranking.accessories import product_and_target
from ranking.words import stem
from searchapp.search_request import SearchFilters

from .attributes import (
    BRAND,
    COLOUR,
    COMPONENT_SPEC,
    FEATURE,
    MODEL_NUMBER,
    PRICE,
    PRICE_PREFERENCE,
    PRODUCT_TYPE,
    UNIT,
    Extraction,
    extract_attributes,
    extract_product_type,
    residual_tokens,
    words_beside_models,
)
from .completions import get_query_completer
from .intent import IntentModel, blend_with_rule, get_intent_model
from .normalize import in_gigabytes, normalize, split_unit
from .rules import rule_enabled
from .scripts import catalog_scripts, unreadable_words
from .spelling import SpellingResult, get_corrector
from .synonyms import DEFAULT_LOCALE, MAX_ALTERNATIVES, Alternative, get_synonym_table
from .vocabulary import get_vocabulary

logger = logging.getLogger(__name__)

NORMALIZE, SPELLING, ATTRIBUTES, SYNONYMS, INTENT = (
    "normalize",
    "spelling",
    "attributes",
    "synonyms",
    "intent",
)
PARTS = (NORMALIZE, SPELLING, ATTRIBUTES, SYNONYMS, INTENT)
# How likely the query must ask for kinds of products flagging a feature it names.
FEATURE_KIND_PROBABILITY = 0.5
# In "<product> for <target>", a declared rule's category the target alone reads this likely is
# what the product fits ("mount for samsung tv": TVs), not the product.
FITTED_RULE_PROBABILITY = 0.5
# How likely the query must ask for kinds of products a brand sells for a word also read as a
# size or colour to be that brand.
BRAND_KIND_PROBABILITY = 0.1
# How likely the classifier's first reading must be to override the declared taxonomy rule.
RULE_OVERRIDE_PROBABILITY = 0.5
CATEGORY_INTENT_RULE = "category_intent"
# Text fields a colour or a size is looked for in (fields a doc type lacks are skipped).
DESCRIPTIVE_TEXT_FIELDS = ("title", "attributes")


@dataclass(frozen=True)
class AnalyzerConfig:
    parts: frozenset[str] = frozenset(PARTS)
    # An extraction at least this confident becomes a filter; below it, a boost.
    filter_confidence: float = 0.85
    # Predicted categories at least this probable are boosted, with their probability...
    intent_boost_probability: float = 0.2
    # ...and the top one is a filter from this probability on.
    intent_filter_probability: float = 0.9
    intent_top: int = 3
    locale: str = DEFAULT_LOCALE

    @classmethod
    def from_settings(cls, disabled: Iterable[str] = ()) -> AnalyzerConfig:
        unknown = set(disabled) - set(PARTS)
        if unknown:
            raise ValueError(
                f"unknown query-understanding parts {sorted(unknown)}; expected {', '.join(PARTS)}"
            )
        return cls(
            parts=frozenset(PARTS) - set(disabled),
            filter_confidence=getattr(settings, "SEARCH_QUERY_FILTER_CONFIDENCE", cls.filter_confidence),
            intent_boost_probability=getattr(
                settings, "SEARCH_INTENT_BOOST_PROBABILITY", cls.intent_boost_probability
            ),
            intent_filter_probability=getattr(
                settings, "SEARCH_INTENT_FILTER_PROBABILITY", cls.intent_filter_probability
            ),
        )


@dataclass(frozen=True)
class Boost:
    field: str  # an index field: keyword fields match exactly, text fields as a phrase
    value: str
    weight: float
    source: str  # the rule that suggested it


@dataclass(frozen=True)
class ParsedQuery:
    original: str
    normalized: str
    corrected: str | None = None
    did_you_mean: str | None = None
    text_for_lexical: str = ""
    alternatives: tuple[Alternative, ...] = ()
    # Request-level filters, translated per document type like the user's own filters
    # (a video's price is its cheapest product's).
    filters: SearchFilters = field(default_factory=SearchFilters)
    boosts: tuple[Boost, ...] = ()
    category_intent: tuple[tuple[str, float], ...] = ()
    extractions: tuple[Extraction, ...] = ()
    # Extractions turned into filters: what a zero-result recovery relaxes.
    applied: tuple[Extraction, ...] = ()
    # "low" for "cheap ...", "high" for "premium ...": the blend weighs price by it.
    price_preference: str | None = None
    # Words in a script the catalog is not written in (scripts.py): the dense channel reads
    # the others only, since its nearest products to unreadable text are arbitrary.
    unreadable_words: tuple[str, ...] = ()
    # The other words a model number's holder needs to come first (attributes.words_beside_models).
    beside_models: tuple[str, ...] = ()
    degraded: tuple[str, ...] = ()

    @property
    def model_numbers(self) -> tuple[str, ...]:
        return tuple(e.value for e in self.extractions if e.rule == MODEL_NUMBER)

    def explain(self) -> dict:
        return {
            "normalized": self.normalized,
            "corrected_query": self.corrected,
            "did_you_mean": self.did_you_mean,
            "text": self.text_for_lexical,
            "filters": explain_filters(self.filters),
            "boosts": [
                {"field": b.field, "value": b.value, "weight": round(b.weight, 3), "source": b.source}
                for b in self.boosts
            ],
            "category_intent": [
                {"category": path, "probability": round(probability, 3)}
                for path, probability in self.category_intent
            ],
            "synonyms_applied": explain_alternatives(self.alternatives, SYNONYMS),
            "spelling_alternatives": explain_alternatives(self.alternatives, SPELLING),
            "unit_alternatives": explain_alternatives(self.alternatives, UNIT),
            "price_preference": self.price_preference,
            "unreadable_words": list(self.unreadable_words),
            "model_numbers": list(self.model_numbers),
            "extractions": [
                {
                    "rule": e.rule,
                    "text": e.text,
                    "value": explain_value(e.value),
                    "confidence": round(e.confidence, 3),
                    "applied_as": "filter" if e in self.applied else "boost",
                }
                for e in self.extractions
            ],
        }


def analyze(raw: str, config: AnalyzerConfig | None = None) -> ParsedQuery:
    config = config or AnalyzerConfig()
    parts = config.parts
    degraded: list[str] = []

    def guarded(part: str, run, default):
        try:
            return run()
        except Exception as error:  # one broken part must not fail the search
            logger.exception("query understanding part %s failed", part)
            degraded.append(f"{part}: {type(error).__name__}: {error}")
            return default

    normalized = normalize(raw) if NORMALIZE in parts else normalise_query(raw)
    tokens = tuple(normalized.split())

    spelling = SpellingResult(tokens, None, None)
    if SPELLING in parts and tokens:
        spelling = guarded(SPELLING, lambda: get_corrector().correct(tokens), spelling)
    tokens = spelling.tokens
    unreadable = guarded("scripts", lambda: unreadable_words(tokens), ())

    extractions: list[Extraction] = []
    if ATTRIBUTES in parts and tokens:
        extractions = guarded(ATTRIBUTES, lambda: extract_attributes(tokens, get_vocabulary()), [])
    applied = [
        e for e in extractions if e.confidence >= config.filter_confidence and e.rule in (PRICE, BRAND)
    ]
    preference = next((e for e in extractions if e.rule == PRICE_PREFERENCE), None)
    # Words that say what to filter or prefer by, or which product's spec this is, not what
    # to find, leave the text...
    words_out = [*applied, *(e for e in extractions if e.rule in (PRICE_PREFERENCE, COMPONENT_SPEC))]
    # ...but a query that is nothing but a constraint ("under 20") keeps its words as text.
    lexical_tokens = residual_tokens(tokens, words_out) or tokens

    alternatives = spelling_alternatives(spelling, words_out)
    alternatives += unit_alternatives(lexical_tokens, extractions)
    alternatives += model_alternatives(lexical_tokens, extractions)
    if SYNONYMS in parts and lexical_tokens:
        alternatives += guarded(SYNONYMS, lambda: get_synonym_table(config.locale).expand(lexical_tokens), [])

    intent: list[tuple[str, float]] = []
    if INTENT in parts and tokens:
        intent, extractions = guarded(
            INTENT, lambda: predict_intent(tokens, extractions, config), ([], extractions)
        )

    if intent:
        extractions = guarded(
            ATTRIBUTES, lambda: features_of_the_kind(extractions, intent, get_vocabulary()), extractions
        )
        extractions = guarded(
            ATTRIBUTES,
            lambda: brands_of_the_kind(extractions, applied, intent, get_vocabulary()),
            extractions,
        )
    filters = build_filters(applied, intent, config)
    beside_models: tuple[str, ...] = ()
    if any(e.rule == MODEL_NUMBER for e in extractions):
        beside_models = guarded(
            ATTRIBUTES, lambda: words_beside_models(lexical_tokens, extractions, get_vocabulary()), ()
        )
    return ParsedQuery(
        original=raw,
        normalized=normalized,
        corrected=spelling.corrected,
        did_you_mean=spelling.did_you_mean,
        text_for_lexical=" ".join(lexical_tokens),
        alternatives=tuple(alternatives),
        filters=filters,
        boosts=tuple(build_boosts(extractions, applied, intent, config)),
        category_intent=tuple(intent),
        extractions=tuple(extractions),
        applied=tuple(applied),
        price_preference=preference.value if preference else None,
        unreadable_words=unreadable,
        beside_models=beside_models,
        degraded=tuple(degraded),
    )


def confident_category(parsed: ParsedQuery | None, threshold: float) -> str | None:
    """The query's top category when its intent reaches `threshold`."""
    intent = parsed.category_intent if parsed else ()
    path, probability = max(intent, key=lambda pair: pair[1], default=(None, 0.0))
    return path if probability >= threshold else None


def features_of_the_kind(
    extractions: list[Extraction], intent: list[tuple[str, float]], vocabulary
) -> list[Extraction]:
    """A feature word names a feature only when the query most likely asks for a kind of
    product flagging it: "bluetooth speaker" asks for Bluetooth, but "tv box" no boxed
    processor and "iphone charger" no phone sold with a charger. Of features read from the
    same words, the one the likely kinds flag most: "backlit keyboard" names laptops'
    `keyboard_backlit` and keyboards' `backlight`, and asks for a keyboard."""

    def kinds(feature: str) -> dict[str, int]:
        return vocabulary.feature_kinds.get(feature, {})

    def of_the_kind(feature: str) -> bool:
        return (
            sum(probability for path, probability in intent if path in kinds(feature))
            >= FEATURE_KIND_PROBABILITY
        )

    def flagging(extraction: Extraction) -> float:
        return sum(probability * kinds(extraction.value).get(path, 0) for path, probability in intent)

    read = sorted(
        (e for e in extractions if e.rule == FEATURE and of_the_kind(e.value)), key=flagging, reverse=True
    )
    kept, words = [], set()
    for extraction in read:
        if words.isdisjoint(extraction.positions):
            kept.append(extraction)
            words.update(extraction.positions)
    return [e for e in extractions if e.rule != FEATURE or e in kept]


def brands_of_the_kind(
    extractions: list[Extraction], applied: list[Extraction], intent: list[tuple[str, float]], vocabulary
) -> list[Extraction]:
    """A word read both as a brand and as a size or colour is the brand only when the query
    may ask for a kind of product the brand sells: "hdmi cable 3m" asks for three-metre HDMI
    cables (3M sells privacy filters, no cable), "3m privacy filter" for 3M's filters and
    "black box cable" for Black Box's. A brand sure enough to filter by is the brand, and so is
    one the vocabulary knows no kinds of (built before they were counted)."""
    described = {position for e in extractions if e.rule in (UNIT, COLOUR) for position in e.positions}

    def is_the_brand(extraction: Extraction) -> bool:
        kinds = vocabulary.brand_kinds.get(extraction.value)
        if extraction in applied or kinds is None or not described.issuperset(extraction.positions):
            return True
        return sum(probability for path, probability in intent if path in kinds) >= BRAND_KIND_PROBABILITY

    return [e for e in extractions if e.rule != BRAND or is_the_brand(e)]


def spelling_alternatives(spelling: SpellingResult, applied: list[Extraction]) -> list[Alternative]:
    """The corrected query with an unknown word's runner-up correction in its place, at the
    weight of the query itself (0.7 measured the same): the backends score each document by
    its best-matching alternative."""
    tokens = spelling.tokens
    found = []
    for position, word in spelling.runner_ups:
        replaced = (*tokens[:position], word, *tokens[position + 1 :])
        text = " ".join(residual_tokens(replaced, applied))
        if word in text.split():  # not a word a price or brand filter took out of the text
            found.append(Alternative(text, 1.0, tokens[position], word, kind=SPELLING))
    return found[:MAX_ALTERNATIVES]  # a long garbled query must not make the lexical query huge


def unit_alternatives(tokens: tuple[str, ...], extractions: list[Extraction]) -> list[Alternative]:
    """The query with a terabyte size as catalogs also write it ("1tb" -> "1000 gb"), at the
    weight of the query itself: "seagate 1tb" finds "Seagate BarraCuda 1000 GB"."""
    sizes = {e.value for e in extractions if e.rule == UNIT and isinstance(e.value, str)}
    found = []
    for position, token in enumerate(tokens):
        if token in sizes and (written := in_gigabytes(token)):
            text = " ".join((*tokens[:position], written, *tokens[position + 1 :]))
            found.append(Alternative(text, 1.0, token, written, kind=UNIT))
    return found


def model_alternatives(tokens: tuple[str, ...], extractions: list[Extraction]) -> list[Alternative]:
    """The query with a model number typed joined ("dmp340") or apart as titles write it
    ("dmp-340"), at the weight of the query itself: no indexed word is "dmp340", so without
    it the product was not even a candidate for the model number to put first."""
    padded = f" {' '.join(tokens)} "
    return [
        Alternative(
            padded.replace(f" {e.text} ", f" {e.value} ", 1).strip(), 1.0, e.text, e.value, kind=MODEL_NUMBER
        )
        for e in extractions
        if e.rule == MODEL_NUMBER and e.text != e.value and f" {e.text} " in padded
    ]


def predict_intent(
    tokens: tuple[str, ...], extractions: list[Extraction], config: AnalyzerConfig
) -> tuple[list[tuple[str, float]], list[Extraction]]:
    """(categories, extractions): see query_intent; none while the rule is off."""
    model = get_intent_model()
    if model is None or not rule_enabled(CATEGORY_INTENT_RULE):
        return [], extractions
    return query_intent(model, tokens, extractions, config.intent_top)


def query_intent(
    model: IntentModel, tokens: Sequence[str], extractions: list[Extraction], top: int
) -> tuple[list[tuple[str, float]], list[Extraction]]:
    """The classifier's categories, blended with the declared taxonomy rule's when one
    matched the query (then the rule's boost travels with the intent), and the extractions
    less that rule's when its category's products only fit what the query names ("hdmi
    monitor" read as a title names HDMI cables). A brand names no product ("tv samsung" asks
    for a TV); a feature is a word of the categories flagging it ("hdmi" of monitors)."""
    brand_words = [word for e in extractions if e.field == "brand" for word in e.text.split()]
    predictions = model.predict_query(
        tokens, top, brand_words=brand_words, stated_by=feature_words(extractions)
    )
    rule = next((e for e in extractions if e.rule == PRODUCT_TYPE), None)
    # Only a sure reading overrides the declared rule: a corrected typo's stray word ("nintendo
    # swith" -> "nintendo with") leaves the classifier unsure (0.06) and the rule standing.
    best = predictions[0][0] if predictions and predictions[0][1] >= RULE_OVERRIDE_PROBABILITY else None
    split = product_and_target(tokens)
    fitted = target_intent(model, split[1], brand_words, top) if split else {}
    if rule is not None and (
        model.names_elsewhere(rule.value, tokens, brand_words, best)
        or fitted.get(rule.value, 0.0) >= FITTED_RULE_PROBABILITY
    ):
        extractions = [e for e in extractions if e is not rule]
        rule = None
    intent = blend_with_rule(predictions, rule.value if rule else None, top=top)
    return (not_what_it_fits(intent, fitted) if fitted else intent), extractions


def target_intent(
    model: IntentModel, target: Sequence[str], brand_words: Sequence[str], top: int
) -> dict[str, float]:
    """What the words after "for" name read alone, as a query: the classifier's categories
    blended with the declared rule's ("iphone": phones)."""
    rule = (
        next(iter(extract_product_type(target, get_vocabulary())), None)
        if rule_enabled(PRODUCT_TYPE)
        else None
    )
    predictions = model.predict_query(target, top, brand_words=brand_words)
    return dict(blend_with_rule(predictions, rule.value if rule else None, top=top))


def not_what_it_fits(intent: list[tuple[str, float]], fitted: dict[str, float]) -> list[tuple[str, float]]:
    """The intent of "<product> for <target>" less what the target alone names: each category's
    probability times 1 - the target's, renormalised. "case for iphone" read phones 0.50 and
    phone cases 0.41, "mount for samsung tv" TVs 0.52: the words after "for" say what the
    product fits, and a category the target names is not the product (0.87 phone cases, 1.0
    mounts)."""
    kept = {path: probability * (1.0 - fitted.get(path, 0.0)) for path, probability in intent}
    total = sum(kept.values())
    if total <= 0:
        return intent
    return sorted(
        ((path, probability / total) for path, probability in kept.items()), key=lambda item: -item[1]
    )


def feature_words(extractions: list[Extraction]) -> dict[str, Collection[str]]:
    """Folded word of a feature the query names -> the categories flagging that feature."""
    kinds = get_vocabulary().feature_kinds
    return {
        stem(word): kinds.get(e.value, {})
        for e in extractions
        if e.rule == FEATURE
        for word in e.text.split()
    }


def build_filters(
    applied: list[Extraction], intent: list[tuple[str, float]], config: AnalyzerConfig
) -> SearchFilters:
    price = next((e.value for e in applied if e.rule == PRICE), None)
    brands = tuple(dict.fromkeys(e.value for e in applied if e.rule == BRAND))
    category = None
    if intent and intent[0][1] >= config.intent_filter_probability:
        category = intent[0][0]
    return SearchFilters(
        brands=brands,
        category=category,
        price_min=price.gte if price else None,
        price_max=price.lte if price else None,
    )


def build_boosts(
    extractions: list[Extraction],
    applied: list[Extraction],
    intent: list[tuple[str, float]],
    config: AnalyzerConfig,
) -> list[Boost]:
    """Soft preferences: what was recognised but is not certain enough (or not meant) to
    filter by. One boost per (field, value), at the strongest weight suggested for it."""
    boosts: dict[tuple[str, str], Boost] = {}

    def add(field_name: str, value: str, weight: float, source: str):
        key = (field_name, value)
        if key not in boosts or boosts[key].weight < weight:
            boosts[key] = Boost(field_name, value, weight, source)

    for extraction in extractions:
        if extraction in applied:
            continue
        if extraction.rule == BRAND:
            add("brand", extraction.value, extraction.confidence, BRAND)
        elif extraction.rule == PRODUCT_TYPE:
            add("category_path", extraction.value, extraction.confidence, PRODUCT_TYPE)
        elif extraction.rule == FEATURE:
            add("feature", extraction.value, extraction.confidence, FEATURE)
        elif extraction.rule in (COLOUR, UNIT):
            for text_field in DESCRIPTIVE_TEXT_FIELDS:
                for phrase in surface_forms(extraction.value):
                    add(text_field, phrase, extraction.confidence, extraction.rule)
    for path, probability in intent:
        if probability >= config.intent_boost_probability:
            add("category_path", path, probability, CATEGORY_INTENT_RULE)
    return sorted(boosts.values(), key=lambda boost: -boost.weight)


def surface_forms(value: str) -> tuple[str, ...]:
    """How catalog text may spell a canonical token: "1tb" is "1TB" or "1 TB" in titles."""
    unit = split_unit(value)
    return (value, f"{unit[0]} {unit[1]}") if unit else (value,)


def explain_alternatives(alternatives: Iterable[Alternative], kind: str) -> list[dict]:
    return [
        {"from": a.source, "to": a.target, "query": a.text, "weight": a.weight}
        for a in alternatives
        if a.kind == kind
    ]


def explain_filters(filters: SearchFilters) -> dict:
    explained: dict = {}
    if filters.brands:
        explained["brand"] = list(filters.brands)
    if filters.category:
        explained["category"] = filters.category
    if filters.price_min is not None or filters.price_max is not None:
        explained["price"] = {"gte": filters.price_min, "lte": filters.price_max}
    return explained


def explain_value(value) -> object:
    if isinstance(value, str):
        return value
    return {"gte": value.gte, "lte": value.lte}


def reset_caches() -> None:
    """Forget the loaded vocabulary, corrector, query completer and intent model (after
    rebuilding them)."""
    get_vocabulary.cache_clear()
    catalog_scripts.cache_clear()
    get_corrector.cache_clear()
    get_query_completer.cache_clear()
    get_intent_model.cache_clear()
