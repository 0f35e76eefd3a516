"""The search funnel: one small class per stage, run in order over a shared `SearchContext`,
each timed into `ctx.timings` (milliseconds).

    Analyze -> Personalize -> EmbedQuery -> Recall -> Fuse -> Recover -> Curate -> Boost -> PreRank
    -> Rank -> Sort -> Blend -> Facets -> Present

The ranking funnel: Recall keeps up to `recall_depth` hits per channel, PreRank (cheap: the
fused score) orders them all, and Rank orders the first `rank_depth` of them with the
promoted LightGBM model of its type (ranking/rerank.py); the rest follow in first-stage
order, so totals and facets still count every candidate. Blend (searchapp/blend.py) turns
the ranked types into the one list a page shows: expected utility, cold-start exploration
and the mixed row's slot constraints. Merchandisers' curations (pinned and hidden results,
curations.py) and boost rules (boost_rules.py) apply there too.

Besides the three text channels, videos and live streams are recalled through the products
they tag ("tagged": those tagging the query's top products), videos through their transcript
passages ("passage"), every type through its thumbnail when a visual encoder is configured
("visual"), and a shopper with an interest profile gets a "personal" channel (the query
within their favourite categories).

Recall asks the backend for both channels of each requested document type in one
`search_channels` call; the query is encoded once per request, whatever the number of types.
Everything after Recall works on `Hit`s alone (display values are stored in the index), so
a search makes no database query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from itertools import chain
from time import perf_counter

import numpy as np
from django.conf import settings

from indexing.backends import get_backend
from indexing.backends.base import BaseSearchBackend, Filters, Hit, LexicalQuery, TermBoost, VectorQuery
from indexing.embeddings import get_embedder
from indexing.schema import get_schema
from indexing.visual import get_visual_encoder
from personalization.profiles import load_profile
from ranking.features import (
    FEATURE_NAMES,
    QueryFeatures,
    document_terms,
    inherited_relevance,
)
from ranking.marketplace_config import MarketplaceConfig
from ranking.registry import LoadedRanker, unusable_ranker_problem
from ranking.rerank import rank_candidates
from ranking.stated import asks_for_attributes, attribute_factor, featured_kinds
from ranking.stats import RankingStats, get_ranking_stats, shop_of

from . import recovery
from .blend import Blend
from .boost_rules import Boost
from .curations import Curate
from .facets import compute_facets, disjunctive_facets, filtered_facets, without_facet_filters
from .fusion import reciprocal_rank_fusion
from .highlight import WORD, Highlighter
from .model_holders import model_holder
from .query.analyzer import PARTS, AnalyzerConfig, ParsedQuery, analyze, confident_category
from .query.normalize import normalize
from .search_request import SearchFilters, SearchRequest, Sort, sort_key
from .sort_floor import sortable
from .stated_fit import stated_fit

# Recall channels. "lexical_all" is BM25 restricted to documents containing every query term:
# fused with the any-term "lexical" channel it is an extra vote for full matches, which on
# the dev judgments lifts hybrid NDCG@10 by ~0.04 over lexical + dense alone.
LEXICAL, LEXICAL_ALL, DENSE = "lexical", "lexical_all", "dense"
HYBRID_CHANNELS = (LEXICAL, LEXICAL_ALL, DENSE)
# The channels that match words; the others match meaning, or derive from these ("tagged").
WORD_CHANNELS = (LEXICAL, LEXICAL_ALL)
PASSAGE, VISUAL, TAGGED, PERSONAL = "passage", "visual", "tagged", "personal"
CHANNELS = (*HYBRID_CHANNELS, PASSAGE, VISUAL, TAGGED, PERSONAL)
MEDIA_TYPES = ("video", "live")
# Products whose taggers the "tagged" channel recalls, and how their relevance is spread
# (1 / sqrt(rank)): a video about the query's best product inherits most.
TAGGED_PRODUCTS = 50
# Interest-profile categories the "personal" channel searches within.
PERSONAL_CATEGORIES = 3
# The text shown as a hit's snippet, per document type.
SNIPPET_FIELD = {"product": "description", "video": "caption", "live": "description"}
# Display fields every result carries (None when a type has no such field).
COMMON_DISPLAY_FIELDS = ("title", "price", "currency", "image_url", "brand", "category", "shop")


@dataclass(frozen=True)
class PipelineConfig:
    channels: tuple[str, ...] = CHANNELS
    recall_depth: int = 200
    rrf_k: float = 60
    rrf_weights: Mapping[str, float] = field(default_factory=dict)
    # Dense hits below this share of the channel's best cosine are dropped (near_the_best).
    dense_relative_floor: float = 0.6
    # Per doc type LexicalQuery boosts; a type absent here uses the schema's defaults.
    field_boosts: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # Query understanding's soft boosts (weight = confidence) scaled into BM25 score points.
    term_boost_scale: float = 1.0
    # Fewer fused candidates than this starts the recovery ladder (see recovery.py).
    recovery_min_results: int = 1
    # How many first-stage candidates the final ranker orders; False keeps the first-stage
    # order (features are still computed: that is how training sees the candidates).
    rank_depth: int = 200
    # Videos and live streams in a mixed row (type=all) fill at most their maximum shares of
    # a page, and the blend reads a type's top max(60, 3 x page end) only: their final ranking
    # stops here.
    mixed_media_rank_depth: int = 100
    use_ranker: bool = True
    # doc type -> a model that orders it instead of the served one (the admin's preview of a
    # registered version); empty: the registry's choice (promoted, or a shopper's canary).
    rankers: Mapping[str, LoadedRanker] = field(default_factory=dict)
    # The first stage multiplies the fused score of an accessory named after the query's
    # product ("laptop sleeve" for "laptops", ranking/accessories.py) by this (1 = off), when
    # query understanding puts at least `accessory_intent` on one category: then the catalog
    # sells the product itself. For "iphone" (no iPhones here, only their cases and chargers)
    # the intent is split and accessories are what there is to show.
    accessory_demotion: float = 0.5
    accessory_intent: float = 0.6
    # ... and a candidate whose title states another size or colour than the query asks for
    # (a 40" TV for "samsung tv 55 inch", a black mouse for "red mouse"; ranking/stated.py) by
    # this (1 = off), in the first stage, the final ranker's odds and the blend (stated_fit.py):
    # it still follows those that fit. The last two also apply it to hits not holding a model
    # number the query names when others do.
    attribute_demotion: float = 0.5
    # The marketplace layer (objective, exploration, mixed row); None = the admin's settings.
    marketplace: MarketplaceConfig | None = None

    def __post_init__(self):
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown recall channel(s): {', '.join(sorted(unknown))}")

    @classmethod
    def from_settings(cls, **overrides) -> PipelineConfig:
        values = {
            "recall_depth": settings.SEARCH_RECALL_DEPTH,
            "rrf_k": settings.SEARCH_RRF_K,
            "rrf_weights": dict(settings.SEARCH_RRF_WEIGHTS),
            "dense_relative_floor": settings.SEARCH_DENSE_RELATIVE_FLOOR,
            "field_boosts": getattr(settings, "SEARCH_FIELD_BOOSTS", {}),
            "term_boost_scale": getattr(settings, "SEARCH_QUERY_BOOST_SCALE", cls.term_boost_scale),
            "recovery_min_results": getattr(
                settings, "SEARCH_RECOVERY_MIN_RESULTS", cls.recovery_min_results
            ),
            "rank_depth": getattr(settings, "RANKING_RANK_DEPTH", cls.rank_depth),
            "mixed_media_rank_depth": getattr(
                settings, "RANKING_MIXED_MEDIA_DEPTH", cls.mixed_media_rank_depth
            ),
            "use_ranker": getattr(settings, "RANKING_ENABLED", cls.use_ranker),
            "accessory_demotion": getattr(settings, "SEARCH_ACCESSORY_DEMOTION", cls.accessory_demotion),
            "accessory_intent": getattr(settings, "SEARCH_ACCESSORY_INTENT", cls.accessory_intent),
            "attribute_demotion": getattr(settings, "SEARCH_ATTRIBUTE_DEMOTION", cls.attribute_demotion),
        }
        return cls(**{**values, **overrides})

    def rank_depth_for(self, doc_type: str, request: SearchRequest) -> int:
        if doc_type in MEDIA_TYPES and len(request.doc_types) > 1:
            return min(self.rank_depth, self.mixed_media_rank_depth)
        return self.rank_depth


@dataclass
class SearchContext:
    request: SearchRequest
    query: str = ""  # the analysed query text the channels search for
    parsed: ParsedQuery | None = None  # what query understanding made of the request's query
    # The recovery step that produced the results (recovery.py), and what to suggest.
    recovery: str | None = None
    suggestions: list[str] = field(default_factory=list)
    query_vector: np.ndarray | None = None
    # doc_type -> channel -> hits, as recalled
    channel_hits: dict[str, dict[str, list[Hit]]] = field(default_factory=dict)
    # doc_type -> whether some channel returned a full recall depth (so more may match)
    capped: dict[str, bool] = field(default_factory=dict)
    # doc_type -> candidates in their final order (fused, pre-ranked, sorted)
    candidates: dict[str, list[Hit]] = field(default_factory=dict)
    # What a merchandiser pinned to the query (curations.py), shown before every candidate,
    # what they hid, and the curation that applied.
    pinned: list[Hit] = field(default_factory=list)
    hidden: frozenset[str] = frozenset()
    curation_id: int | None = None
    redirect_url: str | None = None
    # The merchandisers' boost rules that apply (boost_rules.py), and the factor the blend
    # applied to each result they lifted or sank (hit id -> factor).
    boost_rules: tuple = ()
    boosted: dict[str, float] = field(default_factory=dict)
    facets: dict = field(default_factory=dict)
    # THE page shown, in order (one list whatever the request type), and the 1-based
    # positions in it that cold-start exploration filled.
    page_hits: list[Hit] = field(default_factory=list)
    explored_positions: list[int] = field(default_factory=list)
    utilities: dict[str, float] = field(default_factory=dict)  # hit id -> expected utility
    results: list[dict] = field(default_factory=list)
    # The shopper's interest profile (personalization.profiles.InterestProfile) or None.
    profile: object | None = None
    # product doc id -> relevance to the query (0..1): what tagging videos/lives inherit.
    product_relevance: dict[str, float] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    search_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # doc_type -> feature vectors of the ranked candidates, row i = candidates[doc_type][i]
    # (only the first rank_depth candidates have one): what feature logging stores.
    features: dict[str, np.ndarray] = field(default_factory=dict)
    # doc_type -> the final ranker that ordered its candidates ("" = the first stage)
    model_versions: dict[str, str] = field(default_factory=dict)
    # hit id -> {"fused": ..., "first_stage_rank": ..., "rank": ...}, for debug=1
    stage_scores: dict[str, dict] = field(default_factory=dict)

    @cached_property
    def query_keys(self) -> tuple[str, ...]:
        """The query as typed, then as spelling-corrected, normalized: how curations and boost
        rules name the searches they apply to. Computed once, when the first of them asks."""
        corrected = self.parsed.corrected if self.parsed is not None else None
        return tuple(dict.fromkeys(normalize(text) for text in (self.request.query, corrected) if text))

    @property
    def total(self) -> int:
        return sum(len(hits) for hits in self.candidates.values()) + len(self.pinned)

    def curated(self, candidates: dict[str, list[Hit]]) -> dict[str, list[Hit]]:
        """`candidates` (these, or another recall's) as the curation lists them, what facets
        count: hidden results out, pinned ones in once."""
        if not self.pinned and not self.hidden:
            return candidates
        left_out = self.hidden | {hit.id for hit in self.pinned}
        listed = {
            doc_type: [hit for hit in hits if hit.id not in left_out] for doc_type, hits in candidates.items()
        }
        for hit in self.pinned:
            listed.setdefault(hit.doc_type, []).append(hit)
        return listed

    @property
    def total_relation(self) -> str:
        return "gte" if any(self.capped.values()) else "eq"


class Analyze:
    """Query understanding (searchapp/query/): normalise, correct, extract attributes,
    expand synonyms, predict categories. The channels search `ctx.query`, the corrected text
    without the words of constraints that became filters ("under 20"); Recall takes the
    filters, synonyms and boosts from `ctx.parsed`. Parts the request disables are skipped."""

    name = "analyze"

    def run(self, ctx: SearchContext) -> None:
        disabled = ctx.request.disabled_understanding & set(PARTS)
        ctx.parsed = analyze(ctx.request.query, AnalyzerConfig.from_settings(disabled))
        ctx.query = ctx.parsed.text_for_lexical
        ctx.degraded += [f"{self.name}: {reason}" for reason in ctx.parsed.degraded]


class Personalize:
    """The shopper's (or the session's) interest profile; an unknown id has none, and a
    profile store failure degrades to an unpersonalised search."""

    name = "personalize"

    def run(self, ctx: SearchContext) -> None:
        request = ctx.request
        if not (request.shopper_id or request.session_id):
            return
        try:
            ctx.profile = load_profile(request.shopper_id, request.session_id)
        except Exception as error:  # personalisation is a bonus, never a reason to fail
            ctx.degraded.append(f"{self.name}: {type(error).__name__}: {error}")


class EmbedQuery:
    """Encode the query once for the dense channel; if the embedder fails the search goes on
    lexical-only and the response says so. Words in a script the catalog is not written in
    (query/scripts.py) are left out of what is encoded, and a query of nothing else is not
    encoded: the model's nearest products to text it cannot read are arbitrary."""

    name = "embed"

    def run(self, ctx: SearchContext) -> None:
        text = readable_text(ctx)
        if not text:
            return
        try:
            ctx.query_vector = get_embedder().encode_query(text)
        except Exception as error:  # any embedder failure degrades, never fails
            ctx.degraded.append(f"{DENSE}: {type(error).__name__}: {error}")


