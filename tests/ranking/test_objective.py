"""Expected utility: calibration by type and rank, the GMV trade-off, trust demotion and
the personal lift."""

import uuid

import numpy as np
import pytest
from django.utils import timezone

from indexing.backends.base import Hit
from ranking.calibration import (
    MAX_RANK,
    EngagementCalibration,
    fit_calibration,
    load_calibration,
    prior_curve,
)
from ranking.marketplace_config import ObjectiveConfig
from ranking.objective import combine, type_utilities
from ranking.stats import RankingStats


def product(n: int, price: float, shop: str = "good") -> Hit:
    return Hit("product", f"product:{n}", 0.0, keywords={"shop": [shop]}, numbers={"price": price})


def stats(**overrides) -> RankingStats:
    base = RankingStats(authority_by_shop={"good": 0.9, "shady": 0.2}, global_rates=(0.05, 0.1))
    for name, value in overrides.items():
        setattr(base, name, value)
    return base


def test_without_traffic_the_prior_curves_rank_a_types_first_result_above_anothers_tenth():
    calibration = EngagementCalibration()
    assert calibration.probabilities("video", 1)[0] > calibration.probabilities("product", 10)[-1]
    assert calibration.probabilities("product", 1)[0] > calibration.probabilities("video", 1)[0]
    # ranks past the table keep its last value
    assert len(calibration.probabilities("live", MAX_RANK + 5)) == MAX_RANK + 5


def test_calibration_learns_from_logged_clicks_and_stays_monotone():
    # videos at rank 1 clicked far more than the prior says; rank 2 barely
    fitted = fit_calibration([("video", 1, 5000, 2000), ("video", 2, 5000, 10)])
    curve = fitted.probabilities("video", 3)
    assert curve[0] > 0.3 > prior_curve("video")[0]
    assert curve[1] < prior_curve("video")[1]
    assert np.all(np.diff(fitted.probabilities("video", MAX_RANK)) <= 0)
    # an unlogged type keeps its prior
    assert fitted.probabilities("live", 5) == pytest.approx(prior_curve("live")[:5])


def logged_page(clicked_position: int, explored: list[int], searches: int) -> None:
    """`searches` two-product pages whose document at `clicked_position` was clicked."""
    from ranking.models import Event, SearchLog

    for _ in range(searches):
        search = SearchLog.objects.create(
            query="tv",
            normalized_query="tv",
            doc_type="product",
            explored_positions=explored,
            created_at=timezone.now(),
        )
        kinds = [("impression", 1), ("impression", 2), ("click", clicked_position)]
        Event.objects.bulk_create(
            Event(
                event_id=str(uuid.uuid4()),
                kind=kind,
                search_id=search.search_id,
                doc_id=f"product:{position}",
                position=position,
                occurred_at=timezone.now(),
            )
            for kind, position in kinds
        )


@pytest.mark.django_db
def test_calibration_reads_only_pages_served_in_ranked_order():
    logged_page(clicked_position=1, explored=[], searches=300)
    ranked = load_calibration().probabilities("product", 2)
    assert ranked[0] > 0.5 and ranked[1] < prior_curve("product")[1]
    # Reshuffled pages whose second slot always won say nothing about rank 2.
    logged_page(clicked_position=2, explored=[1, 2], searches=300)
    assert load_calibration().probabilities("product", 2) == pytest.approx(ranked)


def test_gmv_weight_trades_engagement_for_expected_order_value():
    # a cheap product ranked first, an expensive one second
    hits = [product(1, 10.0), product(2, 500.0)]
    for gmv_weight, expected_first in ((0.0, 0), (1.0, 1)):
        config = ObjectiveConfig(gmv_weight=gmv_weight)
        parts = {"product": type_utilities("product", hits, stats(), config)}
        utility = combine(parts, config)["product"]
        assert int(np.argmax(utility)) == expected_first


def test_low_trust_shops_are_demoted_not_hidden():
    hits = [product(1, 50.0, shop="shady"), product(2, 50.0, shop="good")]
    config = ObjectiveConfig(gmv_weight=0.0, trust_floor=0.5, trust_demotion=0.5)
    part = type_utilities("product", hits, stats(), config)
    assert part.demoted.tolist() == [True, False]
    utility = combine({"product": part}, config)["product"]
    assert utility[0] == pytest.approx(part.engagement[0] * 0.5)
    assert utility[0] > 0


def test_affinity_lifts_engagement_and_videos_are_worth_their_tagged_products():
    video = Hit("video", "video:1", 0.0, keywords={"product": ["product:7"]})
    plain = Hit("video", "video:2", 0.0)
    config = ObjectiveConfig(personal_weight=1.0, video_engagement_value=1.0, tagged_click_through=0.5)
    s = stats(price_by_product={"product:7": 200.0}, rates_by_doc={"product:7": (0.1, 0.2)})
    part = type_utilities("video", [video, plain], s, config, affinity=np.array([1.0, 0.0]))
    assert part.value.tolist() == pytest.approx([1.0 + 0.5 * 200.0 * 0.2, 1.0])
    calibrated = EngagementCalibration().probabilities("video", 2)
    assert part.engagement == pytest.approx(calibrated * np.array([2.0, 1.0]))


def test_out_of_stock_products_are_demoted_not_hidden():
    stocked, sold_out = product(1, 50.0), product(2, 50.0)
    sold_out.keywords["in_stock"] = ["false"]
    stocked.keywords["in_stock"] = ["true"]
    config = ObjectiveConfig(gmv_weight=0.0, out_of_stock_demotion=0.3)
    part = type_utilities("product", [sold_out, stocked], stats(), config)
    assert part.unavailable.tolist() == [True, False]
    utility = combine({"product": part}, config)["product"]
    # ranked first, it still goes below the stocked product ranked second
    assert utility[0] == pytest.approx(part.engagement[0] * 0.3)
    assert 0 < utility[0] < utility[1]
    assert combine({"product": part}, ObjectiveConfig(gmv_weight=0.0, out_of_stock_demotion=1.0))["product"][
        0
    ] == pytest.approx(part.engagement[0])
