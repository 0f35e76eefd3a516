"""THE ranking feature list, declared once: serving computes it, logs it with every hit it
shows (feature logging), and training reads those logged vectors (or, for judged queries,
computes them with this same function). A model's manifest records the names and their
version hash; serving refuses a model whose manifest differs.

Features are computed for a whole candidate list at once (~200 hits): one pass over the
hits gathers raw columns, then numpy does the arithmetic. A value a hit cannot have (a
channel that did not retrieve it) is NaN, which LightGBM routes as "missing".
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from indexing.backends.base import Hit
from indexing.schema import DOC_TYPES, PRODUCT

from .accessories import accessory_targets, component_words, product_head
from .sizes import Sizes, document_sizes, sizes_in
from .stated import StatedFeatures, document_colours
from .stats import RankingStats, bayesian_average, leaf_category, shop_of
from .words import TOKEN, stem

LEXICAL_FIELDS = tuple(PRODUCT.text_fields)
DOC_TYPE_CODES = {doc_type: code for code, doc_type in enumerate(DOC_TYPES)}
# Where each document type keeps its price and its "published" time.
PRICE_FIELDS = ("price", "min_product_price")
TIME_FIELDS = ("released_ts", "created_ts", "published_ts", "scheduled_ts")
# Pseudo-relevance feedback: the first stage's top hits say which categories the query is about.
CATEGORY_FEEDBACK_DEPTH = 20
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Feature:
    name: str
    group: str
    description: str


FEATURES: tuple[Feature, ...] = (
    *(Feature(f"bm25_{name}", "lexical", f"BM25 of the {name} field (0 when it does not match)") for name in LEXICAL_FIELDS),
    Feature("lexical_score", "lexical", "Lexical channel score (boosted BM25 sum); NaN when not retrieved"),
    Feature("lexical_rank", "lexical", "Rank in the lexical channel; NaN when not retrieved"),
    Feature("lexical_score_ratio", "lexical", "Lexical score / the best lexical score of this query"),
    Feature("title_coverage", "match", "Share of the query's words found in the title"),
    Feature("all_terms_in_title", "match", "1 when every query word is in the title"),
    Feature("phrase_in_title", "match", "1 when the query's words appear in the title in order, adjacent"),
    Feature("field_coverage", "match", "Share of the query's words found in title, brand, category or description"),
    Feature("category_name_coverage", "match", "Share of the leaf category name's words found in the query"),
    Feature("title_length", "match", "Words in the title"),
    Feature("first_match_position", "match", "Position (0-based) of the first query word in the title; NaN when none"),
    Feature("accessory_for_query", "match", "1 when the title names the query's product as what it fits (ranking/accessories.py)"),
    Feature("dense_cosine", "dense", "Query-document cosine similarity; NaN when not retrieved"),
    Feature("dense_rank", "dense", "Rank in the dense channel; NaN when not retrieved"),
    Feature("dense_cosine_gap", "dense", "Best cosine of this query minus this cosine"),
    Feature("dense_similarity", "dense", "Query-document cosine for every candidate (stored vectors)"),
    Feature("dense_similarity_gap", "dense", "Best dense_similarity of this query minus this one"),
    Feature("rrf_score", "fusion", "Fused reciprocal-rank score"),
    Feature("first_stage_rank", "fusion", "Position in the first-stage order (1-based)"),
    Feature("category_intent", "query_category", "ParsedQuery.category_intent probability of the category (0 when absent)"),
    Feature("category_feedback", "query_category", "Share of the first stage's top 20 in the same category"),
    Feature("brand_match", "attributes", "The document's brand is the query's brand (or named in the query)"),
    Feature("colour_match", "attributes", "The query's colour appears in the title (0 when no colour)"),
    Feature("log_price", "price", "log(1 + price)"),
    Feature("price_percentile", "price", "Percentile of the price within its category"),
    Feature("popularity", "engagement", "log(1 + sales count)"),
    Feature("ctr", "engagement", "Clicks / position-weighted impressions, smoothed towards the category"),
    Feature("conversion", "engagement", "Orders / clicks, smoothed towards the category"),
    Feature("review_score", "reviews", "Bayesian-average rating x log(1 + reviews)"),
    Feature("seller_authority", "seller", "Shop trust score (official, verified, rating, fulfilment, returns)"),
    Feature("age_days", "freshness", "Days since release or creation"),
    Feature("doc_type", "doc_type", "0 product, 1 video, 2 live"),
    Feature("category_affinity", "personal", "The shopper's interest in the category (profile, 0..1; 0 without one)"),
    Feature("brand_affinity", "personal", "The shopper's interest in the brand (profile, 0..1)"),
    Feature("price_affinity", "personal", "The shopper's interest in the price band (profile, 0..1)"),
    Feature("propagated_relevance", "media", "Videos/lives: best relevance of a tagged product to the query; NaN for products"),
    Feature("passage_cosine", "media", "Videos: cosine of the best transcript passage; NaN when not retrieved"),
    Feature("visual_cosine", "media", "Cosine of the thumbnail/keyframe vector (visual channel); NaN when not retrieved"),
    Feature("media_engagement", "media", "Videos: likes / views (smoothed); NaN otherwise"),
    Feature("media_reach", "media", "log(1 + views) of a video, log(1 + viewers) of a live stream; NaN for products"),
    Feature("live_now", "media", "Live streams: 1 when live, 0 when scheduled; NaN otherwise"),
    Feature("query_terms", "query", "Number of words in the query"),
)  # fmt: skip
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
FEATURE_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(f.group for f in FEATURES))
FEATURE_VERSION = hashlib.sha256("\n".join(FEATURE_NAMES).encode()).hexdigest()[:12]


def feature_manifest() -> dict:
    return {"version": FEATURE_VERSION, "names": list(FEATURE_NAMES)}


def group_columns(group: str) -> list[int]:
    return [i for i, f in enumerate(FEATURES) if f.group == group]


@dataclass(frozen=True)
class QueryFeatures:
    """What ranking needs to know about the query. The optional parts come from query
    understanding (ParsedQuery); without them their features are 0."""

    text: str
    category_intent: Mapping[str, float] = field(default_factory=dict)  # category path -> probability
    brand: str | None = None
    colour: str | None = None
    # The sizes the query asks for (ranking/sizes.py): family -> values; its colours.
    sizes: Sizes = field(default_factory=dict)
    colours: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()  # the yes/no features it names (catalog/features.py)
    # The shopper's interest profile (personalization.profiles.InterestProfile), if any.
    profile: object | None = None
    # product doc id -> its relevance to this query (0..1), what videos and live streams
    # tagging it inherit (propagated_relevance).
    product_relevance: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_parsed(cls, text: str, parsed, **context) -> QueryFeatures:
        """From query understanding's ParsedQuery (category_intent pairs, attribute extractions);
        `context`: profile, product_relevance."""
        if parsed is None:
            return cls(text, **context)
        extracted = {e.field: e.value for e in parsed.extractions if isinstance(e.value, str)}
        return cls(
            text=text,
            category_intent=dict(parsed.category_intent),
            brand=extracted.get("brand"),
            colour=extracted.get("colour"),
            sizes=sizes_in(unbranded_values(parsed.extractions, "unit")),
            colours=frozenset(unbranded_values(parsed.extractions, "colour")),
            features=frozenset(unbranded_values(parsed.extractions, "feature")),
            **context,
        )

    @property
    def tokens(self) -> list[str]:
        return TOKEN.findall(self.text.casefold())

    @property
    def product_head(self) -> str | None:
        """The word naming the product asked for, which accessories are named after
        (ranking/accessories.py)."""
        brand_words = (stem(word) for word in TOKEN.findall((self.brand or "").casefold()))
        return product_head([stem(word) for word in self.tokens], brand_words)


def unbranded_values(extractions, field_name: str) -> list[str]:
    """The values extracted for a field (a size, a colour), but from a token also read as a
    brand: "3m privacy filter" asks for 3M's filters, not three-metre ones; "black box
    cable" for Black Box's cables, whatever their colour."""
    branded = {position for e in extractions if e.field == "brand" for position in e.positions}
    return [e.value for e in extractions if e.field == field_name and not branded.intersection(e.positions)]


