"""The catalog's own vocabulary, which spelling correction and the gazetteers work from.

Built once from the database (`manage.py build_query_vocabulary`, or lazily on first use)
and saved as JSON under SEARCH_DATA_DIR/query/, so a web process loads it in milliseconds
instead of scanning the catalog. Rebuild it when the catalog changes materially (a nightly
`build_query_vocabulary --from-logs` is enough): running processes reload it within a second.

Every text goes through `normalize`, the function queries go through, so a query token and
a catalog token are spelled alike ("1000 GB" and "1tb" are the same token).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from django.conf import settings

from catalog.attribute_values import text_values
from catalog.features import feature_forms, product_features

from .file_cached import FileCached
from .normalize import normalize, split_unit
from .relatedness import Progress, catalog_related_words

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"
# How much one product's text counts per source; titles say what a product is, descriptions
# only vouch that a word is real (so "boys" is not "corrected" to "toys").
TITLE_WEIGHT, BRAND_WEIGHT, CATEGORY_WEIGHT, ATTRIBUTE_WEIGHT, DESCRIPTION_WEIGHT = 3, 5, 20, 1, 1
# A logged query's tokens count this much per search; the caller passes only queries that
# found results, so the log teaches spellings shoppers use without teaching their typos.
QUERY_LOG_WEIGHT = 1
# English words at least this frequent (symspellpy's bundled Google n-gram counts) are never
# corrected even when the catalog lacks them: "netflix" is a word, not a typo of "netgear".
COMMON_WORD_MIN_COUNT = 100_000
# A common word the catalog uses less often than this stays listed as one (the corrector
# needs it as a target: "microwave" is a word even where a few titles mention it).
COMMON_IN_CATALOG = 4
# A yes/no attribute is a feature shoppers search by ("bluetooth speaker", "wifi printer") when
# this many active products flag it true and its name is a few words (catalog/features.py)...
FEATURE_MIN_PRODUCTS = 10
MAX_FEATURE_WORDS = 3
# ...for the kinds of products (categories) where this many flag it either way.
FEATURE_MIN_KIND_PRODUCTS = 3
# Suffixes that brand names carry in feeds but shoppers do not type.
_BRAND_SUFFIXES = re.compile(
    r"\s+(?:technology|technologies|inc|corporation|corp|europe|international|electronics)$"
    r"|\.com$"
)
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_JOINERS = re.compile(r"[-.&'/+]")
# Joiners between words ("wireless+bluetooth", "usb-c"), not inside names or numbers
# ("startech.com", "2.5").
_WORD_JOINERS = re.compile(r"[-&'/+]")


@dataclass
class Vocabulary:
    # token -> weighted frequency (tokens with digits are left out: they are never corrected)
    terms: dict[str, int] = field(default_factory=dict)
    # "a b" -> how often the two tokens stand next to each other in titles
    bigrams: dict[str, int] = field(default_factory=dict)
    # model number in titles (`is_model_number`: "tn-2110", "nc4400") -> the brands of the
    # products whose titles hold it: a brand word the model contradicts is no filter
    model_brands: dict[str, list[str]] = field(default_factory=dict)
    # title word (`title_words`, digits too) -> the products whose title holds it, numbered in
    # build order: what query completions count ("toner hp": 108 titles hold both)
    title_postings: dict[str, list[int]] = field(default_factory=dict)
    # normalised brand alias ("startech", "star tech") -> the brand name as indexed
    brands: dict[str, str] = field(default_factory=dict)
    # alias -> share of titles containing it whose product is of that brand
    brand_precision: dict[str, float] = field(default_factory=dict)
    # "Parent > Leaf" (taxonomy path) -> category path as indexed ("parent/leaf")
    category_paths: dict[str, str] = field(default_factory=dict)
    # category path -> display name
    category_names: dict[str, str] = field(default_factory=dict)
    # English words the catalog lacks, the most frequent first: the order breaks ties between
    # corrections the catalog cannot tell apart ("micrave" -> "microwave", not "macrame").
    common_words: list[str] = field(default_factory=list)
    # Those of them about what the catalog sells (relatedness.py), the only ones spelling
    # corrects to; None when not computed (no product indexed yet): all of them.
    related_words: list[str] | None = None
    # normalised query -> how often shoppers searched it successfully (the query log, if any)
    queries: dict[str, int] = field(default_factory=dict)
    # how a query writes a feature ("wifi", "wi fi") -> the yes/no attribute naming it ("wi_fi")
    features: dict[str, str] = field(default_factory=dict)
    # feature -> the category paths whose products flag it -> how many do, either way: "box"
    # is a boxed processor's feature, and "tv box" asks for no boxed anything
    feature_kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    # brand name -> the category paths of its active products: whether a query may be asking
    # for the brand's kind of product ("hdmi cable 3m" is not asking for 3M's privacy filters)
    brand_kinds: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def brand_words(self) -> frozenset[str]:
        """Every word of a brand alias ("allied", "telesis"): never corrected, never a model."""
        return frozenset(word for alias in self.brands for word in alias.split())

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), ensure_ascii=False))
        temporary.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        data = json.loads(path.read_text())
        # A vocabulary saved before feature kinds were counted lists them: each counts as least.
        data["feature_kinds"] = {
            name: kinds if isinstance(kinds, dict) else dict.fromkeys(kinds, FEATURE_MIN_KIND_PRODUCTS)
            for name, kinds in data.get("feature_kinds", {}).items()
        }
        return cls(**data)


def vocabulary_path() -> Path:
    return Path(settings.SEARCH_DATA_DIR) / "query" / VOCABULARY_FILE


def load_vocabulary() -> Vocabulary:
    """The saved vocabulary, or one built from the database now (and saved) when none is."""
    path = vocabulary_path()
    if path.is_file():
        return Vocabulary.load(path)
    logger.warning("no query vocabulary at %s; building it from the catalog now", path)
    vocabulary = build_vocabulary(relatedness=False)
    vocabulary.save(path)
    return vocabulary


# Every process's copy, reloaded when the file changes (file_cached.py).
get_vocabulary = FileCached(vocabulary_path, load_vocabulary)


def build_vocabulary(
    query_log: Iterable[tuple[str, int]] = (), relatedness: bool = True, progress: Progress | None = None
) -> Vocabulary:
    """Scan the active catalog. `query_log` is (query, count) pairs of successful searches;
    `relatedness` scores the English words against the indexed products (most of a minute the
    first time for a model, reported to `progress`; a web process building a missing
    vocabulary skips it)."""
    from catalog.models import Brand, Category, Product

    terms: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    title_postings: defaultdict[str, list[int]] = defaultdict(list)
    model_brands: defaultdict[str, set[str]] = defaultdict(set)
    titles_by_brand: list[tuple[str, str]] = []
    flagged: Counter[str] = Counter()
    feature_words: Counter[str] = Counter()
    flagged_in: Counter[tuple[str, str]] = Counter()
    brand_kinds: defaultdict[str, set[str]] = defaultdict(set)
    rows = (
        Product.objects.filter(status=Product.Status.ACTIVE)
        .values_list("title", "description", "attributes", "brand__name", "category__path")
        .iterator(chunk_size=2000)
    )
    for row, (title, description, attributes, brand, category) in enumerate(rows):
        title_tokens = normalize(title).split()
        add_tokens(terms, title_tokens, TITLE_WEIGHT)
        bigrams.update(f"{a} {b}" for a, b in pairwise(title_tokens))
        for word in title_words(title_tokens):
            title_postings[word].append(row)
            if brand and is_model_number(word):
                model_brands[word].add(brand)
        add_tokens(terms, normalize(description).split(), DESCRIPTION_WEIGHT)
        for value in attribute_texts(attributes):
            add_tokens(terms, normalize(value).split(), ATTRIBUTE_WEIGHT)
        having, lacking = product_features(attributes)
        forms = (form for name in having if is_searchable_feature(name) for form in feature_forms(name))
        add_tokens(feature_words, (word for form in forms for word in form.split()), ATTRIBUTE_WEIGHT)
        flagged.update(having)
        flagged_in.update((name, category) for name in (*having, *lacking) if category)
        titles_by_brand.append((f" {' '.join(title_tokens)} ", brand or ""))
        if brand and category:
            brand_kinds[brand].add(category)

    brands = {
        alias: name for name in Brand.objects.values_list("name", flat=True) for alias in brand_aliases(name)
    }
    for alias in brands:
        add_tokens(terms, alias.split(), BRAND_WEIGHT)
    categories = list(Category.objects.values_list("path", "name"))
    for _path, name in categories:
        add_tokens(terms, normalize(name).split(), CATEGORY_WEIGHT)
    queries: Counter[str] = Counter()
    for query, count in query_log:
        normalised = normalize(query)
        add_tokens(terms, normalised.split(), QUERY_LOG_WEIGHT * count)
        if normalised:
            queries[normalised] += count

    # A feature's name is words the catalog knows ("cuda laptop" is no typo of "cauda"), joined
    # too ("wifi"); only as new words: flags counted into words the text uses made "vesa" (153
    # products flag VESA mounts) outweigh "desk" as the reading of "vesk".
    for word, count in feature_words.items():
        terms.setdefault(word, count)
    features = feature_forms_of(flagged)
    common_words = [word for word in common_english_words() if terms.get(word, 0) < COMMON_IN_CATALOG]
    return Vocabulary(
        terms=dict(terms),
        bigrams={pair: count for pair, count in bigrams.items() if not _HAS_DIGIT.search(pair)},
        title_postings=dict(title_postings),
        model_brands={word: sorted(brands) for word, brands in model_brands.items()},
        brands=brands,
        brand_precision=brand_precision(brands, titles_by_brand),
        category_paths=taxonomy_paths(categories),
        category_names=dict(categories),
        common_words=common_words,
        related_words=catalog_related_words(common_words, progress) if relatedness else None,
        queries=dict(queries),
        features=features,
        feature_kinds=feature_kinds_of(flagged_in, set(features.values())),
        brand_kinds={brand: sorted(paths) for brand, paths in brand_kinds.items()},
    )


def is_searchable_feature(name: str) -> bool:
    """Named in a few words: a shopper types "wifi", never "intel virtualization technology vt x"."""
    return len(name.split("_")) <= MAX_FEATURE_WORDS


def feature_forms_of(flagged: Counter[str]) -> dict[str, str]:
    """Query form -> feature for the features enough products flag true; a form two names
    share goes to the more often flagged."""
    forms: dict[str, str] = {}
    for name, count in sorted(flagged.items(), key=lambda item: (item[1], item[0])):
        if count >= FEATURE_MIN_PRODUCTS and is_searchable_feature(name):
            forms.update(dict.fromkeys(feature_forms(name), name))
    return forms


def feature_kinds_of(flagged_in: Counter[tuple[str, str]], features: set[str]) -> dict[str, dict[str, int]]:
    kinds: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (name, category), count in sorted(flagged_in.items()):
        if count >= FEATURE_MIN_KIND_PRODUCTS and name in features:
            kinds[name][category] = count
    return dict(kinds)


def titles_holding(postings: dict[str, list[int]], words: Iterable[str]) -> set[int]:
    """The titles (of `postings`) holding every one of `words`, intersecting from the rarest
    word's: none when a word is in no title. At least one word."""
    lists = sorted((postings.get(word, ()) for word in set(words)), key=len)
    titles = set(lists[0])
    for rows in lists[1:]:
        titles.intersection_update(rows)
    return titles