def readable_text(ctx: SearchContext) -> str:
    """The query text without the words in scripts the catalog is not written in."""
    unreadable = set(ctx.parsed.unreadable_words) if ctx.parsed is not None else ()
    if not unreadable:
        return ctx.query
    return " ".join(word for word in ctx.query.split() if word not in unreadable)


class Recall:
    name = "recall"

    def __init__(self, backend: BaseSearchBackend, config: PipelineConfig):
        self.backend = backend
        self.config = config

    def run(self, ctx: SearchContext) -> None:
        self.recall(ctx, request_filters(ctx), ctx.query, self.config.channels)

    def recall(
        self, ctx: SearchContext, filters: SearchFilters, text: str, channels: tuple[str, ...]
    ) -> None:
        """Fill `ctx.channel_hits` for every requested doc type (the recovery ladder calls
        this again with looser filters, text or channels)."""
        depth = self.config.recall_depth
        alternatives, term_boosts = lexical_hints(ctx.parsed, self.config.term_boost_scale)
        visual_vector = self.visual_query(ctx, text) if VISUAL in channels else None
        for doc_type in ordered_types(ctx.request.doc_types):
            type_filters = filters.for_doc_type(doc_type)
            lexical = LexicalQuery(
                text=text,
                filters=type_filters,
                limit=depth,
                boosts=self.config.field_boosts.get(doc_type),
                alternatives=alternatives,
                term_boosts=term_boosts,
                # Only the final ranker reads them, and only for its top rank_depth.
                field_score_depth=self.config.rank_depth_for(doc_type, ctx.request),
            )
            vector = None
            if DENSE in channels and ctx.query_vector is not None:
                vector = VectorQuery(vector=ctx.query_vector, filters=type_filters, limit=depth)
            hits = self.backend.search_channels(doc_type, lexical if LEXICAL in channels else None, vector)
            if hits.get(DENSE):
                hits[DENSE] = near_the_best(hits[DENSE], self.config.dense_relative_floor)
            if LEXICAL_ALL in channels:
                hits[LEXICAL_ALL] = self.all_terms_hits(doc_type, lexical, hits)
            if doc_type == "product":
                ctx.product_relevance = spread_relevance(hits.get(LEXICAL_ALL) or hits.get(LEXICAL) or [])
            ctx.capped[doc_type] = any(len(channel) >= depth for channel in hits.values())
            hits.update(self.extra_channels(ctx, doc_type, filters, lexical, vector, visual_vector, channels))
            ctx.channel_hits[doc_type] = hits

    def extra_channels(
        self, ctx, doc_type, filters, lexical, vector, visual_vector, channels
    ) -> dict[str, list[Hit]]:
        """The channels beyond the text ones (see the module docstring); each only when it
        applies to the doc type and has something to search with."""
        extra = {}
        schema_spaces = get_schema(doc_type).vector_spaces
        if PASSAGE in channels and vector is not None and PASSAGE in schema_spaces:
            passages = self.backend.search_vector(doc_type, replace(vector, space=PASSAGE))
            extra[PASSAGE] = near_the_best(passages, self.config.dense_relative_floor) if passages else []
        if visual_vector is not None and VISUAL in schema_spaces:
            query = VectorQuery(
                vector=visual_vector, filters=lexical.filters, limit=lexical.limit, space=VISUAL
            )
            extra[VISUAL] = self.backend.search_vector(doc_type, query)
        if TAGGED in channels and doc_type in MEDIA_TYPES:
            extra[TAGGED] = self.tagged_hits(ctx, doc_type, filters, lexical)
        personal = personal_filters(ctx.profile, lexical.filters) if PERSONAL in channels else None
        if personal is not None and lexical.text.strip():
            extra[PERSONAL] = self.backend.search_lexical(doc_type, replace(lexical, filters=personal))
        return {name: hits for name, hits in extra.items() if hits}

    def tagged_hits(
        self, ctx: SearchContext, doc_type: str, filters: SearchFilters, lexical: LexicalQuery
    ) -> list[Hit]:
        """Videos/lives tagging the query's top products, best product first."""
        if not ctx.product_relevance:
            # A video- or live-only search: the products are looked up for this channel alone.
            product_lexical = replace(lexical, filters=filters.for_doc_type("product"), limit=TAGGED_PRODUCTS)
            ctx.product_relevance = spread_relevance(self.backend.search_lexical("product", product_lexical))
        if not ctx.product_relevance:
            return []
        tagging = replace(
            lexical.filters, terms={**lexical.filters.terms, "product": tuple(ctx.product_relevance)}
        )
        hits = self.backend.search_terms(doc_type, tagging, lexical.limit)
        relevance = ctx.product_relevance
        return sorted(hits, key=lambda hit: (-inherited_relevance(hit, relevance), hit.id))

    @staticmethod
    def visual_query(ctx: SearchContext, text: str):
        try:
            # Loading a configured model can fail too (a bad VISUAL_MODEL_PATH).
            encoder = get_visual_encoder()
            if encoder is None or not text.strip():
                return None
            return encoder.encode_text([text])[0]
        except Exception as error:  # the visual channel is optional: degrade, never fail
            ctx.degraded.append(f"{VISUAL}: {type(error).__name__}: {error}")
            return None

    def all_terms_hits(self, doc_type: str, lexical: LexicalQuery, hits: dict[str, list[Hit]]) -> list[Hit]:
        # With one word, "every term" is "any term": reuse the lexical channel's answer.
        if LEXICAL in hits and len(WORD.findall(lexical.text)) <= 1 and not lexical.alternatives:
            return hits[LEXICAL]
        # Per-field scores depend on the words, not the operator: fusion takes them from the
        # any-term channel, which holds every full match in its top ranks.
        return self.backend.search_lexical(doc_type, replace(lexical, operator="and", field_score_depth=0))