def inherited_relevance(hit: Hit, product_relevance: Mapping[str, float]) -> float:
    """A video or live stream is as relevant as the most relevant product it tags."""
    return max((product_relevance.get(pid, 0.0) for pid in hit.keywords.get("product", ())), default=0.0)


def title_tokens(title: str) -> tuple[str, ...]:
    """Stemmed words in order (computed once per stored document: see document_terms)."""
    return tuple(stem(word) for word in TOKEN.findall(title.casefold()))


def padded_phrase(tokens: Sequence[str]) -> str:
    """Tokens space-joined and padded, for phrase containment tests (" non backlit ")."""
    return f" {' '.join(tokens)} "


def field_words(*texts: str) -> frozenset[str]:
    return frozenset(stem(word) for text in texts for word in TOKEN.findall(text.casefold()))


def first_positions(tokens: Sequence[str]) -> dict[str, float]:
    """Each word's first position (0-based) in `tokens`."""
    positions: dict[str, float] = {}
    for position, word in enumerate(tokens):
        positions.setdefault(word, float(position))
    return positions


def first_of(values: Mapping[str, float], names: Sequence[str]) -> float:
    for name in names:
        value = values.get(name)
        if value is not None:
            return value
    return math.nan


@dataclass(frozen=True, slots=True)
class DocumentTerms:
    """What the features need of a document whatever the query: its words and stored
    values, read out of the hit once per stored version of the document."""

    title_words: frozenset[str]
    title_positions: dict[str, float]  # word -> its first position in the title
    title_length: int
    title_phrase: str
    accessory_targets: frozenset[str]
    component_words: frozenset[str]
    category_words: frozenset[str]
    words_anywhere: frozenset[str]
    brand: str
    shop: str
    category: str
    sizes: Sizes  # the sizes its title or size attributes state (ranking/sizes.py)
    colours: frozenset[str]  # the colours it states (ranking/stated.py)
    features: StatedFeatures | None  # the features a product flags (None: not a product)
    # price, published time, doc type code, sales, rating, reviews, views, likes, viewers,
    # live now: what document_features derives its columns from.
    values: tuple[float, ...]


