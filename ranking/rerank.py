"""The final ranking stage: features for the first stage's top candidates, then the
promoted LightGBM model orders them. Without a usable model the first-stage order stands
(see registry.ranker_health)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from indexing.backends.base import Hit

from .features import QueryFeatures, compute_features
from .registry import LoadedRanker, serving_ranker
from .stats import get_ranking_stats


@dataclass
class RankedCandidates:
    hits: list[Hit]  # final order
    features: np.ndarray  # row i = hits[i]'s vector: what feature logging stores
    scores: np.ndarray | None  # model scores in final order; None when the first stage stands
    model_version: str  # "" when the first stage stands


def rank_candidates(
    query: QueryFeatures,
    hits: Sequence[Hit],
    now: float | None = None,
    ranker: LoadedRanker | None = None,
    similarity: Sequence[float] | None = None,
    use_model: bool = True,
    unit: str = "",
    fit: Callable[[], np.ndarray | None] | None = None,
) -> RankedCandidates:
    """`hits` in first-stage order (their features depend on it: first_stage_rank); `ranker`
    defaults to the served (promoted) model; `use_model=False` keeps the first-stage order
    (training computes the features of the candidates exactly as serving does); `unit` the
    shopper or session id a canary version splits traffic by (registry.serving_ranker);
    `fit()[i]` (> 0; None: nothing stated; called only when a model orders them) how well
    hits[i] fits what the query states beyond its words, which multiplies the odds the
    model's score stands for (a LambdaRank score is a log-odds of coming first): trained on
    judgments of queries that rarely state a size, a colour or a feature, the model alone
    lifted VGA cables over monitors for "vga monitor"."""
    now = time.time() if now is None else now
    features = compute_features(query, hits, get_ranking_stats(), now, similarity)
    if use_model and hits:
        ranker = ranker or serving_ranker(hits[0].doc_type, unit)
    if not use_model or ranker is None or not hits:
        return RankedCandidates(list(hits), features, None, "")
    scores = ranker.predict(features)
    factors = fit() if fit is not None else None
    if factors is not None:
        scores = scores + np.log(factors)
    # Stable: equal scores keep the first-stage order.
    order = np.argsort(-scores, kind="stable")
    return RankedCandidates([hits[i] for i in order], features[order], scores[order], ranker.version)
