"""Calibration: each type's ranker orders its own candidates, but their scores are not
comparable across types (a lambdarank score is not a probability). The mixed row compares
them as P(engagement | examined) at the rank the type's ranker gave them, learned from
logged single-type searches: clicks per position-debiased impression at each rank (the
examination propensity removes position bias, so what is left is how engaging the type's
k-th best result is), smoothed towards a prior curve per type,
    prior(k) = first * k ** -decay.
With no traffic (a fresh install) the prior curves rank a type's first result above
another's tenth, and products above videos above live streams at equal rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from indexing.schema import DOC_TYPES

from .propensity import examination_propensity

MAX_RANK = 200
# P(click | examined) of the first result, and how fast it falls with rank, per type.
PRIOR_CURVES = {"product": (0.12, 0.6), "video": (0.08, 0.6), "live": (0.10, 0.6)}
PRIOR_STRENGTH = 200.0  # examinations
RANKS = np.arange(1, MAX_RANK + 1, dtype=np.float64)


def prior_curve(doc_type: str) -> np.ndarray:
    first, decay = PRIOR_CURVES.get(doc_type, PRIOR_CURVES["product"])
    return first * RANKS**-decay


@dataclass(frozen=True)
class EngagementCalibration:
    # doc_type -> P(click | examined) at ranks 1..MAX_RANK
    curves: dict[str, np.ndarray] = field(
        default_factory=lambda: {doc_type: prior_curve(doc_type) for doc_type in DOC_TYPES}
    )

    def probabilities(self, doc_type: str, count: int) -> np.ndarray:
        """P(engage | examined) for ranks 1..count (ranks past the table keep its last value)."""
        curve = self.curves.get(doc_type)
        if curve is None:
            curve = prior_curve(doc_type)
        if count <= len(curve):
            return curve[:count]
        return np.concatenate([curve, np.full(count - len(curve), curve[-1])])


def fit_calibration(rows: Iterable[tuple[str, int, int, int]]) -> EngagementCalibration:
    """rows: (doc_type, rank, impressions, clicks) from single-type searches."""
    examinations = {doc_type: np.zeros(MAX_RANK) for doc_type in DOC_TYPES}
    clicks = {doc_type: np.zeros(MAX_RANK) for doc_type in DOC_TYPES}
    for doc_type, rank, shown, clicked in rows:
        if doc_type in examinations and 1 <= rank <= MAX_RANK:
            examinations[doc_type][rank - 1] += shown * float(examination_propensity([rank])[0])
            clicks[doc_type][rank - 1] += clicked
    curves = {}
    for doc_type in DOC_TYPES:
        prior = prior_curve(doc_type)
        rate = (clicks[doc_type] + PRIOR_STRENGTH * prior) / (examinations[doc_type] + PRIOR_STRENGTH)
        # A rank's rate may not beat the one above it: noise, not signal, at these counts.
        curves[doc_type] = np.minimum.accumulate(rate)
    return EngagementCalibration(curves)


def ranked_single_type_searches(doc_types=DOC_TYPES):
    """Logged searches whose positions are their type's ranks: single-type searches served
    in ranked order. In a mixed row a position is not the type's rank, nor is it on a page
    exploration touched (a reshuffled page; a cold-start pick pushes every later document
    down). Reading those pages as ranked flattened the product curve to 0.39 at rank 1
    against 0.25 at rank 10 after simulated traffic whose pages were 30% reshuffled, so the
    GMV term outweighed rank."""
    from .models import SearchLog

    return SearchLog.objects.filter(doc_type__in=doc_types, explored_positions=[])


def load_calibration() -> EngagementCalibration:
    """From logged events of the ranked single-type searches."""
    from django.db.models import Count, F, Value
    from django.db.models.functions import Left, StrIndex

    from .models import Event

    events = (
        Event.objects.filter(
            search_id__in=ranked_single_type_searches().values("search_id"),
            kind__in=(Event.Kind.IMPRESSION, Event.Kind.CLICK),
            position__lte=MAX_RANK,
        )
        .annotate(doc_type=Left("doc_id", StrIndex(F("doc_id"), Value(":")) - 1))
        .values_list("doc_type", "position", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[str, int], list[int]] = {}
    for doc_type, position, kind, n in events:
        entry = counts.setdefault((doc_type, position), [0, 0])
        entry[kind == Event.Kind.CLICK] += n
    return fit_calibration(
        (doc_type, rank, shown, clicked) for (doc_type, rank), (shown, clicked) in counts.items()
    )
