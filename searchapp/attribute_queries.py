"""Shopper queries naming a size, a colour, a feature or a brand, drawn from the loaded catalog
("tv 55in", "memory card 32gb", "red mouse", "bluetooth headphones", "logitech webcam"), to
measure whether search honours what the shopper names: no judged query names a size or colour.

Each noun is searched with the sizes (in the noun's units) its products' titles state (a
product fits by its title's sizes or, where that states none, its size attribute's:
catalog/sizes.py), or
the colours their titles or colour attributes state (catalog/colours.py), or the one-word
features their attributes say they have ("bluetooth", "wireless"; catalog/features.py: a
product lacking it states another value; a title naming the feature has it, as search reads
it); its products are those of the category query understanding reads for the noun (its top
intent), and a value is asked for when at least `min_products` of them state it, the
`PER_NOUN` most stated. A query's score is the share of its first k results that fit (see
ranking/stated.py; a product of another category fits no "<value> <noun>" query: a
Bluetooth mouse is no "bluetooth laptop"), that state another value, and that could fit: its
category's products that do, up to k. Brand queries pair a noun with the catalog's largest
brands that sell none of its kind ("logitech webcam" where Logitech sells no webcam): what
fits is a product of the kind, whatever its brand. "For" queries name a product and what it
fits ("mount for samsung tv", FOR_QUERIES): what fits is a product of the declared kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count

from catalog.colours import product_colours
from catalog.features import product_features
from catalog.models import Product
from catalog.sizes import product_sizes
from ranking.features import padded_phrase, title_tokens
from ranking.sizes import document_sizes, size_distance, sizes_in, title_size_tokens
from ranking.stated import words_fit
from searchapp.query.analyzer import analyze
from searchapp.query.normalize import split_unit

SIZE, COLOUR, BRAND, FEATURE, FITS = "size", "colour", "brand", "feature", "fits"
# noun -> the units its shoppers name sizes in
SIZED_NOUNS = {
    "tv": ("in",),
    "monitor": ("in",),
    "laptop": ("in",),
    "hard drive": ("gb", "tb"),
    "ssd": ("gb", "tb"),
    "memory card": ("gb",),
    "usb flash drive": ("gb", "tb"),
    "hdmi cable": ("m", "ft"),
    "network cable": ("m", "ft"),
    "power adapter": ("w",),
}
COLOURED_NOUNS = (
    "mouse", "keyboard", "headphones", "speaker", "laptop", "laptop bag", "phone case",
    "usb flash drive", "ink cartridge", "toner",
)  # fmt: skip
# Nouns whose products flag features (Icecat's yes/no attributes named by one word, the word a
# shopper types: "bluetooth", "touchscreen", "wireless", "nfc", "4k").
FEATURED_NOUNS = ("headphones", "speaker", "keyboard", "mouse", "laptop", "monitor", "tv", "printer", "phone")
# "<product> for <target>" queries and the kind of product each asks for (taxonomy paths,
# catalog/taxonomy.py): the words after "for" name what it fits, and a product of the target's
# kind (a TV for "mount for samsung tv") is not what was asked for. Declared: the product word
# alone does not always name the kind ("case" reads laptop cases).
FOR_QUERIES = {
    "ink for hp printer": "printing/ink-cartridges",
    "cartridge for canon printer": "printing/ink-cartridges",
    "toner for brother printer": "printing/toner-cartridges",
    "case for iphone": "phones-wearables/phone-cases-accessories",
    "speaker for iphone": "audio/speakers",
    "screen protector for iphone": "computers/security-locks-privacy-filters",
    "keyboard for ipad": "computers/keyboards-mice",
    "bag for 15 inch laptop": "computers/laptop-bags-cases",
    "sleeve for macbook": "computers/laptop-bags-cases",
    "memory for macbook": "computer-components/memory",
    "charger for dell laptop": "batteries-power/power-adapters-chargers",
    "power adapter for laptop": "batteries-power/power-adapters-chargers",
    "battery for hp laptop": "batteries-power/batteries",
    "dock for dell laptop": "computers/docking-stations-hubs",
    "stand for laptop": "tv-video/tv-monitor-mounts",
    "mount for samsung tv": "tv-video/tv-monitor-mounts",
    "lens for canon camera": "cameras/lenses-filters",
}
PER_NOUN = 4
BRANDS_PER_NOUN = 2
# Queries whose value is a kind of product: what fits is a product of that kind.
KIND_QUERIES = frozenset({BRAND, FITS})


@dataclass(frozen=True)
class AttributeQuery:
    text: str
    kind: str  # SIZE, COLOUR, FEATURE or BRAND
    # the size token ("55in"), colour ("red"), feature ("bluetooth") or, for a brand query, the
    # kind's category
    value: str
    fitting: int  # active products of the noun's category that fit it
    category: str  # the noun's category: a product filed elsewhere is not what was asked for


def attribute_queries(min_products: int = 3, features: Iterable[str] = ()) -> list[AttributeQuery]:
    """`features`: also asked of every noun whose products state them, beyond its most stated."""
    sized = queries_for(SIZED_NOUNS, SIZE, min_products, lambda noun, size: f"{noun} {size}")
    coloured = queries_for(
        dict.fromkeys(COLOURED_NOUNS), COLOUR, min_products, lambda noun, colour: f"{colour} {noun}"
    )
    featured = queries_for(
        dict.fromkeys(FEATURED_NOUNS),
        FEATURE,
        min_products,
        lambda noun, feature: f"{feature} {noun}",
        asked=features,
    )
    return sized + coloured + featured + brand_queries() + for_queries()


def brand_queries() -> list[AttributeQuery]:
    """ "<brand> <noun>" for the BRANDS_PER_NOUN largest brands selling none of the noun's kind."""
    active = Product.objects.filter(status=Product.Status.ACTIVE, brand__isnull=False)
    by_size = list(
        active.values_list("brand__name", flat=True)
        .annotate(products=Count("id"))
        .order_by("-products", "brand__name")
    )
    queries = []
    for noun in dict.fromkeys((*SIZED_NOUNS, *COLOURED_NOUNS)):
        intent = analyze(noun).category_intent
        if not intent:
            continue
        kind = intent[0][0]
        of_kind = active.filter(category__path=kind)
        sellers = set(of_kind.values_list("brand__name", flat=True))
        for brand in [name for name in by_size if name not in sellers][:BRANDS_PER_NOUN]:
            queries.append(AttributeQuery(f"{brand.casefold()} {noun}", BRAND, kind, of_kind.count(), kind))
    return queries