def add_tokens(counter: Counter, tokens: Iterable[str], weight: int) -> None:
    for token in tokens:
        # "startech.com" is one query token but two index terms: both spellings are words.
        for part in {token, *_JOINERS.split(token)}:
            if not _HAS_DIGIT.search(part) and len(part) > 1:
                counter[part] += weight


def is_model_number(word: str) -> bool:
    """Letters and digits, not a size or capacity ("tn-2110", "nc4400"; not "16gb", "55in")."""
    return bool(_HAS_DIGIT.search(word)) and bool(_HAS_LETTER.search(word)) and split_unit(word) is None


def title_words(tokens: Iterable[str]) -> set[str]:
    """A title's tokens and the parts of words joined into one ("rf wireless+bluetooth" holds
    "wireless")."""
    return {part for token in tokens for part in (token, *_WORD_JOINERS.split(token)) if part}


def joined_form(words: Iterable[str]) -> str:
    """Words written as one ("wi", "fi" and "wi-fi" as "wifi")."""
    return _WORD_JOINERS.sub("", "".join(words))


def attribute_texts(attributes: dict) -> Iterable[str]:
    """The string values of a product's attributes (numbers and flags carry no words)."""
    for value in (attributes or {}).values():
        yield from text_values(value)


def brand_aliases(name: str) -> set[str]:
    """What shoppers type for a brand: "StarTech.com" -> {"startech.com", "startech",
    "startechcom", "startech com"}; "D-Link" -> {"d-link", "dlink", "d link"}. Word breaks
    a name does not have ("star tech") are the spelling corrector's job."""
    base = normalize(name)
    if not base:
        return set()
    aliases = {base, _BRAND_SUFFIXES.sub("", base)}
    for alias in list(aliases):
        aliases.add(_JOINERS.sub("", alias))
        aliases.add(_JOINERS.sub(" ", alias))
    return {" ".join(alias.split()) for alias in aliases if alias.strip()}