def near_the_best(dense_hits: list[Hit], relative_floor: float) -> list[Hit]:
    """The dense channel's hits whose cosine is at least `relative_floor` times its best.

    Nearest neighbours always come back, however far: under a selective filter ("tv" from
    one brand) the tail of 200 was that brand's toner cartridges at cosine 0.2 against 0.47
    at the top, which then padded totals and facets. Relative, because cosines of relevant
    documents vary by query (0.47 to 0.76 at the top on the dev queries). At 0.6, NDCG@10 on
    the dev judgments is unchanged (0.6600) and recall@100 rises (0.804 -> 0.807): the cut
    hits were never near the top, but had displaced lexical matches from the first 100."""
    best = dense_hits[0].score
    # A best cosine at or below zero makes a relative floor meaningless: keep the best.
    floor = relative_floor * best if best > 0 else best
    return [hit for hit in dense_hits if hit.score >= floor]


def ordered_types(doc_types) -> list[str]:
    """Products first: videos and live streams inherit the products' relevance."""
    return sorted(doc_types, key=lambda doc_type: doc_type != "product")


def spread_relevance(product_hits: list[Hit]) -> dict[str, float]:
    return {hit.id: 1.0 / (rank**0.5) for rank, hit in enumerate(product_hits[:TAGGED_PRODUCTS], start=1)}


