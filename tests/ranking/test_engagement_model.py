"""The learned engagement model: position-debiased fitting, storage through
refresh_engagement, and its use by the marketplace objective."""

import uuid

import numpy as np
import pytest
from django.utils import timezone
from scipy.special import expit

from indexing.backends.base import Hit
from ranking.calibration import EngagementCalibration
from ranking.engagement_model import (
    INPUT_NAMES,
    MIN_CLICKS,
    EngagementModel,
    design_matrix,
    fit_engagement_model,
    load_engagement_models,
)
from ranking.features import FEATURE_INDEX, FEATURE_NAMES, FEATURE_VERSION, encode_vector
from ranking.marketplace_config import MarketplaceConfig, ObjectiveConfig
from ranking.objective import type_utilities
from ranking.stats import RankingStats, refresh_engagement

COVERAGE = FEATURE_INDEX["field_coverage"]


def simulated_impressions(pages: int, seed: int = 0, positions: int = 10):
    """Pages whose documents are clicked with P(examined | k) = 1 / k times P(click |
    examined) = 0.05 for a document covering half the query, 0.4 for one covering all of it;
    coverage is drawn independently of the position."""
    rng = np.random.default_rng(seed)
    rows = pages * positions
    features = np.zeros((rows, len(FEATURE_NAMES)), dtype=np.float32)
    coverage = rng.choice([0.5, 1.0], size=rows)
    features[:, COVERAGE] = coverage
    position = np.tile(np.arange(1, positions + 1), pages)
    examined = rng.random(rows) < 1.0 / position
    clicked = examined & (rng.random(rows) < np.where(coverage == 1.0, 0.4, 0.05))
    return features, position, clicked