# (doc type, id) -> (the hit's stored display dict, its terms). Hits of one stored version
# share that dict, so an identity check tells a re-indexed document (a new dict) apart.
_document_terms: dict[tuple[str, str], tuple[dict, DocumentTerms]] = {}
DOCUMENT_TERMS_CACHE_SIZE = 200_000


def document_terms(hit: Hit) -> DocumentTerms:
    key = (hit.doc_type, hit.id)
    cached = _document_terms.get(key)
    if cached is not None and cached[0] is hit.display:
        return cached[1]
    if len(_document_terms) >= DOCUMENT_TERMS_CACHE_SIZE:
        _document_terms.clear()
    display, numbers, keywords = hit.display, hit.numbers, hit.keywords
    title = display.get("title") or ""
    category_name = display.get("category") or ""
    brand = (keywords.get("brand") or ("",))[0].casefold()
    nan = math.nan
    tokens = title_tokens(title)
    terms = DocumentTerms(
        title_words=frozenset(tokens),
        title_positions=first_positions(tokens),
        title_length=len(tokens),
        title_phrase=padded_phrase(tokens),
        accessory_targets=accessory_targets(tokens),
        component_words=component_words(title),
        category_words=field_words(category_name),
        words_anywhere=field_words(title, brand, category_name, display.get("description") or ""),
        brand=brand,
        shop=shop_of(hit),
        category=leaf_category(hit),
        sizes=document_sizes(title, keywords.get("size", ())),
        colours=document_colours(tokens, keywords.get("colour", ())),
        features=StatedFeatures.of(keywords) if hit.doc_type == PRODUCT.name else None,
        values=(
            first_of(numbers, PRICE_FIELDS),
            first_of(numbers, TIME_FIELDS),
            DOC_TYPE_CODES.get(hit.doc_type, -1),
            numbers.get("sales_count", 0.0),
            numbers.get("rating", 0.0),
            numbers.get("review_count", 0.0),
            numbers.get("views", nan),
            numbers.get("likes", nan),
            numbers.get("viewer_count", nan),
            (1.0 if "live" in keywords.get("status", ()) else 0.0) if hit.doc_type == "live" else nan,
        ),
    )
    _document_terms[key] = (display, terms)
    return terms


# Pseudo-counts that pull a video's like rate towards a typical 4% while it has few views.
LIKE_RATE_PRIOR, LIKE_RATE_STRENGTH = 0.04, 200.0
# What the features need of a document and the ranking stats alone, whatever the query.
DOCUMENT_COLUMNS = (
    "price", "log_price", "price_percentile", "popularity", "ctr", "conversion", "review_score",
    "seller_authority", "doc_type", "published_ts", "media_engagement", "media_reach", "live_now",
)  # fmt: skip