def personal_filters(profile, filters: Filters) -> Filters | None:
    """The request's filters narrowed to the profile's favourite categories; None when there
    is no profile, or the request already filters by category (the user's choice stands)."""
    if profile is None or "category_path" in filters.terms:
        return None
    categories = tuple(path for path, _ in profile.top_categories(PERSONAL_CATEGORIES))
    if not categories:
        return None
    return replace(filters, terms={**filters.terms, "category_path": categories})


def request_filters(ctx: SearchContext) -> SearchFilters:
    """The user's filters over those query understanding extracted (the user's win)."""
    if ctx.parsed is None:
        return ctx.request.filters
    return ctx.parsed.filters.under(ctx.request.filters)


def lexical_hints(
    parsed: ParsedQuery | None, boost_scale: float
) -> tuple[tuple[tuple[str, float], ...], tuple[TermBoost, ...]]:
    """Synonym alternatives and soft boosts, as the backends take them."""
    if parsed is None:
        return (), ()
    alternatives = tuple((alternative.text, alternative.weight) for alternative in parsed.alternatives)
    boosts = tuple(TermBoost(b.field, b.value, b.weight * boost_scale) for b in parsed.boosts)
    return alternatives, boosts


class Fuse:
    name = "fuse"

    def __init__(self, config: PipelineConfig):
        self.config = config

    def run(self, ctx: SearchContext) -> None:
        for doc_type, channels in ctx.channel_hits.items():
            ctx.candidates[doc_type] = reciprocal_rank_fusion(
                channels, k=self.config.rrf_k, weights=self.config.rrf_weights
            )


