"""How a canary ranker does with real shoppers beside the promoted one.

A version that passed the offline gate can serve a share of shoppers first (`train_ranker
--canary 0.1`, or the admin's "start canary" action): the split is by shopper or session id
(registry.in_canary), so a shopper sees one version throughout, and every served search logs
the version that ordered it (SearchLog.model_version). This compares the two sides since the
canary started, on single-type pages of its type from shoppers with an id (a search without
one always gets the promoted version, so it would only dilute that side): searches, the share
with a click, an add-to-cart, an order, and revenue per search, with a 95% interval on the
differences in click-through and order rate. Simulated traffic is left out unless asked for.

The interval holds however often it is looked at. The admin shows it whenever the page is
opened, and a person may promote at the first "canary ahead": a fixed-sample interval
(+/- 1.96 standard errors) checked daily calls a tie "ahead" far more often than one time in
40. So the margin is Robbins' normal-mixture boundary, the asymptotic confidence sequence of
Waudby-Smith et al. ("Time-uniform central limit theory and asymptotic confidence
sequences", 2024): with probability 95% the true difference stays inside the interval at
every count of searches at once. The price is width: ~3.0 standard errors at
PLANNED_SEARCHES, 3.6 at a hundred times that, 3.9 at a tenth.

Because it holds at any time, a guard may act on it unattended: `guard_canary` (the Celery
task `ranking.guard_canaries`, on a schedule) stops a canary whose click-through or order
rate is clearly behind (and neither clearly ahead), so shoppers stop paying for a worse
version before anyone looks. Promoting stays a person's call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import RankerModel, SearchLog
from .query_report import CENTS, Outcomes, outcomes_by
from .registry import promoted, stop_canary

CONFIDENCE_ERROR = 0.05  # the chance the true difference ever leaves the interval
# The number of searches (both sides) where the interval is narrowest relative to the
# standard error: a 10% canary meets it in days on a busy marketplace.
PLANNED_SEARCHES = 10_000
FIRST_STAGE = "first stage"
AHEAD, BEHIND = "canary ahead", "canary behind"


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
    """canary rate - promoted rate, with its time-uniform 95% interval (module docstring)."""

    value: float
    low: float
    high: float

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return AHEAD
        if self.high < 0:
            return BEHIND
        return "no clear difference yet"

    def __str__(self) -> str:
        return f"{points(self.value)} points, 95% interval {points(self.low)} to {points(self.high)}"


def points(difference: float) -> str:
    return f"{100 * difference:+.1f}"


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
    margin = time_uniform_critical_value(n_a + n_b) * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return Difference(p_a - p_b, p_a - p_b - margin, p_a - p_b + margin)


def time_uniform_critical_value(searches: int) -> float:
    """Standard errors from the estimate to the edge of the confidence sequence after
    `searches` observations: the normal-mixture margin sqrt(2 (t rho^2 + 1) / (t^2 rho^2)
    log(sqrt(t rho^2 + 1) / alpha)) per unit variance, times sqrt(t), with rho^2 the paper's
    closed-form choice that makes it tightest at PLANNED_SEARCHES."""
    alpha = CONFIDENCE_ERROR
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / PLANNED_SEARCHES
    scaled = searches * rho2
    return math.sqrt(2 * (scaled + 1) / scaled * math.log(math.sqrt(scaled + 1) / alpha))


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


def guard_canary(canary: RankerModel) -> str | None:
    """Stop `canary` when its click-through or order rate is clearly behind the promoted
    version's and neither is clearly ahead (real shoppers only): fewer clicks but more orders
    is a trade-off for a person to weigh, not a failure. The reason, or None when it keeps
    serving."""
    comparison = compare_canary(canary)
    differences = [
        (name, difference)
        for name, difference in (("click-through", comparison.ctr), ("order rate", comparison.order_rate))
        if difference is not None
    ]
    behind = [
        f"{name} behind: {difference}" for name, difference in differences if difference.verdict == BEHIND
    ]
    if not behind or any(difference.verdict == AHEAD for _, difference in differences):
        return None
    reason = (
        f"stopped by the canary guard: {'; '.join(behind)} "
        f"({comparison.canary.searches} vs {comparison.promoted.searches} searches)"
    )
    stop_canary(canary, reason)
    return reason
