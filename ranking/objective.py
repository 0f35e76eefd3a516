"""The marketplace objective: every candidate's expected utility for the slot it could take,

    utility = P(engage | examined) x (1 + personal_weight x affinity)
              x (value / the query's median value) ** gmv_weight
              x trust factor

- P(engage | examined) comes from the type's rank and the candidate's match evidence, learned
  from logged clicks (ranking/engagement_model.py) and kept in the ranker's order, or from
  the rank alone until a type has enough traffic (ranking/calibration.py), so products,
  videos and live streams, each ordered by its own ranker, are compared on one scale.
- value is what an engagement is worth: for a product its expected order value (smoothed
  conversion x price); for a video or a live stream its own engagement value plus the share
  of engagements that go on to a tagged product times those products' expected order value.
- gmv_weight trades relevance for GMV (0: engagement alone); dividing by the query's median
  value makes it scale-free (a $5 and a $500 query trade off alike).
- Shops below the trust floor are multiplied by trust_demotion: demoted, never hidden.
- Products out of stock are multiplied by out_of_stock_demotion: a shopper can look, not buy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression

from indexing.backends.base import Hit

from .marketplace_config import ObjectiveConfig
from .stats import RankingStats

ENGAGEMENT_VALUE = {"video": "video_engagement_value", "live": "live_engagement_value"}
OUT_OF_STOCK = "false"  # a product's indexed `in_stock` keyword (indexing/documents.py)


@dataclass(frozen=True)
class TypeUtilities:
    engagement: np.ndarray  # P(engage | examined), personal lift included
    value: np.ndarray  # currency units per engagement
    demoted: np.ndarray  # bool: the shop's trust score is below the floor
    unavailable: np.ndarray  # bool: a product out of stock


def type_utilities(
    doc_type: str,
    hits: Sequence[Hit],
    stats: RankingStats,
    config: ObjectiveConfig,
    affinity: np.ndarray | None = None,
    features: np.ndarray | None = None,
    query_fit: np.ndarray | None = None,
) -> TypeUtilities:
    """`hits` in the type's ranked order; `affinity[i]` (0..1) how well hits[i] fits the
    shopper's interests (None: no profile); `features[i]` hits[i]'s feature vector (None:
    P(engage) from the rank alone); `query_fit[i]` (> 0) how well it fits what the query asked
    for beyond its words, a price ("cheap ...") or a size ("55 inch"): searchapp/blend.py;
    None: the query asked for neither."""
    engagement = engagement_probabilities(doc_type, len(hits), stats, config, features)
    if affinity is not None and config.personal_weight:
        engagement *= 1.0 + config.personal_weight * affinity
    if query_fit is not None:
        engagement *= query_fit
    economics = np.array([stats.doc_economics(hit) for hit in hits], dtype=np.float64).reshape(len(hits), 2)
    order_value, trust = economics[:, 0], economics[:, 1]
    if doc_type == "product":
        value = order_value
    else:
        # An engagement with a video or live stream is worth something of itself, and some
        # of them lead on to a tagged product.
        value = getattr(config, ENGAGEMENT_VALUE[doc_type]) + config.tagged_click_through * order_value
    demoted = trust < config.trust_floor  # NaN (no shop) compares False: not demoted
    unavailable = np.array([OUT_OF_STOCK in hit.keywords.get("in_stock", ()) for hit in hits], dtype=bool)
    return TypeUtilities(engagement, value, demoted, unavailable)


def engagement_probabilities(
    doc_type: str, count: int, stats: RankingStats, config: ObjectiveConfig, features: np.ndarray | None
) -> np.ndarray:
    """P(engage | examined) of a type's first `count` ranked candidates: the rank curve's,
    or, when the type has a learned model (ranking/engagement_model.py) and the config uses
    it, the model's made non-increasing down the ranked order (the closest such sequence,
    pool-adjacent-violators) and weighed with the rank curve (config.rank_evidence). The
    ranker keeps the order; the model says how far apart neighbours are, so value lifts an
    item only over neighbours it matches about as well. Used raw, the model's own order
    overrode the promoted ranker's: NDCG@10 -3.8% in simulate_ab (DEVELOPERS-NOTES.md)."""
    model = stats.engagement_models.get(doc_type) if config.learned_engagement else None
    curve = stats.calibration.probabilities(doc_type, count)
    if model is not None and features is not None and len(features) == count:
        learned = isotonic_regression(model.probabilities(features), increasing=False).x
        # A weighted geometric mean: both are non-increasing down the ranker's order, so
        # the result is too, and ties the model pooled keep part of the curve's gaps.
        return learned ** (1.0 - config.rank_evidence) * curve**config.rank_evidence
    return curve.copy()


def combine(parts: Mapping[str, TypeUtilities], config: ObjectiveConfig) -> dict[str, np.ndarray]:
    """doc_type -> utility per hit, with one median value over every type's candidates."""
    values = np.concatenate([part.value for part in parts.values()]) if parts else np.array([])
    positive = values[values > 0]
    median = float(np.median(positive)) if len(positive) else 1.0
    utilities = {}
    for doc_type, part in parts.items():
        relative = np.maximum(part.value, 1e-6) / median
        utility = part.engagement * relative**config.gmv_weight
        utility = np.where(part.demoted, utility * config.trust_demotion, utility)
        utilities[doc_type] = np.where(part.unavailable, utility * config.out_of_stock_demotion, utility)
    return utilities