class PreRank:
    """The cheap first ranking stage: orders every fused candidate by its fused score,
    multiplied by `demotion` when the query's top category intent reaches `intent` and the
    candidate is an accessory named after the query's product (a shopper typing "laptops"
    wants laptops before laptop sleeves; see PipelineConfig) or a product of another category
    that holds it as a sized part ("ssd": SSDs before PCs "... 256 GB SSD Tower"), and by
    `attribute_demotion` when its title states another size or colour than the query asks
    for ("samsung tv 55 inch": a 40" TV; ranking/stated.py) or lacks the feature it names,
    or when the query names a size, colour or feature and the candidate is filed elsewhere
    than the clear intent; `Rank` then reorders the top of this order with the learned model."""

    name = "prerank"

    def __init__(self, demotion: float, intent: float, attribute_demotion: float = 1.0):
        self.demotion = demotion
        self.intent = intent
        self.attribute_demotion = attribute_demotion

    def run(self, ctx: SearchContext) -> None:
        demotion, attribute_demotion = self.demotion, self.attribute_demotion
        query = QueryFeatures.from_parsed(ctx.query, ctx.parsed)
        intent = confident_category(ctx.parsed, self.intent)
        head = query.product_head if intent and demotion != 1 else None
        attributes = attribute_demotion != 1 and asks_for_attributes(query)
        kinds = featured_kinds(query, map(document_terms, chain.from_iterable(ctx.candidates.values())))

        def first_stage_score(hit: Hit) -> float:
            terms = document_terms(hit)
            score = hit.score
            if head and (
                head in terms.accessory_targets
                or (head in terms.component_words and is_other_product(hit, intent))
            ):
                score *= demotion
            if attributes:
                score *= attribute_factor(query, terms, attribute_demotion, kinds, intent)
            return score

        key = first_stage_score if head or attributes else score_of
        key = holders_first(ctx.parsed, key) or key
        for hits in ctx.candidates.values():
            hits.sort(key=key, reverse=True)


