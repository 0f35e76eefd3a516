"""The Blend stage: from each type's ranked candidates to the one list a page shows.

    drop live streams that are not showable now (ended, even since recall) ->
    expected utility per candidate (ranking/objective.py) -> each type in utility order ->
    cold-start exploration picks (ranking/exploration.py) -> the slot allocator
    (searchapp/mixed_row.py) fills slots up to the end of the requested page.

Only the first `rank_depth` candidates of a type have features and a utility; the rest
follow them in first-stage order. Explicit sorts (price, newest) skip the objective: the
types are merged by the sort key. The result is deterministic for the same inputs: the
exploration draws are seeded by the query, filters, shopper and session (or hour).
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from itertools import zip_longest

import numpy as np
from django.utils import timezone

from indexing.backends.base import Hit
from ranking.exploration import choose_explorations, exploration_rng
from ranking.features import FEATURE_INDEX, MEDIA_TYPES
from ranking.marketplace_config import MarketplaceConfig
from ranking.objective import TypeUtilities, combine, type_utilities
from ranking.stats import get_ranking_stats

from .boost_rules import boost_factors
from .live_status import showable_lives
from .marketplace_settings import marketplace_config
from .mixed_row import SELLER_LOOKAHEAD, Slot, SlotAllocator
from .query.attributes import LOW
from .search_request import Sort, sort_key
from .stated_fit import stated_fit

UTILITY_MIN_DEPTH = 60
AFFINITY_COLUMNS = [FEATURE_INDEX[name] for name in ("category_affinity", "brand_affinity", "price_affinity")]
# What a video or live stream must show to compete for a mixed row's slots: half the query's
# words in its title, a dense similarity of 0.5, or a tagged product among the query's top 4
# (propagated relevance 1/sqrt(rank)). Calibration gives each type's best candidate its
# rank-1 engagement whatever it is: with few live streams on air, the best of them for
# "bluetooth speaker" was a water-filter stream (no query word, cosine 0.2), slotted 5th.
MEDIA_RELEVANCE_FLOOR = {"title_coverage": 0.5, "dense_similarity": 0.5, "propagated_relevance": 0.5}
MEDIA_FLOOR_COLUMNS = [(FEATURE_INDEX[name], floor) for name, floor in MEDIA_RELEVANCE_FLOOR.items()]
# A "cheap ..." query multiplies a candidate's P(engage) by up to 1 + this, the more the
# cheaper it is for its category (its price percentile there; "premium ...": the dearer). On
# Chorus's rank curve (P(engage) 0.52, 0.28, 0.28, 0.20, 0.08 for ranks 1-5) an item at its
# category's cheap end passes two or three dearer neighbours, never a far better match. No
# judged query asks for a price, so the weight is set by eye.
PRICE_PREFERENCE_WEIGHT = 3.0
PRICE_PERCENTILE = FEATURE_INDEX["price_percentile"]


class Blend:
    name = "blend"

    def __init__(
        self,
        marketplace: MarketplaceConfig | None = None,
        attribute_demotion: float = 1.0,
        intent: float | None = None,
    ):
        # None: the merchandisers' settings (admin), re-read when they change.
        self.marketplace = marketplace
        # How sure the query's category must be for a size, colour or feature query to demote
        # other kinds, as in the first stage (PipelineConfig.accessory_intent; None: never).
        self.intent = intent
        # What a candidate stating another size or colour than the query asks for, or not
        # holding a model number it names when others do, is multiplied by here, as in the
        # first stage (PipelineConfig.attribute_demotion): the blend reorders the ranker's order
        # by value, and lifted a 40" TV over a 55" one for "samsung tv 55 inch".
        self.attribute_demotion = attribute_demotion

    def config(self) -> MarketplaceConfig:
        return self.marketplace or marketplace_config.get()

    def run(self, ctx) -> None:
        config = self.config()
        self.drop_unshowable_lives(ctx, config)
        request = ctx.request
        start = (request.page - 1) * request.page_size
        end = start + request.page_size
        if request.sort is not Sort.RELEVANCE:
            ctx.page_hits = merge_sorted(ctx.candidates, request.sort)[start:end]
            return
        # Pinned results (curations.py) come first; the ranked ones fill the slots after them.
        pinned = [Slot(hit, utility=float("nan")) for hit in ctx.pinned]
        slots = pinned + self.allocate(ctx, config, max(end - len(pinned), 0))
        page = slots[start:end]
        ctx.page_hits = [slot.hit for slot in page]
        ctx.explored_positions = [i for i, slot in enumerate(page, start=1) if slot.explored]
        ctx.utilities = {slot.hit.id: slot.utility for slot in page}

    @staticmethod
    def drop_unshowable_lives(ctx, config: MarketplaceConfig) -> None:
        """Ranked and pinned live streams alike (one status lookup)."""
        lives = ctx.candidates.get("live") or []
        pinned_lives = [hit for hit in ctx.pinned if hit.doc_type == "live"]
        if not lives and not pinned_lives:
            return
        showable = showable_lives(
            [hit.id for hit in (*lives, *pinned_lives)], config.blend.live_window_minutes
        )
        if pinned_lives:
            ctx.pinned = [hit for hit in ctx.pinned if hit.doc_type != "live" or hit.id in showable]
        kept = [hit for hit in lives if hit.id in showable]
        if len(kept) < len(lives):
            features = ctx.features.get("live")
            if features is not None and len(features):
                rows = [i for i, hit in enumerate(lives[: len(features)]) if hit.id in showable]
                ctx.features["live"] = features[rows]
            ctx.candidates["live"] = kept

    def allocate(self, ctx, config: MarketplaceConfig, end: int):
        request = ctx.request
        stats = get_ranking_stats()
        depth = utility_depth(end)
        factors = ranked_boost_factors(ctx) if ctx.boost_rules else {}
        if factors:
            depth = max(depth, lifted_reach(factors))
        parts: dict[str, TypeUtilities] = {}
        for doc_type, hits in ctx.candidates.items():
            features = ctx.features.get(doc_type)
            rows = min(len(features), depth) if features is not None else 0
            affinity = None
            if rows and config.enabled:
                affinity = features[:rows, AFFINITY_COLUMNS].mean(axis=1)
            parts[doc_type] = type_utilities(
                doc_type,
                hits[:rows],
                stats,
                config.objective,
                affinity,
                features[:rows] if rows else None,
                query_fit(ctx, hits[:rows], features[:rows], self.attribute_demotion, self.intent)
                if rows
                else None,
            )
        utilities = combine(parts, config.objective)
        if len(ctx.candidates) > 1:
            for doc_type in MEDIA_TYPES & utilities.keys():
                # Below the floor a media item only fills slots nothing else can.
                rows = len(utilities[doc_type])
                if rows:
                    utilities[doc_type] = utilities[doc_type] * relevant_media(ctx.features[doc_type][:rows])
        if factors:
            self.boost(ctx, utilities, factors)
        # A queue never places more than `end` items nor looks further than the lookahead
        # past its next one: the rest of it cannot reach these slots.
        queue_length = end + SELLER_LOOKAHEAD
        ordered = {}
        for doc_type, hits in ctx.candidates.items():
            scored = utilities.get(doc_type, np.array([]))
            order = np.argsort(-scored, kind="stable")
            ranked = [hits[i] for i in order] + hits[len(scored) : queue_length]
            values = scored[order].tolist() + [0.0] * (len(ranked) - len(scored))
            ordered[doc_type] = (ranked[:queue_length], values[:queue_length])
        allocator = SlotAllocator(
            config.blend,
            request.page_size,
            config.exploration.positions,
            single_type=len(ctx.candidates) == 1,
        )
        return allocator.allocate(ordered, self.explorations(ctx, config, request.page, stats), slots=end)

    @staticmethod
    def boost(ctx, utilities: dict[str, np.ndarray], factors: dict[str, np.ndarray]) -> None:
        """The merchandisers' boost rules (boost_rules.py) on the scored candidates."""
        for doc_type, utility in utilities.items():
            hits = ctx.candidates[doc_type][: len(utility)]
            scored = factors.get(doc_type, np.ones(0))[: len(utility)]
            utilities[doc_type] = utility * scored
            ctx.boosted.update((hit.id, float(f)) for hit, f in zip(hits, scored, strict=True) if f != 1.0)

    @staticmethod
    def explorations(ctx, config: MarketplaceConfig, pages: int, stats) -> list[list[Hit]]:
        """The documents each page up to `pages` explores: every type's picks, pooled in
        turn (one per type while they last), one page's budget per page. A pick that earned
        an earlier slot on its own keeps it, and its exploration slot goes back to the
        ranking: spare picks would fill every slot, and on the dev judgments they took the
        marketplace layer's NDCG@10 cost past its 2% bar (2.2%)."""
        budget = sum(position <= ctx.request.page_size for position in config.exploration.positions)
        if not config.enabled or not budget:
            return []
        rng = exploration_rng(*exploration_seed(ctx))
        picks_by_type = []
        # One page's budget for every page up to the requested one: page 2 continues page 1.
        exploring = replace(config.exploration, positions=tuple(range(1, budget * pages + 1)))
        for doc_type, hits in ctx.candidates.items():
            features = ctx.features.get(doc_type)
            if features is None or not len(features):
                continue
            chosen = choose_explorations(hits, features, stats, exploring, rng)
            picks_by_type.append([hits[i] for i in chosen])
        # In turn: each type's first pick, then each type's second...
        pooled = [hit for round_ in zip_longest(*picks_by_type) for hit in round_ if hit is not None]
        return [pooled[page * budget : (page + 1) * budget] for page in range(pages)]


