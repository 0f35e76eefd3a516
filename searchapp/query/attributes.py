"""Attribute extraction: price constraints, brand, colour, sizes/capacities and product type,
each with a confidence. The analyzer turns a confident extraction into a filter and a less
confident one into a soft boost.

Price words are not product words, so they leave the text the lexical channel searches
("iphone charger under 20" -> "iphone charger"); brand, colour, size and type words stay in
it, since titles contain them too. Every extractor is a `QueryRule` merchandisers can switch
off in the admin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from catalog.colours import COLOURS
from catalog.features import NEGATIONS, unordered_form
from catalog.taxonomy import categorize
from indexing.backends.base import Range
from ranking.words import STOPWORDS

from .normalize import split_unit
from .rules import disabled_rules
from .vocabulary import MAX_FEATURE_WORDS, Vocabulary, is_model_number, joined_form

PRICE, BRAND, COLOUR, UNIT, PRODUCT_TYPE = "price", "brand", "colour", "unit", "product_type"
PRICE_PREFERENCE, COMPONENT_SPEC, MODEL_NUMBER = "price_preference", "component_spec", "model_number"
FEATURE = "feature"

# Brand aliases are at most this many words ("allied telesis", "backyard discovery").
MAX_BRAND_WORDS = 3
# A model number names a product exactly: what holds it comes first (PreRank), whatever
# fusion made of it ("canon tn-2110" had Brother's TN-2110 12th: only BM25 found it).
MODEL_NUMBER_MAX_TITLES = 20
LETTERS_THEN_DIGITS = re.compile(r"^([a-z]+)-?(\d+)$")
MODEL_NUMBER_CONFIDENCE = 1.0
# A model number the catalog's titles give only to other brands outweighs a brand word: "hp
# tn-2110" (a Brother toner, or a compatible one) is not asking for HP's other products, so
# the brand is neither a filter nor a boost; its word stays in the text like any other.
# The declared taxonomy rules were written for titles; a query matching one names the type
# fairly reliably, but the classifier and the words themselves get the last say.
PRODUCT_TYPE_CONFIDENCE = 0.7
# A colour word is usually the colour wanted ("red jbl speaker") but also occurs in names.
COLOUR_CONFIDENCE = 0.6
UNIT_CONFIDENCE = 0.6
# A feature word ("bluetooth speaker") names what the product must do; some also name parts
# of other products ("bluetooth adapter"), which their own flags then do not state.
FEATURE_CONFIDENCE = 0.6
# A component named after a capacity ("16gb ram") in a query naming another product ("laptop")
# is a spec of that product: titles say "16 GB DDR4-SDRAM", and "ram" alone finds memory
# modules. Searched as "laptop 16gb", the query finds laptops with 16 GB.
COMPONENT_WORDS = frozenset({"ram", "memory", "storage", "ssd", "hdd", "emmc", "rom"})
COMPONENT_SPEC_CONFIDENCE = 0.7
# "cheap" and "premium" describe the price wanted, not the product: they leave the text.
PRICE_PREFERENCE_CONFIDENCE = 0.8
LOW, HIGH = "low", "high"
PRICE_PREFERENCE_WORDS = {
    "cheap": LOW, "cheaper": LOW, "cheapest": LOW, "budget": LOW, "affordable": LOW,
    "inexpensive": LOW, "bargain": LOW, "low-cost": LOW,
    "premium": HIGH, "luxury": HIGH, "expensive": HIGH, "high-end": HIGH,
}  # fmt: skip


_AMOUNT = r"[$€£]?(\d+(?:\.\d+)?)(?![\w.])(?:\s+(?:dollars?|usd|bucks|euros?|eur|pounds?|gbp))?"
_UPPER_WORDS = (
    r"under|below|less\s+than|cheaper\s+than|max(?:imum)?|up\s+to|at\s+most|no\s+more\s+than|within"
)
_LOWER_WORDS = r"over|above|more\s+than|at\s+least|min(?:imum)?|from|starting\s+at"
# Most specific first: "from $20 to $40" is a range, not "from $20".
_PRICE_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(rf"(?<!\S)(?:between\s+|from\s+)?{_AMOUNT}\s+(?:to|and)\s+{_AMOUNT}(?!\S)"), "range"),
    (re.compile(r"(?<!\S)[$€£]?(\d+(?:\.\d+)?)-[$€£]?(\d+(?:\.\d+)?)(?!\S)"), "range"),
    (re.compile(rf"(?<!\S)(?:{_UPPER_WORDS})\s+{_AMOUNT}(?!\S)"), "upper"),
    (re.compile(rf"(?<!\S)(?:{_LOWER_WORDS})\s+{_AMOUNT}(?!\S)"), "lower"),
)
_CURRENCY = re.compile(r"[$€£]|dollar|usd|buck|euro|eur|pound|gbp")


@dataclass(frozen=True)
class Extraction:
    rule: str  # the QueryRule name
    field: str  # the index field it constrains or boosts
    value: str | Range
    confidence: float
    text: str  # the words it was read from
    # Token positions it came from: removed from the lexical text when `consumes_text`.
    positions: tuple[int, ...] = ()
    consumes_text: bool = False


def extract_attributes(tokens: Sequence[str], vocabulary: Vocabulary) -> list[Extraction]:
    """Every extraction of the rules that are switched on."""
    extractors: dict[str, Callable[[Sequence[str], Vocabulary], list[Extraction]]] = {
        PRICE: extract_price,
        BRAND: extract_brands,
        COLOUR: extract_colours,
        UNIT: extract_units,
        PRODUCT_TYPE: extract_product_type,
        PRICE_PREFERENCE: extract_price_preference,
        COMPONENT_SPEC: extract_component_spec,
        MODEL_NUMBER: extract_model_numbers,
        FEATURE: extract_features,
    }
    disabled = disabled_rules()  # read once: each read may be a cache round trip
    extractions = [
        extraction
        for name, extractor in extractors.items()
        if name not in disabled
        for extraction in extractor(tokens, vocabulary)
    ]
    return without_contradicted_brands(extractions, vocabulary)


def residual_tokens(tokens: Sequence[str], applied: Sequence[Extraction]) -> tuple[str, ...]:
    """The tokens left for the lexical text once the applied constraints' words are out."""
    consumed = {
        position for extraction in applied if extraction.consumes_text for position in extraction.positions
    }
    return tuple(token for position, token in enumerate(tokens) if position not in consumed)


