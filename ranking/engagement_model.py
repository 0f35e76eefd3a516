"""Learned engagement: P(engage | examined) of each candidate from what the ranker saw of
it, not from its rank alone.

The rank curve (ranking/calibration.py) gives every type's k-th result the same engagement
whatever it is, so the GMV term may lift a dearer item over its neighbour whenever their
values differ, even when the neighbour matches the query far better: in first-stage order
those swaps cost the marketplace arm its CTR in simulate_ab (DEVELOPERS-NOTES.md). This
model reads the neighbours' match evidence (title coverage, dense similarity, the lexical
score against the query's best...) alongside the rank, so value moves happen between items a
shopper would engage with alike. The objective (ranking/objective.py) keeps its estimates in
the ranker's order: the model says how far apart neighbours are, not which comes first.

It is a logistic regression (scikit-learn) fitted by `refresh_engagement` on the logged
impressions of single-type searches served in ranked order, per type. Clicks are
position-biased: a click counts as one examined trial that engaged, a shown-but-not-clicked
hit as P(examined | position, not clicked) of a trial that did not (sample weights; the
position-based click model of ranking/propensity.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import expit

from .features import FEATURE_INDEX
from .propensity import examination_propensity

ENGAGEMENT_FEATURES = (
    "title_coverage",
    "all_terms_in_title",
    "phrase_in_title",
    "field_coverage",
    "dense_similarity",
    "dense_similarity_gap",
    "lexical_score_ratio",
    "category_intent",
    "accessory_for_query",
)
INPUT_NAMES = ("log_rank", *ENGAGEMENT_FEATURES)
COLUMNS = np.array([FEATURE_INDEX[name] for name in ENGAGEMENT_FEATURES])
# -ln(rank) for ranks 1..1000: serving slices it instead of computing it per search.
NEG_LOG_RANKS = -np.log(np.arange(1, 1001, dtype=np.float64))
# Below this many clicks of a type the rank curve stands: a handful of clicks fits noise.
MIN_CLICKS = 200
# The most recent impressions a fit reads per type: bounds the refresh's time and memory,
# and lets the model follow a changing catalog.
MAX_IMPRESSIONS = 100_000
EM_PASSES = 4


def match_evidence(features: np.ndarray) -> np.ndarray:
    """(n, len(ENGAGEMENT_FEATURES)): each row's match features (a missing value, NaN, is no
    evidence: 0)."""
    matches = features[:, COLUMNS]  # a copy: fancy indexing
    np.nan_to_num(matches, copy=False)
    return matches


def design_matrix(features: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """(n, len(INPUT_NAMES)): -ln(rank in the type's order) then the match evidence."""
    return np.column_stack([-np.log(np.asarray(ranks, dtype=np.float64)), match_evidence(features)])


@dataclass(frozen=True)
class EngagementModel:
    coefficients: tuple[float, ...]  # one per INPUT_NAMES
    intercept: float

    @cached_property
    def match_weights(self) -> np.ndarray:
        return np.array(self.coefficients[1:], dtype=np.float32)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(engage | examined) of rows in the type's ranked order (row i at rank i + 1):
        design_matrix's product with the coefficients, in as few numpy calls as the blend
        stage's budget wants (each costs several times its micro-benchmark mid-search)."""
        count = len(features)
        log_ranks = NEG_LOG_RANKS[:count] if count <= len(NEG_LOG_RANKS) else -np.log(np.arange(1, count + 1))
        return expit(
            match_evidence(features) @ self.match_weights
            + (self.coefficients[0] * log_ranks + self.intercept)
        )


def fit_engagement_model(
    features: np.ndarray, positions: Sequence[int], clicked: Sequence[bool]
) -> EngagementModel | None:
    """Rows: a logged hit's feature vector, its position on a ranked single-type page and
    whether it was clicked. None when there are too few clicks to learn from."""
    from sklearn.linear_model import LogisticRegression

    clicked = np.asarray(clicked, dtype=bool)
    if clicked.sum() < MIN_CLICKS or clicked.all():
        return None
    examined = examination_propensity(np.asarray(positions))
    inputs = design_matrix(features, positions)
    # P(examined | not clicked) = p (1 - c) / (1 - p c): the first pass takes c as 0, each
    # later one the previous fit's c (regression EM; without it the rank keeps a weight of
    # 0.18 on clicks that do not depend on it at all, and of 1.17 with no weighting).
    engage = np.zeros(len(clicked))
    for _ in range(EM_PASSES):
        weights = np.where(clicked, 1.0, examined * (1 - engage) / (1 - examined * engage))
        fitted = LogisticRegression(max_iter=1000).fit(inputs, clicked.astype(int), sample_weight=weights)
        engage = fitted.predict_proba(inputs)[:, 1]
    return EngagementModel(tuple(float(c) for c in fitted.coef_[0]), float(fitted.intercept_[0]))


def logged_training_rows(doc_type: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, positions, clicked) of the most recent MAX_IMPRESSIONS logged impressions
    of `doc_type` on ranked single-type pages, with the current feature list."""
    from .calibration import ranked_single_type_searches
    from .features import FEATURE_NAMES, FEATURE_VERSION, decode_vector
    from .models import Event, ImpressionLog

    searches = ranked_single_type_searches([doc_type])
    impressions = (
        ImpressionLog.objects.filter(search__in=searches, feature_version=FEATURE_VERSION)
        .order_by("-search__created_at", "position")
        .values_list("search_id", "position", "doc_id", "features", "search__created_at")[:MAX_IMPRESSIONS]
    )
    keys, vectors, positions, oldest = [], [], [], None
    for search_id, position, doc_id, vector, created_at in impressions.iterator(chunk_size=5000):
        keys.append((search_id, doc_id))
        vectors.append(decode_vector(vector))
        positions.append(position)
        oldest = created_at
    if not keys:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32), np.zeros(0, np.int64), np.zeros(0, bool)
    # The clicks of the searches read, not of the whole log.
    read = searches.filter(created_at__gte=oldest).values("search_id")
    clicks = set(
        Event.objects.filter(kind=Event.Kind.CLICK, search_id__in=read).values_list("search_id", "doc_id")
    )
    clicked = np.array([key in clicks for key in keys], dtype=bool)
    return np.stack(vectors), np.array(positions, dtype=np.int64), clicked


def refit_engagement_models() -> dict:
    """Fit each type's model on its logged impressions and store it: doc_type -> the stored
    EngagementFit. A type with too few clicks keeps none (serving then uses the rank curve)."""
    from indexing.schema import DOC_TYPES

    from .features import FEATURE_VERSION
    from .models import EngagementFit

    fitted = {}
    for doc_type in DOC_TYPES:
        features, positions, clicked = logged_training_rows(doc_type)
        model = fit_engagement_model(features, positions, clicked)
        if model is None:
            EngagementFit.objects.filter(doc_type=doc_type).delete()
            continue
        fitted[doc_type], _ = EngagementFit.objects.update_or_create(
            doc_type=doc_type,
            defaults={
                "feature_version": FEATURE_VERSION,
                "inputs": list(INPUT_NAMES),
                "coefficients": list(model.coefficients),
                "intercept": model.intercept,
                "impressions": len(clicked),
                "clicks": int(clicked.sum()),
            },
        )
    return fitted


def load_engagement_models() -> dict[str, EngagementModel]:
    """doc_type -> the stored model, when it was fitted on the current feature list."""
    from .features import FEATURE_VERSION
    from .models import EngagementFit

    fits = EngagementFit.objects.filter(feature_version=FEATURE_VERSION)
    return {
        fit.doc_type: EngagementModel(tuple(fit.coefficients), fit.intercept)
        for fit in fits
        if fit.inputs == list(INPUT_NAMES)
    }