def holders_first(parsed, score: Callable[[Hit], float]) -> Callable[[Hit], tuple] | None:
    """Order by whether the hit holds one of the query's model numbers (model_holders.py), then
    by `score`: a model number names its product exactly, and fusion ranks a word only BM25
    finds low. None without one."""
    holds = model_holder(parsed)
    if holds is None:
        return None
    return lambda hit: (holds(hit), score(hit))


def is_other_product(hit: Hit, category: str) -> bool:
    """Filed under another category than `category` (an unfiled one gets the doubt)."""
    paths = hit.keywords.get("category_path")
    return bool(paths) and category not in paths


def score_of(hit: Hit) -> float:
    return hit.score


class Rank:
    """The final ranker over the first stage's top `rank_depth` candidates. Every candidate
    gets the dense similarity of its stored vector (not only those the dense channel
    recalled). Without a usable model the first-stage order stands; when a promoted model is
    unusable (incompatible, file missing) the response's `degraded` says so, and /api/health
    always says which order is served."""

    name = "rank"

    def __init__(self, backend: BaseSearchBackend, config: PipelineConfig):
        self.backend = backend
        self.config = config

    def run(self, ctx: SearchContext) -> None:
        if ctx.request.sort is not Sort.RELEVANCE:
            return
        for doc_type in ordered_types(ctx.candidates):
            hits = ctx.candidates[doc_type]
            query = QueryFeatures.from_parsed(
                ctx.query, ctx.parsed, profile=ctx.profile, product_relevance=ctx.product_relevance
            )
            top = hits[: self.config.rank_depth_for(doc_type, ctx.request)]
            ranked = rank_candidates(
                query,
                top,
                similarity=self.similarity(ctx, doc_type, top),
                ranker=self.config.rankers.get(doc_type),
                use_model=self.config.use_ranker,
                unit=ctx.request.shopper_id or ctx.request.session_id,
                fit=partial(
                    stated_fit, ctx, top, self.config.attribute_demotion, self.config.accessory_intent
                ),
            )
            ctx.candidates[doc_type] = ranked.hits + hits[len(top) :]
            ctx.features[doc_type] = ranked.features
            ctx.model_versions[doc_type] = ranked.model_version
            if doc_type == "product":
                # Videos and lives inherit from the products' final order, not the recall's.
                ctx.product_relevance = spread_relevance(ranked.hits)
            if ctx.request.debug:
                self.record_scores(ctx, top, ranked)
            problem = (
                unusable_ranker_problem(doc_type)
                if self.config.use_ranker and not ranked.model_version
                else None
            )
            if problem:
                ctx.degraded.append(f"{self.name}: {doc_type}: serving the first-stage order: {problem}")

    def similarity(self, ctx: SearchContext, doc_type: str, hits: list[Hit]) -> np.ndarray | None:
        if ctx.query_vector is None or not hits:
            return None
        return self.backend.similarities(doc_type, [hit.id for hit in hits], ctx.query_vector)

    @staticmethod
    def record_scores(ctx: SearchContext, first_stage: list[Hit], ranked) -> None:
        for position, hit in enumerate(first_stage, start=1):
            ctx.stage_scores[hit.id] = {"fused": hit.score, "first_stage_rank": position}
        for i, hit in enumerate(ranked.hits):
            entry = ctx.stage_scores[hit.id]
            entry["rank"] = float(ranked.scores[i]) if ranked.scores is not None else None
            entry["features"] = dict(zip(FEATURE_NAMES, ranked.features[i].tolist(), strict=True))