def extract_price(tokens: Sequence[str], vocabulary: Vocabulary | None = None) -> list[Extraction]:
    """The first price constraint: "under 20" -> price <= 20; "$20 to $40" -> 20..40."""
    text = " ".join(tokens)
    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        numbers = [float(group) for group in match.groups() if group is not None]
        if kind == "range":
            bounds = Range(gte=min(numbers), lte=max(numbers))
        elif kind == "upper":
            bounds = Range(lte=numbers[0])
        else:
            bounds = Range(gte=numbers[0])
        return [
            Extraction(
                PRICE,
                "price",
                bounds,
                price_confidence(match.group()),
                match.group(),
                positions=token_positions(text, match.start(), match.end()),
                consumes_text=True,
            )
        ]
    return []


def price_confidence(matched: str) -> float:
    """A currency makes a number certainly a price; words like "under" make it very likely;
    a bare "100-200" could as well be a model or a size."""
    if _CURRENCY.search(matched):
        return 0.95
    return 0.6 if " " not in matched else 0.85


def extract_price_preference(tokens: Sequence[str], vocabulary: Vocabulary | None = None) -> list[Extraction]:
    """ "cheap laptop" -> low; "premium headphones" -> high: the first such word decides."""
    for position, token in enumerate(tokens):
        if token in PRICE_PREFERENCE_WORDS:
            return [
                Extraction(
                    PRICE_PREFERENCE,
                    "price",
                    PRICE_PREFERENCE_WORDS[token],
                    PRICE_PREFERENCE_CONFIDENCE,
                    token,
                    positions=(position,),
                    consumes_text=True,
                )
            ]
    return []


