"""A/B harness for the marketplace ranking layer, on SIMULATED shoppers (`manage.py
simulate_ab`): two MarketplaceConfigs serve the same seeded traffic (ranking/simulation.py),
each from the same starting state, and their outcomes are compared with paired bootstrap
confidence intervals.

Same starting state: each arm runs inside a database transaction rolled back at its end,
with the process caches (ranking stats, the Django cache, which holds the cached profiles)
reset around it, so arm B sees none of arm A's searches, events or profiles. Within an arm
the learning loop runs: events go through the `ranking.ingest_events` task after every
search, which updates the shoppers' profiles as in production (tasks run in this process
during an arm, so their writes stay inside its transaction).

Metrics are ratios of totals over the sessions (GMV per search = all GMV / all searches),
so one session is the resampling unit: a session's searches share a shopper and are not
independent. The same sessions are seen by both arms, so differences are bootstrapped
paired by session; NDCG@10 is paired by judged query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import transaction
from scipy.stats import bootstrap

from searchapp.management.commands.evaluate import Command as EvaluateCommand
from searchapp.marketplace_settings import load_marketplace_config
from searchapp.pipeline import PipelineConfig, SearchPipeline

from . import tasks
from .feature_log import write_served_search
from .marketplace_config import MarketplaceConfig
from .simulation import (
    ClickModel,
    FunnelSearch,
    HiddenRelevance,
    SearchFn,
    SimulatedShopper,
    SimulationReport,
    TrafficSimulator,
)
from .stats import get_ranking_stats, reset_ranking_stats

ARM_PRESETS: dict[str, Callable[[], MarketplaceConfig]] = {
    "relevance": MarketplaceConfig.relevance_only,
    # What merchandisers saved in the admin (the defaults without a saved row).
    "marketplace": load_marketplace_config,
}
CONFIDENCE = 0.95
NDCG_K = 10
# The bar: B's NDCG@10 may be at most this much (relative) below A's.
MAX_NDCG_DROP = 0.02
# Resamples per bootstrap batch: bounds memory (columns x batch x sessions floats).
BOOTSTRAP_BATCH = 50

# Columns of the per-session traffic matrix; impressions per shop follow them.
SEARCHES, IMPRESSIONS, CLICKS, ORDERS, GMV, COLD, EXPLORED, BUDGET, EXPECTED_CLICKS, EXPECTED_GMV = range(10)
SHOPS = 10
# Columns of the per-query relevance matrix.
NDCG, NDCG_CONDENSED, QUERIES = range(3)


def gini(values: np.ndarray) -> np.ndarray:
    """Gini coefficient along axis 0 (0: all equal; (n - 1) / n: one takes everything;
    0 when all are zero): (n + 1 - 2 * sum_i (n + 1 - i) x_(i) / sum x) / n, x ascending."""
    values = np.sort(np.asarray(values, dtype=np.float64), axis=0)
    n = values.shape[0]
    weights = (n - np.arange(n)).reshape((n,) + (1,) * (values.ndim - 1))
    total = values.sum(axis=0)
    weighted = np.divide((weights * values).sum(axis=0), total, out=np.zeros_like(total), where=total > 0)
    return np.where(total > 0, (n + 1 - 2 * weighted) / n, 0.0)


def ratio(numerator, denominator) -> np.ndarray:
    numerator, denominator = np.asarray(numerator, np.float64), np.asarray(denominator, np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


@dataclass(frozen=True)
class Metric:
    """`value(totals)` of the sums of the matrix rows `rows` (totals[i]: one total, or one
    per resample); resampling only the rows a metric reads keeps the bootstrap cheap."""

    rows: list[int] | slice
    value: Callable[[np.ndarray], np.ndarray]


def ratio_of(numerator: int, denominator: int) -> Metric:
    return Metric([numerator, denominator], lambda totals: ratio(totals[0], totals[1]))


TRAFFIC_METRICS = {
    "gmv_per_search": ratio_of(GMV, SEARCHES),
    "ctr": ratio_of(CLICKS, IMPRESSIONS),
    # The click model's expectations for the pages shown (simulation.SearchOutcome): the
    # same quantities as the two above without the dice's noise.
    "expected_gmv_per_search": ratio_of(EXPECTED_GMV, SEARCHES),
    "expected_ctr": ratio_of(EXPECTED_CLICKS, IMPRESSIONS),
    "orders_per_search": ratio_of(ORDERS, SEARCHES),
    "cold_impression_share": ratio_of(COLD, IMPRESSIONS),
    "explored_impression_share": ratio_of(EXPLORED, IMPRESSIONS),
    "exploration_budget_share": ratio_of(BUDGET, IMPRESSIONS),
    "seller_gini": Metric(slice(SHOPS, None), gini),
}
RELEVANCE_METRICS = {
    f"ndcg@{NDCG_K}": ratio_of(NDCG, QUERIES),
    f"ndcg@{NDCG_K}_condensed": ratio_of(NDCG_CONDENSED, QUERIES),
}


def of_totals(metric: Callable[[np.ndarray], np.ndarray]):
    """A bootstrap statistic: `metric` of the column sums of each (resampled) sample."""

    def statistic(*samples, axis=-1):
        totals = [np.sum(sample, axis=axis) for sample in samples]
        return metric(*totals)

    return statistic


def bootstrap_ci(
    samples: Sequence[np.ndarray],
    metric: Callable[..., np.ndarray],
    seed: int,
    resamples: int = 2000,
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of `metric(*column totals)` over the samples'
    units (the last axis: sessions or queries), resampled together when there are two
    (paired: the same units in both arms)."""
    if min(sample.shape[-1] for sample in samples) < 2:
        return (float("nan"), float("nan"))
    result = bootstrap(
        tuple(samples),
        of_totals(metric),
        paired=len(samples) > 1,
        vectorized=True,
        axis=-1,
        n_resamples=resamples,
        batch=BOOTSTRAP_BATCH,
        confidence_level=CONFIDENCE,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


@dataclass(frozen=True)
class Comparison:
    """One metric in both arms, B - A, and their 95% intervals."""

    a: float
    b: float
    diff: float
    a_ci: tuple[float, float]
    b_ci: tuple[float, float]
    diff_ci: tuple[float, float]


def compare(a: np.ndarray, b: np.ndarray, metric: Metric, seed: int, resamples: int) -> Comparison:
    a, b, value = a[metric.rows], b[metric.rows], metric.value
    value_a, value_b = float(value(a.sum(axis=-1))), float(value(b.sum(axis=-1)))
    return Comparison(
        a=value_a,
        b=value_b,
        diff=value_b - value_a,
        a_ci=bootstrap_ci([a], value, seed, resamples),
        b_ci=bootstrap_ci([b], value, seed, resamples),
        diff_ci=bootstrap_ci([a, b], lambda ta, tb: value(tb) - value(ta), seed, resamples),
    )


@dataclass
class ArmRun:
    """What one arm served: the simulated traffic, the documents that were cold when it
    started, and its relevance per judged query ((3, queries): NDCG_* rows)."""

    name: str
    config: MarketplaceConfig
    traffic: SimulationReport
    cold: set[str]
    relevance: np.ndarray


def traffic_matrix(run: ArmRun, sessions: int, shops: Sequence[str]) -> np.ndarray:
    """(columns, sessions): the arm's totals per session (see the column constants)."""
    matrix = np.zeros((SHOPS + len(shops), sessions))
    shop_column = {shop: SHOPS + i for i, shop in enumerate(shops)}
    positions = run.config.exploration.positions
    for outcome in run.traffic.outcomes:
        column, served = matrix[:, outcome.session], outcome.served
        shown = len(served.doc_ids)
        column[SEARCHES] += 1
        column[IMPRESSIONS] += shown
        column[CLICKS] += outcome.clicks
        column[ORDERS] += outcome.orders
        column[GMV] += outcome.gmv
        column[EXPECTED_CLICKS] += outcome.expected_clicks
        column[EXPECTED_GMV] += outcome.expected_gmv
        column[COLD] += sum(doc_id in run.cold for doc_id in served.doc_ids)
        column[EXPLORED] += len(served.explored_positions)
        # The budget: the exploration slots that fall within the page shown.
        column[BUDGET] += sum(position <= shown for position in positions)
        for shop in served.shops:
            column[shop_column[shop]] += 1
    return matrix


@dataclass
class ABReport:
    arms: dict[str, str]  # "a"/"b" -> the arm's name (preset and overrides)
    configs: dict[str, dict]
    sessions: int
    searches: dict[str, int]
    metrics: dict[str, Comparison] = field(default_factory=dict)
    verdicts: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> dict:
        """The last output line: each metric's A, B and B - A, and the verdicts."""
        return {
            "sessions": self.sessions,
            **{
                name: {"a": round(m.a, 6), "b": round(m.b, 6), "diff": round(m.diff, 6)}
                for name, m in self.metrics.items()
            },
            "verdicts": self.verdicts,
        }


def verdicts(metrics: Mapping[str, Comparison]) -> dict[str, bool]:
    """The issue's acceptance criteria. "Up"/"down" claims need the 95% interval of B - A
    to exclude 0; "not down" fails only on a significant drop; the NDCG bar and the budget
    are checked on the point estimates (NDCG is measured on every judged query, and the
    exploration share cannot be noisy beyond the slots it was given). GMV and CTR are judged
    on their expected values for the pages shown: the same quantities, but the dice's noise
    (realised GMV per search swung by +-5 between seeds) hid effects of +-10%."""
    ndcg = metrics[f"ndcg@{NDCG_K}"]
    return {
        "gmv_per_search_up": metrics["expected_gmv_per_search"].diff_ci[0] > 0,
        "ctr_not_down": metrics["expected_ctr"].diff_ci[1] >= 0,
        f"ndcg@{NDCG_K}_drop_within_{MAX_NDCG_DROP:.0%}": ndcg.b >= ndcg.a * (1 - MAX_NDCG_DROP),
        "exploration_within_budget": metrics["explored_impression_share"].b
        <= metrics["exploration_budget_share"].b,
        "seller_gini_down": metrics["seller_gini"].diff_ci[1] < 0,
    }


def reset_process_state() -> None:
    """Forget what a previous arm left in this process (stats, cached query results and
    profiles); the database is the transaction's business."""
    reset_ranking_stats()
    cache.clear()


@contextmanager
def tasks_in_process():
    """Run Celery tasks eagerly, in this process, even with a broker configured: the
    ingestion task and the profile update it queues then write inside the arm's
    transaction (a worker would commit them for good, and arm B would see them)."""
    conf = tasks.ingest_events.app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def ingest(batch: list[dict]) -> int:
    """Events as production ingests them: through the `ranking.ingest_events` task."""
    return tasks.ingest_events.delay(batch).get()["inserted"]


def relevance_matrix(pipeline: SearchPipeline, ratings: Mapping[str, Mapping[str, int]]) -> np.ndarray:
    """NDCG@10 (and condensed) per judged query, as `manage.py evaluate` runs them."""
    per_query = EvaluateCommand().run_queries(pipeline, ratings, frozenset(), NDCG_K)
    rows = [(m.ndcg, m.ndcg_condensed, 1.0) for m in per_query.values()]
    return np.array(rows, dtype=np.float64).reshape(-1, 3).T


class ABTest:
    """Runs two arms over the same SIMULATED traffic. `search_factory(config)` builds an
    arm's search function (by default the real funnel with that MarketplaceConfig)."""

    def __init__(
        self,
        queries: Sequence[str],
        shoppers: Sequence[SimulatedShopper],
        relevance: HiddenRelevance,
        ratings: Mapping[str, Mapping[str, int]],
        seed: int,
        click_model: ClickModel | None = None,
        search_factory: Callable[[MarketplaceConfig], SearchFn] | None = None,
        resamples: int = 2000,
        interest_share: float = 0.5,
    ):
        self.queries = queries
        self.shoppers = shoppers
        self.relevance = relevance
        self.ratings = ratings
        self.seed = seed
        self.click_model = click_model or ClickModel()
        self.search_factory = search_factory or self.funnel_search
        self.resamples = resamples
        self.interest_share = interest_share

    @staticmethod
    def pipeline(config: MarketplaceConfig) -> SearchPipeline:
        return SearchPipeline(config=PipelineConfig.from_settings(marketplace=config))

    def funnel_search(self, config: MarketplaceConfig) -> SearchFn:
        return FunnelSearch(
            self.click_model.page_size, pipeline=self.pipeline(config), log=write_served_search
        )

    def run_arm(
        self,
        name: str,
        config: MarketplaceConfig,
        sessions: int,
        on_session: Callable[[int, int], None] | None = None,
    ) -> ArmRun:
        reset_process_state()
        try:
            with tasks_in_process(), transaction.atomic():
                relevance = (
                    relevance_matrix(self.pipeline(config), self.ratings)
                    if self.ratings
                    else np.zeros((3, 0))
                )
                simulator = TrafficSimulator(
                    self.search_factory(config),
                    self.relevance,
                    self.click_model,
                    seed=self.seed,
                    shoppers=self.shoppers,
                    ingest=ingest,
                    events_per_batch=1,
                    on_session=on_session,
                    interest_share=self.interest_share,
                )
                traffic = simulator.run(self.queries, sessions)
                # Engagement stats change only when refresh_engagement runs (not during an
                # arm), so what is cold now is what was cold when the arm started.
                counts = get_ranking_stats().counts_by_doc
                threshold = config.exploration.cold_examinations
                shown = {doc_id for outcome in traffic.outcomes for doc_id in outcome.served.doc_ids}
                cold = {doc_id for doc_id in shown if counts.get(doc_id, (0.0, 0))[0] < threshold}
                transaction.set_rollback(True)
        finally:
            reset_process_state()
        return ArmRun(name, config, traffic, cold, relevance)

    def compare(self, a: ArmRun, b: ArmRun, sessions: int) -> ABReport:
        shops = sorted(
            {shop for run in (a, b) for outcome in run.traffic.outcomes for shop in outcome.served.shops}
        )
        traffic_a, traffic_b = (traffic_matrix(run, sessions, shops) for run in (a, b))
        report = ABReport(
            arms={"a": a.name, "b": b.name},
            configs={"a": asdict(a.config), "b": asdict(b.config)},
            sessions=sessions,
            searches={"a": a.traffic.searches, "b": b.traffic.searches},
        )
        for name, metric in TRAFFIC_METRICS.items():
            report.metrics[name] = compare(traffic_a, traffic_b, metric, self.seed, self.resamples)
        for name, metric in RELEVANCE_METRICS.items():
            report.metrics[name] = compare(a.relevance, b.relevance, metric, self.seed, self.resamples)
        report.verdicts = verdicts(report.metrics)
        return report

    def run(
        self,
        arms: Sequence[tuple[str, MarketplaceConfig]],
        sessions: int,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ABReport:
        """`arms`: (name, config) of A then B; `progress(arm name, sessions done, total)`."""
        runs = []
        for name, config in arms:
            on_session = (lambda done, total, name=name: progress(name, done, total)) if progress else None
            runs.append(self.run_arm(name, config, sessions, on_session))
        return self.compare(*runs, sessions)