def for_queries() -> list[AttributeQuery]:
    """FOR_QUERIES whose kind the loaded catalog sells."""
    counts = dict(
        Product.objects.filter(status=Product.Status.ACTIVE, category__path__in=set(FOR_QUERIES.values()))
        .values_list("category__path")
        .annotate(products=Count("id"))
    )
    return [
        AttributeQuery(text, FITS, kind, counts[kind], kind)
        for text, kind in FOR_QUERIES.items()
        if counts.get(kind)
    ]


def queries_for(
    nouns: dict,
    kind: str,
    min_products: int,
    text: Callable[[str, str], str],
    asked: Iterable[str] = (),
) -> list[AttributeQuery]:
    queries = []
    for noun, units in nouns.items():
        intent = analyze(noun).category_intent
        if not intent:
            continue
        products = list(
            Product.objects.filter(status=Product.Status.ACTIVE, category__path=intent[0][0]).values_list(
                "title", "attributes"
            )
        )
        stated = Counter(value for product in products for value in set(stated_values(kind, *product, units)))
        common = sorted(
            (value for value, count in stated.items() if count >= min_products), key=lambda v: (-stated[v], v)
        )
        for value in common[:PER_NOUN] + [value for value in asked if value in common[PER_NOUN:]]:
            fitting = sum(fit_of(kind, value, *product, intent[0][0]) is True for product in products)
            queries.append(AttributeQuery(text(noun, value), kind, value, fitting, intent[0][0]))
    return queries


def stated_values(
    kind: str, title: str, attributes: dict | None, units: Iterable[str] | None
) -> Iterable[str]:
    if kind == COLOUR:
        return product_colours(title, attributes)
    if kind == FEATURE:
        return [name for name in product_features(attributes)[0] if name.isalnum()]
    return [token for token in title_size_tokens(title) if split_unit(token)[1] in units]


def fit_of(kind: str, value: str, title: str, attributes: dict | None, category: str) -> bool | None:
    """True when the product fits the value, False when it states only others (or, for a brand
    query or one naming what the product fits, it is filed elsewhere), None when it states none
    of its kind."""
    if kind in KIND_QUERIES:
        return category == value
    if kind == COLOUR:
        colours = product_colours(title, attributes)
        return value in colours if colours else None
    if kind == FEATURE:  # it flags the feature, or its title names or denies it (ranking/stated.py)
        having, lacking = product_features(attributes)
        if value in having or value in lacking:
            return value in having
        tokens = title_tokens(title)
        return words_fit(value, padded_phrase(tokens), tokens)
    distance = size_distance(sizes_in([value]), document_sizes(title, product_sizes(attributes, category)))
    return None if distance is None else distance == 0


@dataclass(frozen=True)
class AttributeScore:
    fit: float  # share of the first k results that fit
    off: float  # share that state another value only
    ideal: float  # share that could fit: min(fitting products, k) / k


def score_results(
    query: AttributeQuery, products: list[tuple[str, dict | None, str]], k: int
) -> AttributeScore:
    """`products`: (title, attributes, category path) of the results in order."""
    fits = [
        fit_of(query.kind, query.value, *product)
        if query.kind in KIND_QUERIES or product[2] == query.category
        else None
        for product in products[:k]
    ]
    return AttributeScore(
        fit=sum(fit is True for fit in fits) / k,
        off=sum(fit is False for fit in fits) / k,
        ideal=min(query.fitting, k) / k,
    )