def query_fit(
    ctx, hits: list[Hit], features: np.ndarray, attribute_demotion: float, intent: float | None = None
) -> np.ndarray | None:
    """How well each hit fits what the query asked for beyond its words: its price wish
    (price_fit) times what it states (stated_fit.py); None when it asked for neither."""
    if ctx.parsed is None:
        return None
    fit = price_fit(features, ctx.parsed.price_preference)
    stated = stated_fit(ctx, hits, attribute_demotion, intent)
    if stated is None or fit is None:
        return fit if stated is None else stated
    return fit * stated


def price_fit(features: np.ndarray, preference: str | None) -> np.ndarray | None:
    """1 + PRICE_PREFERENCE_WEIGHT x how near each row's price is to the end of its category's
    price range the query asked for ("low": the cheap end); 1 where the price or category is
    unknown; None when the query asked for no price."""
    if preference is None:
        return None
    percentile = features[:, PRICE_PERCENTILE].astype(np.float64)
    nearness = 1.0 - percentile if preference == LOW else percentile
    return 1.0 + PRICE_PREFERENCE_WEIGHT * np.nan_to_num(nearness, nan=0.0)


def relevant_media(features: np.ndarray) -> np.ndarray:
    """1.0 for the rows passing any MEDIA_RELEVANCE_FLOOR threshold, else 0.0 (NaN fails)."""
    passing = np.zeros(len(features), dtype=bool)
    for column, floor in MEDIA_FLOOR_COLUMNS:
        passing |= features[:, column] >= floor  # NaN compares False
    return passing.astype(np.float64)