def test_the_fit_learns_match_evidence_and_removes_position_bias():
    features, positions, clicked = simulated_impressions(pages=3000)
    model = fit_engagement_model(features, positions, clicked)
    assert model is not None
    weights = dict(zip(INPUT_NAMES, model.coefficients, strict=True))
    assert weights["field_coverage"] > 2.0
    # Relevance does not depend on the position here: once non-clicks are weighted by
    # P(examined | not clicked), the rank carries nothing. Unweighted, a click at rank 10
    # looks ten times rarer than at rank 1 and the rank would weigh ~1.2.
    assert abs(weights["log_rank"]) < 0.05
    rows = np.zeros((2, len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, COVERAGE] = [1.0, 0.5]
    p_full, p_half = model.probabilities(rows)
    assert p_full == pytest.approx(0.4, abs=0.04)
    assert p_half == pytest.approx(0.05, abs=0.02)


def test_serving_scores_rows_as_the_fit_saw_them():
    # The serving path skips the design matrix; its arithmetic must be the fit's.
    rng = np.random.default_rng(3)
    model = EngagementModel(tuple(rng.normal(size=len(INPUT_NAMES))), -2.0)
    features = rng.random((30, len(FEATURE_NAMES))).astype(np.float32)
    features[4] = np.nan  # a candidate no channel scored: no evidence
    expected = expit(design_matrix(features, np.arange(1, 31)) @ np.array(model.coefficients) - 2.0)
    assert model.probabilities(features) == pytest.approx(expected, rel=1e-5)


def test_too_few_clicks_leave_the_rank_curve_in_charge():
    features, positions, clicked = simulated_impressions(pages=40)
    assert clicked.sum() < MIN_CLICKS
    assert fit_engagement_model(features, positions, clicked) is None


def product(n: int, price: float) -> Hit:
    return Hit("product", f"product:{n}", 0.0, keywords={"shop": ["good"]}, numbers={"price": price})


def test_the_objective_uses_the_model_where_the_config_asks_for_it_in_the_rankers_order():
    weights = dict.fromkeys(INPUT_NAMES, 0.0) | {"log_rank": 0.5, "field_coverage": 3.0}
    model = EngagementModel(tuple(weights.values()), intercept=-3.0)
    stats = RankingStats(engagement_models={"product": model}, global_rates=(0.05, 0.1))
    features = np.zeros((4, len(FEATURE_NAMES)), dtype=np.float32)
    # Ranks 1 and 2 match the query fully, rank 3 only half, rank 4 fully again.
    features[:, COVERAGE] = [1.0, 1.0, 0.5, 1.0]
    hits = [product(n, 10.0) for n in range(1, 5)]
    raw = model.probabilities(features)
    assert raw[3] > raw[2]

    model_alone = ObjectiveConfig(rank_evidence=0.0)
    learned = type_utilities("product", hits, stats, model_alone, features=features).engagement
    # The full matches at ranks 1 and 2 keep the model's estimates and the gap between them
    # and rank 3; rank 4, which the model rates above rank 3, is pooled with it: the ranker
    # keeps the order, and value alone would decide between the two.
    assert learned[:2] == pytest.approx(raw[:2])
    assert learned[2] == learned[3] == pytest.approx(raw[2:].mean())
    assert learned[1] > 1.5 * learned[2]

    # With the rank curve as evidence too (the default), the pool keeps half the curve's
    # gap, so a dearer rank 4 needs a real price advantage to pass rank 3.
    ranked = EngagementCalibration().probabilities("product", 4)
    blended = type_utilities("product", hits, stats, ObjectiveConfig(), features=features).engagement
    assert blended == pytest.approx(np.sqrt(learned * ranked))
    assert blended[2] / blended[3] == pytest.approx(np.sqrt(ranked[2] / ranked[3]))
    assert blended[2] > blended[3]

    relevance_only = MarketplaceConfig.relevance_only().objective
    for config, given in ((relevance_only, features), (ObjectiveConfig(), None)):
        engagement = type_utilities("product", hits, stats, config, features=given).engagement
        assert engagement == pytest.approx(ranked)


def log_search(coverages_by_position: dict[int, float], clicked_position: int, explored=()) -> None:
    from ranking.models import Event, ImpressionLog, SearchLog

    search = SearchLog.objects.create(
        query="tv",
        normalized_query="tv",
        doc_type="product",
        explored_positions=list(explored),
        created_at=timezone.now(),
    )
    for position, coverage in coverages_by_position.items():
        vector = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
        vector[COVERAGE] = coverage
        ImpressionLog.objects.create(
            search=search,
            position=position,
            doc_id=f"product:{position}",
            features=encode_vector(vector),
            feature_version=FEATURE_VERSION,
        )
    Event.objects.create(
        event_id=str(uuid.uuid4()),
        kind="click",
        search_id=search.search_id,
        doc_id=f"product:{clicked_position}",
        position=clicked_position,
        occurred_at=timezone.now(),
    )


@pytest.mark.django_db
def test_refresh_engagement_fits_on_ranked_pages_and_serving_loads_the_fit():
    from ranking.models import EngagementFit

    # The full match sits at rank 2 and gets the click: match evidence beats the rank.
    for _ in range(MIN_CLICKS + 50):
        log_search({1: 0.5, 2: 1.0, 3: 0.5}, clicked_position=2)
    # Reshuffled pages are not read: here the half match always wins.
    for _ in range(MIN_CLICKS):
        log_search({1: 1.0, 2: 0.5}, clicked_position=2, explored=[1])
    refresh_engagement()

    fit = EngagementFit.objects.get(doc_type="product")
    assert (fit.impressions, fit.clicks) == (3 * (MIN_CLICKS + 50), MIN_CLICKS + 50)
    assert not EngagementFit.objects.filter(doc_type="video").exists()
    model = load_engagement_models()["product"]
    rows = np.zeros((2, len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, COVERAGE] = [0.5, 1.0]
    half_at_1, full_at_2 = model.probabilities(rows)
    assert full_at_2 > half_at_1

    # A fit made for another feature list is not served.
    EngagementFit.objects.filter(doc_type="product").update(feature_version="older")
    assert load_engagement_models() == {}


def test_merchandisers_can_switch_the_learned_engagement_off_and_weigh_the_rank_beside_it():
    from searchapp.marketplace_settings import config_from_row
    from searchapp.models import MarketplaceSettings

    assert config_from_row(MarketplaceSettings()).objective.learned_engagement
    assert not config_from_row(MarketplaceSettings(learned_engagement=False)).objective.learned_engagement
    assert config_from_row(MarketplaceSettings(rank_evidence=0.2)).objective.rank_evidence == 0.2


@pytest.mark.django_db
def test_fit_engagement_reports_what_each_type_learned():
    from io import StringIO

    from django.core.management import call_command

    for _ in range(MIN_CLICKS + 50):
        log_search({1: 0.5, 2: 1.0, 3: 0.5}, clicked_position=2)
    out = StringIO()
    call_command("fit_engagement", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"product: {3 * (MIN_CLICKS + 50)} impressions, {MIN_CLICKS + 50} clicks")
    assert "field_coverage +" in lines[0]
    assert "the rank curve stands" in lines[1]
