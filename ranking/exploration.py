"""Cold-start exploration: which new documents get the page's exploration slots, and what
that exposure bought.

A document with little traffic has no engagement evidence, so the rankers (which learn
from clicks) keep it low and it never earns any: the cold-start loop. Each page gives a
fixed budget of slots (`ExplorationConfig.positions`) to cold documents chosen by Thompson
sampling: each cold candidate's click rate is drawn from its Beta posterior, whose prior
is its category's smoothed CTR (`prior_strength` pseudo-examinations), and the highest
draws win. An unseen document in a category that engages well is thus explored often, and
a document whose first examinations brought no clicks fades out as its posterior
tightens, without a hand-tuned schedule. A relevance floor keeps exploration from ever
showing an off-topic item: only the ranked top of the candidates, and only those that
cover the query in their title or are semantically close to it.

Only documents among the given candidates can be chosen: the caller has already dropped
deleted items and ended live streams, and nothing is resurrected here.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from itertools import groupby
from operator import itemgetter

import numpy as np
from django.db.models import Count, QuerySet
from django.utils import timezone

from indexing.backends.base import Hit

from .features import FEATURE_INDEX
from .marketplace_config import ExplorationConfig
from .models import DocEngagement, Event, ImpressionLog, SearchLog
from .propensity import examination_propensity
from .stats import RankingStats, leaf_category

TITLE_COVERAGE = FEATURE_INDEX["title_coverage"]
DENSE_SIMILARITY = FEATURE_INDEX["dense_similarity"]
# numpy's beta needs both parameters > 0; a category CTR of exactly 0 with no clicks (or a
# prior strength of 0 for an unseen document) would otherwise make the draw fail.
MIN_BETA_PARAMETER = 1e-6
ENGAGEMENT_KINDS = (Event.Kind.CLICK, Event.Kind.ADD_TO_CART, Event.Kind.ORDER)


def exploration_rng(*parts: str) -> random.Random:
    """A generator seeded from `parts`: a str seed goes through SHA-512 (Python's hash() is
    salted per process), so the same query, filters, shopper and hour explore the same
    documents on every worker, while other shoppers or hours explore others. Python's own
    generator, not numpy's: a search draws a handful of Beta samples, and seeding a numpy
    Generator (SeedSequence, PCG64) cost ~100 us in the blend stage, the draws ~1 us each."""
    return random.Random("\x1f".join(parts))


def choose_explorations(
    hits: Sequence[Hit],
    features: np.ndarray,
    stats: RankingStats,
    config: ExplorationConfig,
    rng: random.Random,
    exclude: Collection[str] = (),
) -> list[int]:
    """Indexes into `hits` (one type's candidates in final ranker order; `features[i]` is
    hits[i]'s row) of the cold documents to explore, best first, at most one per
    exploration slot. Eligible: within the first `candidate_depth` rows, examined fewer
    than `cold_examinations` times, above the relevance floor (NaN fails) and not in
    `exclude` (documents already on the page above the slots). Ties in the sampled rate go
    to the better ranker position."""
    depth = min(config.candidate_depth, len(features), len(hits))
    if not config.positions or depth <= 0:
        return []
    top = features[:depth]
    relevant = (top[:, TITLE_COVERAGE] >= config.min_title_coverage) | (
        top[:, DENSE_SIMILARITY] >= config.min_dense_similarity
    )
    excluded = set(exclude)
    strength = config.prior_strength
    rows, draws = [], []
    for row in np.flatnonzero(relevant).tolist():
        hit = hits[row]
        if hit.id in excluded:
            continue
        seen, clicked = stats.counts_by_doc.get(hit.id, (0.0, 0))
        if seen >= config.cold_examinations:
            continue
        prior_clicks = stats.category_ctr(leaf_category(hit)) * strength
        rows.append(row)
        draws.append(
            rng.betavariate(
                max(prior_clicks + clicked, MIN_BETA_PARAMETER),
                max(strength - prior_clicks + max(seen - clicked, 0.0), MIN_BETA_PARAMETER),
            )
        )
    # `rows` ascend and the sort is stable: ties in the draws keep ranker order.
    best = sorted(range(len(rows)), key=lambda i: -draws[i])[: len(config.positions)]
    return [rows[i] for i in best]


@dataclass
class Engagement:
    """Impressions and what came of them. `examinations` sums each impression's examination
    propensity (ranking/propensity.py), so clicks / examinations is a click rate that
    compares impressions shown at different positions."""

    impressions: int = 0
    examinations: float = 0.0
    clicks: int = 0
    carts: int = 0
    orders: int = 0

    def add(self, position: int, kinds: Collection[str]) -> None:
        self.impressions += 1
        self.examinations += float(examination_propensity([position])[0])
        self.clicks += Event.Kind.CLICK in kinds
        self.carts += Event.Kind.ADD_TO_CART in kinds
        self.orders += Event.Kind.ORDER in kinds

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    @property
    def debiased_ctr(self) -> float | None:
        return self.clicks / self.examinations if self.examinations else None

    def as_dict(self) -> dict:
        return {**asdict(self), "ctr": self.ctr, "debiased_ctr": self.debiased_ctr}


@dataclass
class ExplorationReport:
    searches: int = 0
    impressions: int = 0
    # The impressions the exploration budget allowed on these pages: each search's
    # configured positions that fall within its logged page.
    budget_impressions: int = 0
    explored_searches: int = 0
    # Impressions at explored positions, and the other impressions of those same pages.
    explored: Engagement = field(default_factory=Engagement)
    control: Engagement = field(default_factory=Engagement)
    # Distinct documents shown in exploration slots, and how many of them now have at least
    # `cold_examinations` (DocEngagement): no longer cold.
    explored_documents: int = 0
    graduated_documents: int = 0

    @property
    def exploration_share(self) -> float | None:
        return self.explored.impressions / self.impressions if self.impressions else None

    @property
    def budget_share(self) -> float | None:
        return self.budget_impressions / self.impressions if self.impressions else None

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "explored": self.explored.as_dict(),
            "control": self.control.as_dict(),
            "exploration_share": self.exploration_share,
            "budget_share": self.budget_share,
        }


def recent_searches(days: float, include_simulated: bool = False) -> QuerySet[SearchLog]:
    searches = SearchLog.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
    return searches if include_simulated else searches.filter(is_simulated=False)


def exploration_report(searches: QuerySet[SearchLog], config: ExplorationConfig) -> ExplorationReport:
    """What exploration did on `searches` (e.g. `recent_searches(7)`, or one arm of an A/B
    simulation). `SearchLog.explored_positions` are 1-based positions within the page, so
    they are matched to the logged impressions counting from each search's first logged
    position (page 2 starts at page_size + 1). Engagement is joined by search and document."""
    searches = searches.order_by()
    logged = ImpressionLog.objects.filter(search__in=searches).order_by()
    report = ExplorationReport(searches=searches.count())
    page_lengths = logged.values("search_id").annotate(n=Count("id")).values_list("n", flat=True)
    for length in page_lengths.iterator():
        report.impressions += length
        report.budget_impressions += sum(position <= length for position in config.positions)

    explored_searches = searches.exclude(explored_positions=[])
    report.explored_searches = explored_searches.count()
    engaged = set(
        Event.objects.filter(search_id__in=explored_searches.values("search_id"), kind__in=ENGAGEMENT_KINDS)
        .values_list("search_id", "doc_id", "kind")
        .distinct()
    )
    rows = (
        logged.filter(search__in=explored_searches)
        .order_by("search_id", "position")
        .values_list("search_id", "position", "doc_id", "search__explored_positions")
    )
    explored_documents = set()
    for search_id, page in groupby(rows.iterator(), key=itemgetter(0)):
        page = list(page)
        first_position, explored_positions = page[0][1], page[0][3]
        explored = {first_position + position - 1 for position in explored_positions}
        for _, position, doc_id, _ in page:
            kinds = {kind for kind in ENGAGEMENT_KINDS if (search_id, doc_id, kind) in engaged}
            if position in explored:
                report.explored.add(position, kinds)
                explored_documents.add(doc_id)
            else:
                report.control.add(position, kinds)
    report.explored_documents = len(explored_documents)
    report.graduated_documents = DocEngagement.objects.filter(
        doc_id__in=explored_documents, examinations__gte=config.cold_examinations
    ).count()
    return report