def utility_depth(end: int) -> int:
    """How many of a type's ranked candidates get a utility: the page's reach, three times
    over. Past that a candidate's calibrated engagement is too low for any realistic value
    ratio to lift it onto the page (rank 60 vs 20: 0.52x, which a gmv_weight of 0.12 makes
    up only at a ~230x dearer item), and skipping them keeps the stage within its budget."""
    return max(UTILITY_MIN_DEPTH, 3 * end)


def ranked_boost_factors(ctx) -> dict[str, np.ndarray]:
    """doc_type -> the boost factor of each of its ranked candidates (those with features)."""
    return {
        doc_type: boost_factors(ctx.boost_rules, hits[: len(features)])
        for doc_type, hits in ctx.candidates.items()
        if (features := ctx.features.get(doc_type)) is not None
    }


def lifted_reach(factors: dict[str, np.ndarray]) -> int:
    """How many of a type's ranked candidates must get a utility for every one a boost rule
    lifts to compete for the page: the boost multiplies utility, so a lifted candidate past
    utility_depth (a merchandiser's brand the first stage ranked 150th) could never surface."""
    reach = 0
    for type_factors in factors.values():
        lifted = np.flatnonzero(type_factors > 1.0)
        if len(lifted):
            reach = max(reach, int(lifted[-1]) + 1)
    return reach


def exploration_seed(ctx) -> tuple[str, ...]:
    """Same query, filters, shopper and session -> the same draws (a reload or the next page
    shows the same choices); another session explores other documents. Without a session id
    the hour stands in for it. Filters count by the ones set, so a filter added to the API
    does not reshuffle every search's draws (adding `colour` did, through the dataclass repr)."""
    request = ctx.request
    session = request.session_id or timezone.now().strftime("%Y%m%d%H")
    return (request.query, repr(sorted(request.filters.chosen().items())), request.shopper_id, session)


def merge_sorted(candidates: dict[str, list[Hit]], sort: Sort) -> list[Hit]:
    """Each type's list is sorted already (SortResults); merge them by the same key."""
    return list(heapq.merge(*candidates.values(), key=sort_key(sort)))