def brand_precision(brands: dict[str, str], titles_by_brand: list[tuple[str, str]]) -> dict[str, float]:
    """How reliably an alias in a title means its brand: "apple" mostly means Apple; a brand
    that is also a common title word ("Equip") means it far less often."""
    precision = {}
    for alias, name in brands.items():
        needle = f" {alias} "
        branded = mentioned = 0
        for title, brand in titles_by_brand:
            if needle in title:
                mentioned += 1
                branded += brand == name
        # A brand whose name no title repeats is still that brand when typed.
        precision[alias] = round(branded / mentioned, 3) if mentioned else 1.0
    return precision


def taxonomy_paths(categories: list[tuple[str, str]]) -> dict[str, str]:
    """{"Audio > Speakers": "audio/speakers"}: the taxonomy's names onto the indexed paths."""
    from catalog.taxonomy import PATH_SEPARATOR

    names = dict(categories)
    mapping = {}
    for path in names:
        parts = path.split("/")
        chain = [names.get("/".join(parts[: i + 1]), "") for i in range(len(parts))]
        mapping[PATH_SEPARATOR.join(chain)] = path
    return mapping


def common_english_words() -> list[str]:
    """English words at least COMMON_WORD_MIN_COUNT frequent, the most frequent first."""
    import symspellpy

    counts = {}
    dictionary = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.partition(" ")
            if int(count) >= COMMON_WORD_MIN_COUNT:
                counts[word] = int(count)
    return sorted(counts, key=lambda word: (-counts[word], word))
