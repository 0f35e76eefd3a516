import lightgbm as lgb
import numpy as np
import pytest

from indexing.backends.base import Hit
from ranking.features import FEATURE_NAMES
from ranking.registry import reset_serving_ranker
from ranking.stats import RankingStats, reset_ranking_stats

NOW = 1_700_000_000.0


def make_hit(pk: int, title: str = "HP 305 black toner cartridge", brand: str = "HP", rank: int = 1) -> Hit:
    return Hit(
        doc_type="product",
        id=f"product:{pk}",
        score=1.0 / (60 + rank),
        field_scores={
            "title": 4.0 / rank,
            "brand": 1.0,
            "category": 0.0,
            "attributes": 0.5,
            "description": 0.2,
        },
        channel_scores={"lexical": 10.0 / rank, "dense": 0.8 - rank / 100},
        channel_ranks={"lexical": rank, "dense": rank + 1},
        keywords={"brand": [brand], "category_path": ["printing", "printing/toner"], "shop": ["acme"]},
        numbers={
            "price": 20.0 + pk,
            "rating": 4.5,
            "review_count": 12,
            "sales_count": 100,
            "created_ts": NOW - 86_400,
        },
        display={"title": title},
    )


def tiny_booster() -> lgb.Booster:
    rng = np.random.default_rng(0)
    features = rng.random((40, len(FEATURE_NAMES)))
    labels = (features[:, 0] > 0.5).astype(int)
    data = lgb.Dataset(features, label=labels, group=[10] * 4)
    return lgb.train(
        {"objective": "lambdarank", "verbose": -1, "min_data_in_leaf": 2}, data, num_boost_round=3
    )


@pytest.fixture
def hits():
    return [make_hit(pk, rank=rank) for rank, pk in enumerate(range(101, 111), start=1)]


@pytest.fixture
def stats():
    return RankingStats(
        prices_by_category={"printing/toner": np.array([10.0, 20.0, 30.0, 40.0, 200.0])},
        authority_by_shop={"acme": 0.8},
        rates_by_doc={"product:101": (0.3, 0.1)},
        rates_by_category={"printing/toner": (0.1, 0.05)},
    )


@pytest.fixture(autouse=True)
def fresh_ranking_caches(settings, tmp_path):
    """Every test starts without a cached model or stats, with its own model directory."""
    settings.SEARCH_DATA_DIR = tmp_path
    reset_serving_ranker()
    reset_ranking_stats()
    yield
    reset_serving_ranker()
    reset_ranking_stats()
