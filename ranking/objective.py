"""The marketplace objective: every candidate's expected utility for the slot it could take,

    utility = P(engage | examined) x (1 + personal_weight x affinity)
              x (value / the query's median value) ** gmv_weight
              x trust factor

- P(engage | examined) comes from the type's rank (ranking/calibration.py), so products,
  videos and live streams, each ordered by its own ranker, are compared on one scale.
- value is what an engagement is worth: for a product its expected order value (smoothed
  conversion x price); for a video or a live stream its own engagement value plus the share
  of engagements that go on to a tagged product times those products' expected order value.
- gmv_weight trades relevance for GMV (0: engagement alone); dividing by the query's median
  value makes it scale-free (a $5 and a $500 query trade off alike).
- Shops below the trust floor are multiplied by trust_demotion: demoted, never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from indexing.backends.base import Hit

from .marketplace_config import ObjectiveConfig
from .stats import RankingStats

ENGAGEMENT_VALUE = {"video": "video_engagement_value", "live": "live_engagement_value"}


@dataclass(frozen=True)
class TypeUtilities:
    engagement: np.ndarray  # P(engage | examined), personal lift included
    value: np.ndarray  # currency units per engagement
    demoted: np.ndarray  # bool: the shop's trust score is below the floor


def type_utilities(
    doc_type: str,
    hits: Sequence[Hit],
    stats: RankingStats,
    config: ObjectiveConfig,
    affinity: np.ndarray | None = None,
) -> TypeUtilities:
    """`hits` in the type's ranked order; `affinity[i]` (0..1) how well hits[i] fits the
    shopper's interests (None: no profile)."""
    engagement = stats.calibration.probabilities(doc_type, len(hits)).copy()
    if affinity is not None and config.personal_weight:
        engagement *= 1.0 + config.personal_weight * affinity
    economics = np.array([stats.doc_economics(hit) for hit in hits], dtype=np.float64).reshape(len(hits), 2)
    order_value, trust = economics[:, 0], economics[:, 1]
    if doc_type == "product":
        value = order_value
    else:
        # An engagement with a video or live stream is worth something of itself, and some
        # of them lead on to a tagged product.
        value = getattr(config, ENGAGEMENT_VALUE[doc_type]) + config.tagged_click_through * order_value
    demoted = trust < config.trust_floor  # NaN (no shop) compares False: not demoted
    return TypeUtilities(engagement, value, demoted)


def combine(parts: Mapping[str, TypeUtilities], config: ObjectiveConfig) -> dict[str, np.ndarray]:
    """doc_type -> utility per hit, with one median value over every type's candidates."""
    values = np.concatenate([part.value for part in parts.values()]) if parts else np.array([])
    positive = values[values > 0]
    median = float(np.median(positive)) if len(positive) else 1.0
    utilities = {}
    for doc_type, part in parts.items():
        relative = np.maximum(part.value, 1e-6) / median
        utility = part.engagement * relative**config.gmv_weight
        utilities[doc_type] = np.where(part.demoted, utility * config.trust_demotion, utility)
    return utilities