class SortResults:
    """Explicit sorts reorder the candidates that match the query well enough (sort_floor.py:
    a weak match must not open a price-sorted list); relevance order breaks ties, and
    documents without the sort field go last."""

    name = "sort"

    def run(self, ctx: SearchContext) -> None:
        sort = ctx.request.sort
        if sort is Sort.RELEVANCE:
            return
        intent = ctx.parsed.category_intent if ctx.parsed is not None else ()
        for doc_type, hits in ctx.candidates.items():
            ctx.candidates[doc_type] = sorted(sortable(hits, ctx.query, intent), key=sort_key(sort))


class Facets:
    """Counts over the candidates; a facet the shopper filtered on (brand, category, price) is
    counted disjunctively, over one more recall without those filters (facets.py). After a
    recovery step the filters that produced the results are not the request's: plain counts."""

    name = "facets"

    def __init__(self, recall: Recall, fuse: Fuse):
        self.recall = recall
        self.fuse = fuse

    def run(self, ctx: SearchContext) -> None:
        ctx.facets = compute_facets(ctx.curated(ctx.candidates))
        # The shopper's own selections only: a brand or price read from the query text is
        # its interpretation, and recounting for it would cost most searches a second recall.
        facets = filtered_facets(ctx.request.filters)
        if not facets or ctx.recovery:
            return
        filters = request_filters(ctx)
        relaxed = replace(ctx, channel_hits={}, capped={}, candidates={}, product_relevance={}, degraded=[])
        try:
            self.recall.recall(
                relaxed, without_facet_filters(filters, facets), ctx.query, self.recall.config.channels
            )
        except Exception as error:  # a refinement of the counts: the page stands without it
            ctx.degraded.append(f"{self.name}: filtered facets count the results only: {error}")
            return
        self.fuse.run(relaxed)
        ctx.facets.update(disjunctive_facets(ctx.curated(relaxed.candidates), filters, facets))