def document_features(hit: Hit, document: DocumentTerms, stats: RankingStats) -> tuple[float, ...]:
    """The DOCUMENT_COLUMNS of a document: computed once per stored version of it and per load
    of the stats (memoised on them), not for every search that ranks it again."""
    memo = stats.document_features_memo
    key = (hit.doc_type, hit.id)
    cached = memo.get(key)
    if cached is not None and cached[0] is document:
        return cached[1]
    price, published, doc_type, sales, rating, reviews, views, likes, viewers, live_now = document.values
    ctr, conversion = stats.rates(hit.id, document.category)
    review_score = bayesian_average(rating * reviews, reviews, stats.mean_rating, stats.rating_prior_strength)
    values = (
        price,
        np.log1p(price),
        stats.price_percentile(document.category, price),
        np.log1p(sales),
        ctr,
        conversion,
        review_score * np.log1p(reviews),
        stats.authority_by_shop.get(document.shop, math.nan),
        doc_type,
        published,
        bayesian_average(likes, views, LIKE_RATE_PRIOR, LIKE_RATE_STRENGTH),
        np.log1p(viewers if math.isnan(views) else views),
        live_now,
    )
    row = tuple(map(float, values))
    memo[key] = (document, row)
    return row


# What the per-hit pass gathers, in this order, after the per-field BM25 scores.
RAW_COLUMNS = (
    "lexical_score", "lexical_rank", "dense_cosine", "dense_rank", "title_coverage", "all_terms_in_title",
    "phrase_in_title", "field_coverage", "category_name_coverage", "title_length", "first_match_position",
    "accessory_for_query", "category_intent", "category_feedback", "brand_match", "colour_match",
    "propagated_relevance", "passage_cosine", "visual_cosine",
    *DOCUMENT_COLUMNS,
)  # fmt: skip
RAW = {name: len(LEXICAL_FIELDS) + i for i, name in enumerate(RAW_COLUMNS)}
RAW_WIDTH = len(LEXICAL_FIELDS) + len(RAW_COLUMNS)
# Features copied as gathered (the per-field BM25 scores first), in one gather; the rest are
# derived below.
COPIED = tuple(name for name in RAW_COLUMNS if name in FEATURE_INDEX)
COPY_TO = np.array([*range(len(LEXICAL_FIELDS)), *(FEATURE_INDEX[name] for name in COPIED)])
COPY_FROM = np.array([*range(len(LEXICAL_FIELDS)), *(RAW[name] for name in COPIED)])
MEDIA_TYPES = frozenset({"video", "live"})