def extract_component_spec(tokens: Sequence[str], vocabulary: Vocabulary | None = None) -> list[Extraction]:
    """ "laptop 16gb ram" -> "ram" is a spec of the laptop, not the product: a component word
    after a size, where the query's other words name a product type of their own (the taxonomy
    rules'). "16gb ram" and "hp 16gb ram" ask for the memory itself."""
    for position in range(1, len(tokens)):
        noun, size = tokens[position], tokens[position - 1]
        if noun not in COMPONENT_WORDS or split_unit(size) is None:
            continue
        rest = [token for index, token in enumerate(tokens) if index not in (position - 1, position)]
        product = categorize(" ".join(rest)) if rest else None
        if product is not None and product != categorize(noun):
            return [
                Extraction(
                    COMPONENT_SPEC,
                    "title",
                    f"{size} {noun}",
                    COMPONENT_SPEC_CONFIDENCE,
                    noun,
                    positions=(position,),
                    consumes_text=True,
                )
            ]
    return []


def extract_brands(tokens: Sequence[str], vocabulary: Vocabulary) -> list[Extraction]:
    """Longest brand alias first ("dell wyse" before "dell"); confidence is how reliably the
    alias means the brand in the catalog's titles."""
    found = []
    position = 0
    while position < len(tokens):
        for length in range(min(MAX_BRAND_WORDS, len(tokens) - position), 0, -1):
            alias = " ".join(tokens[position : position + length])
            if alias in vocabulary.brands:
                found.append(
                    Extraction(
                        BRAND,
                        "brand",
                        vocabulary.brands[alias],
                        vocabulary.brand_precision.get(alias, 1.0),
                        alias,
                        positions=tuple(range(position, position + length)),
                    )
                )
                position += length
                break
        else:
            position += 1
    return found


def extract_model_numbers(tokens: Sequence[str], vocabulary: Vocabulary) -> list[Extraction]:
    """Words that name a few products exactly: letters and digits (`is_model_number`) that
    1 to MODEL_NUMBER_MAX_TITLES titles hold ("tn-2110", "nc4400"; not "ddr4" or "i5": specs
    hundreds of titles share), typed as titles write them, joined ("dmp340" for DMP-340) or
    as two words ("tn 3170" for TN-3170: BM25 read "tn" and "3170" as two common words, and
    Brother's TN650 came first). Not a brand ("c2g"), nor a number after one ("hp 60" is how
    HP names it)."""
    typed = [
        ((position,), token)
        for position, token in enumerate(tokens)
        if is_model_number(token) and token not in vocabulary.brand_words
    ]
    typed += [
        ((position, position + 1), f"{letters} {digits}")
        for position, (letters, digits) in enumerate(pairwise(tokens))
        if letters.isalpha() and digits.isdigit() and letters not in vocabulary.brand_words
    ]
    found = []
    for positions, text in typed:
        forms = written_forms(text.replace(" ", ""))
        written = next((form for form in forms if names_few_titles(form, vocabulary)), None)
        if written:
            found.append(Extraction(MODEL_NUMBER, "title", written, MODEL_NUMBER_CONFIDENCE, text, positions))
    return found


def written_forms(code: str) -> tuple[str, ...]:
    """How titles may write a model number: a letters-then-digits code hyphenated and joined
    ("tn3170" -> ("tn-3170", "tn3170"): Brother titles its toner "TN-3170", a compatible one
    says "equivalent to Brother TN3170"), any other as it is."""
    match = LETTERS_THEN_DIGITS.match(code)
    return (f"{match[1]}-{match[2]}", f"{match[1]}{match[2]}") if match else (code,)