class Present:
    """Render the page's hits from their stored display values, with highlighting."""

    name = "present"

    def run(self, ctx: SearchContext) -> None:
        highlighter = Highlighter(highlighted_text(ctx))
        debug = ctx.request.debug
        stats = get_ranking_stats()
        explored = set(ctx.explored_positions)
        pinned = {hit.id for hit in ctx.pinned}
        ctx.results = []
        for position, hit in enumerate(ctx.page_hits, start=1):
            result = present_hit(hit, highlighter, debug, ctx.stage_scores.get(hit.id))
            result["shop_trust"] = shop_trust(hit, stats)
            if position in explored:
                result["explored"] = True
            if hit.id in pinned:
                result["pinned"] = True
            if debug:
                result["utility"] = ctx.utilities.get(hit.id)
                if hit.id in ctx.boosted:
                    result["boost"] = ctx.boosted[hit.id]
            ctx.results.append(result)


def highlighted_text(ctx: SearchContext) -> str:
    """The words searched for: the query's and those its synonyms brought in."""
    alternatives = ctx.parsed.alternatives if ctx.parsed else ()
    return " ".join((ctx.query, *(alternative.target for alternative in alternatives)))


def shop_trust(hit: Hit, stats: RankingStats) -> dict | None:
    """The seller-authority badge: the shop's trust score and its most telling label."""
    shop = shop_of(hit)
    score = stats.authority_by_shop.get(shop)
    if score is None:
        return None
    return {"score": round(score, 3), "badge": stats.badge_by_shop.get(shop)}


def present_hit(hit: Hit, highlighter: Highlighter, debug: bool, stage_scores: dict | None = None) -> dict:
    display = hit.display
    snippet_field = SNIPPET_FIELD[hit.doc_type]
    title = display.get("title") or ""
    result = {
        "type": hit.doc_type,
        "id": hit.id,
        **{name: display.get(name) for name in COMMON_DISPLAY_FIELDS},
        "title_html": highlighter.mark(title),
        "snippet": highlighter.snippet(display.get(snippet_field) or ""),
        "score": hit.score,
        "channel_scores": hit.channel_scores,
        "channel_ranks": hit.channel_ranks,
    }
    # Type-specific display values (a video's creator, a live stream's host and schedule).
    for name, value in display.items():
        if name not in result and name != snippet_field:
            result[name] = value
    if debug:
        result["field_scores"] = hit.field_scores
        if stage_scores:
            result["features"] = stage_scores.get("features")
            result["stage_scores"] = {
                name: stage_scores.get(name) for name in ("fused", "first_stage_rank", "rank")
            }
    return result


class SearchPipeline:
    def __init__(
        self,
        config: PipelineConfig | None = None,
        backend: BaseSearchBackend | None = None,
    ):
        config = config or PipelineConfig.from_settings()
        backend = backend or get_backend()
        self.stages = [Analyze(), Personalize()]
        if DENSE in config.channels:
            self.stages.append(EmbedQuery())
        recall, fuse = Recall(backend, config), Fuse(config)
        self.stages += [
            recall,
            fuse,
            recovery.Recover(backend, config),
            Curate(backend),
            Boost(),
            PreRank(config.accessory_demotion, config.accessory_intent, config.attribute_demotion),
            Rank(backend, config),
            SortResults(),
            Blend(config.marketplace, config.attribute_demotion, config.accessory_intent),
            Facets(recall, fuse),
            Present(),
        ]

    def run(self, request: SearchRequest) -> SearchContext:
        ctx = SearchContext(request=request)
        for stage in self.stages:
            started = perf_counter()
            stage.run(ctx)
            ctx.timings[stage.name] = (perf_counter() - started) * 1000
        return ctx