def compute_features(
    query: QueryFeatures,
    hits: Sequence[Hit],
    stats: RankingStats,
    now: float,
    similarity: Sequence[float] | None = None,
) -> np.ndarray:
    """(len(hits), len(FEATURES)) float32, `hits` in first-stage order; `now` is epoch seconds;
    `similarity[i]` the query-document cosine of hits[i] from the stored vectors (NaN when
    unknown; all NaN when not given).

    One plain-Python pass gathers raw values into tuples (numpy element writes cost more
    than the arithmetic), then numpy derives every column at once."""
    n = len(hits)
    columns = np.full((n, len(FEATURES)), np.nan, dtype=np.float64)
    if n == 0:
        return columns.astype(np.float32)
    query_words = [stem(word) for word in query.tokens]
    tokens = set(query_words)
    phrase = padded_phrase(query_words) if len(query_words) > 1 else ""
    query_brand = (query.brand or "").casefold()
    colour = stem((query.colour or "").casefold())
    text = padded_phrase(query.tokens)
    intent = query.category_intent
    head = query.product_head
    documents = [document_terms(hit) for hit in hits]
    categories = [document.category for document in documents]
    feedback = Counter(categories[:CATEGORY_FEEDBACK_DEPTH])
    feedback_depth = min(n, CATEGORY_FEEDBACK_DEPTH)
    nan = math.nan

    intent_by_category = category_intents(intent, hits, categories)
    product_relevance = query.product_relevance
    field_defaults = (0.0,) * len(LEXICAL_FIELDS)
    query_length = len(tokens)
    rows = []
    for hit, document in zip(hits, documents, strict=True):
        scores, ranks = hit.channel_scores, hit.channel_ranks
        brand, category = document.brand, document.category
        # Every title feature below reads the query words the title holds.
        in_title = tokens.intersection(document.title_words)
        positions = document.title_positions
        rows.append(
            (
                *map(hit.field_scores.get, LEXICAL_FIELDS, field_defaults),
                scores.get("lexical", nan),
                ranks.get("lexical", nan),
                scores.get("dense", nan),
                ranks.get("dense", nan),
                len(in_title) / query_length if query_length else 0.0,
                1.0 if query_length and len(in_title) == query_length else 0.0,
                1.0 if phrase and phrase in document.title_phrase else 0.0,
                len(tokens.intersection(document.words_anywhere)) / query_length if query_length else 0.0,
                len(document.category_words & tokens) / len(document.category_words)
                if document.category_words
                else 0.0,
                document.title_length,
                min([positions[word] for word in in_title]) if in_title else nan,
                1.0 if head in document.accessory_targets else 0.0,
                intent_by_category[category],
                feedback[category] / feedback_depth if category else 0.0,
                1.0 if brand and (brand == query_brand or f" {brand} " in text) else 0.0,
                1.0 if colour and colour in document.title_words else 0.0,
                inherited_relevance(hit, product_relevance) if hit.doc_type in MEDIA_TYPES else nan,
                scores.get("passage", nan),
                scores.get("visual", nan),
                *document_features(hit, document, stats),
            )
        )
    # fromiter over the flattened rows: a third faster than np.array's shape discovery.
    raw = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=n * RAW_WIDTH).reshape(n, RAW_WIDTH)

    column = FEATURE_INDEX
    columns[:, COPY_TO] = raw[:, COPY_FROM]
    lexical_score, dense_cosine = raw[:, RAW["lexical_score"]], raw[:, RAW["dense_cosine"]]
    best_lexical = np.nanmax(lexical_score) if np.isfinite(lexical_score).any() else nan
    columns[:, column["lexical_score_ratio"]] = lexical_score / best_lexical if best_lexical > 0 else nan
    best_cosine = np.nanmax(dense_cosine) if np.isfinite(dense_cosine).any() else nan
    columns[:, column["dense_cosine_gap"]] = best_cosine - dense_cosine
    if similarity is not None:
        similar = np.asarray(similarity, dtype=np.float64)
        columns[:, column["dense_similarity"]] = similar
        best_similar = np.nanmax(similar) if np.isfinite(similar).any() else nan
        columns[:, column["dense_similarity_gap"]] = best_similar - similar
    columns[:, column["rrf_score"]] = [hit.score for hit in hits]
    columns[:, column["first_stage_rank"]] = np.arange(1, n + 1)
    columns[:, column["age_days"]] = (now - raw[:, RAW["published_ts"]]) / SECONDS_PER_DAY
    columns[:, column["query_terms"]] = len(query.tokens)
    columns[:, [column["category_affinity"], column["brand_affinity"], column["price_affinity"]]] = (
        personal_affinities(query.profile, hits, raw[:, RAW["price"]])
    )
    return columns.astype(np.float32)


def category_intents(
    intent: Mapping[str, float], hits: Sequence[Hit], categories: Sequence[str]
) -> dict[str, float]:
    """Leaf category -> the intent probability mass on its paths (a leaf fixes its
    ancestors), once per category among the hits."""
    by_category: dict[str, float] = {}
    for hit, category in zip(hits, categories, strict=True):
        if category not in by_category:
            paths = hit.keywords.get("category_path", ())
            by_category[category] = sum(p for path, p in intent.items() if path in paths)
    return by_category


def personal_affinities(profile, hits: Sequence[Hit], prices: np.ndarray) -> np.ndarray:
    """(n, 3): category, brand and price-band affinity of each hit for the shopper; 0 without
    a profile (an anonymous first visit is not a missing value, it is no interest yet)."""
    if profile is None:
        return np.zeros((len(hits), 3))
    return profile.affinity_columns(
        [hit.keywords.get("category_path", ()) for hit in hits],
        [(hit.keywords.get("brand") or ("",))[0] for hit in hits],
        prices,
    )


def first_stage_prior(features: np.ndarray) -> np.ndarray:
    """The first-stage order as a score, -ln(rank): what every ranker is boosted from (its
    init score in training) and adds back when it scores, so the trees learn corrections to
    the first stage instead of re-learning the order from scratch. On the 79 dev queries the
    latter lost 5-fold CV to the first stage; boosted from it, it won (DEVELOPERS-NOTES.md)."""
    return -np.log(features[:, FEATURE_INDEX["first_stage_rank"]].astype(np.float64))


def encode_vector(vector: np.ndarray) -> bytes:
    """A feature vector as logged (ImpressionLog.features): little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def decode_vector(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")