def names_few_titles(token: str, vocabulary: Vocabulary) -> bool:
    return 0 < len(vocabulary.title_postings.get(token, ())) <= MODEL_NUMBER_MAX_TITLES


def words_beside_models(
    tokens: Sequence[str], extractions: Sequence[Extraction], vocabulary: Vocabulary
) -> tuple[str, ...]:
    """The words a model number's holder must also have to come first: every query word but
    the model numbers, brand names and function words. "tn-2110 toner" -> ("toner",), "canon
    tn-2110" -> (); "battery for nc4400" -> ("battery",): the nc4400 notebook itself is not
    what is asked for."""
    # A model typed as two words ("tn 3170") leaves both out.
    models = {word for e in extractions if e.rule == MODEL_NUMBER for word in (e.value, *e.text.split())}
    if not models:
        return ()
    left_out = models | vocabulary.brand_words | STOPWORDS
    return tuple(dict.fromkeys(token for token in tokens if token not in left_out))


def without_contradicted_brands(extractions: list[Extraction], vocabulary: Vocabulary) -> list[Extraction]:
    """Brands every model number of the query belongs to (by the titles that hold it) stay."""
    models = [e.value for e in extractions if e.rule == MODEL_NUMBER]
    return [
        e
        for e in extractions
        if e.rule != BRAND
        or all(e.value in vocabulary.model_brands.get(model, (e.value,)) for model in models)
    ]


def extract_colours(tokens: Sequence[str], vocabulary: Vocabulary | None = None) -> list[Extraction]:
    return [
        Extraction(COLOUR, "colour", COLOURS[token], COLOUR_CONFIDENCE, token, positions=(position,))
        for position, token in enumerate(tokens)
        if token in COLOURS
    ]


def extract_features(tokens: Sequence[str], vocabulary: Vocabulary) -> list[Extraction]:
    """The catalog's yes/no features the query names, written apart, joined or hyphenated:
    "wifi", "wi fi" and "wi-fi" all name "wi_fi"; in any order: "backlit keyboard" names
    "keyboard_backlit" (catalog/features.py); not after a word denying it ("no wifi")."""
    found: dict[str, Extraction] = {}
    for start in range(len(tokens)):
        if start and tokens[start - 1] in NEGATIONS:  # "non backlit keyboard" asks for none
            continue
        for end in range(start + 1, min(start + MAX_FEATURE_WORDS, len(tokens)) + 1):
            words = tokens[start:end]
            text = " ".join(words)
            for form in (text, joined_form(words), unordered_form(words)):
                name = vocabulary.features.get(form)
                if name is not None and name not in found:
                    positions = tuple(range(start, end))
                    found[name] = Extraction(FEATURE, "feature", name, FEATURE_CONFIDENCE, text, positions)
    return list(found.values())


def extract_units(tokens: Sequence[str], vocabulary: Vocabulary | None = None) -> list[Extraction]:
    """Canonical unit tokens from normalisation ("1tb", "27in", "2m")."""
    return [
        Extraction(UNIT, "unit", token, UNIT_CONFIDENCE, token, positions=(position,))
        for position, token in enumerate(tokens)
        if split_unit(token) is not None
    ]


def extract_product_type(tokens: Sequence[str], vocabulary: Vocabulary) -> list[Extraction]:
    """The category the declared taxonomy rules give the query read as a title."""
    taxonomy_path = categorize(" ".join(tokens))
    category_path = vocabulary.category_paths.get(taxonomy_path or "")
    if category_path is None:
        return []
    return [Extraction(PRODUCT_TYPE, "category_path", category_path, PRODUCT_TYPE_CONFIDENCE, taxonomy_path)]


def token_positions(text: str, start: int, end: int) -> tuple[int, ...]:
    """Positions of the space-separated tokens of `text` that overlap text[start:end]."""
    first = text.count(" ", 0, start)
    last = text.count(" ", 0, max(start, end - 1))
    return tuple(range(first, last + 1))
