"""How a canary ranker does with real shoppers beside the promoted one.

A version that passed the offline gate can serve a share of shoppers first (`train_ranker
--canary 0.1`, or the admin's "start canary" action): the split is by shopper or session id
(registry.in_canary), so a shopper sees one version throughout, and every served search logs
the version that ordered it (SearchLog.model_version). This compares the two sides since the
canary started, on single-type pages of its type from shoppers with an id (a search without
one always gets the promoted version, so it would only dilute that side): searches, the share
with a click, an add-to-cart, an order, and revenue per search, with a 95% interval on the
differences in click-through and order rate. Simulated traffic is left out unless asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import RankerModel, SearchLog
from .query_report import CENTS, Outcomes, outcomes_by
from .registry import promoted

Z_95 = 1.96
FIRST_STAGE = "first stage"


@dataclass(frozen=True, kw_only=True)
class ArmOutcome(Outcomes):
    version: str  # "" = the first-stage order

    @property
    def label(self) -> str:
        return self.version or FIRST_STAGE

    @property
    def revenue_per_search(self) -> Decimal | None:
        return (self.revenue / self.searches).quantize(CENTS) if self.searches else None


@dataclass(frozen=True)
class Difference:
    """canary rate - promoted rate, with its 95% interval (normal approximation)."""

    value: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return "canary ahead"
        if self.high < 0:
            return "canary behind"
        return "no clear difference yet"


@dataclass(frozen=True)
class CanaryComparison:
    canary: ArmOutcome
    promoted: ArmOutcome
    ctr: Difference | None  # None until both sides have searches
    order_rate: Difference | None


def rate_difference(hits_a: int, n_a: int, hits_b: int, n_b: int) -> Difference | None:
    if not n_a or not n_b:
        return None
    p_a, p_b = hits_a / n_a, hits_b / n_b
    margin = Z_95 * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return Difference(p_a - p_b, p_a - p_b - margin, p_a - p_b + margin)


def compare_canary(canary: RankerModel, include_simulated: bool = False) -> CanaryComparison:
    incumbent = promoted(canary.doc_type)
    versions = (canary.version, incumbent.version if incumbent else "")
    searches = SearchLog.objects.filter(doc_type=canary.doc_type, model_version__in=versions).exclude(
        Q(shopper_id="") & Q(session_id="")
    )
    if canary.canary_started_at is not None:
        searches = searches.filter(created_at__gte=canary.canary_started_at)
    if not include_simulated:
        searches = searches.filter(is_simulated=False)
    rows = {row["model_version"]: row for row in outcomes_by(searches, "model_version")}
    arms = [
        ArmOutcome.counted(rows[version], version=version) if version in rows else ArmOutcome(version=version)
        for version in versions
    ]
    new, old = arms
    return CanaryComparison(
        canary=new,
        promoted=old,
        ctr=rate_difference(new.clicked, new.searches, old.clicked, old.searches),
        order_rate=rate_difference(new.ordered, new.searches, old.ordered, old.searches),
    )
