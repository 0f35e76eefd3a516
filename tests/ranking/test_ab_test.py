import json
import re
import uuid
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Brand, Category, Product, Shop
from indexing.indexer import index_objects
from indexing.schema import document_id
from personalization.models import ShopperProfile
from ranking.ab_test import TRAFFIC_METRICS, ABTest, bootstrap_ci, gini
from ranking.marketplace_config import MarketplaceConfig
from ranking.models import Event, SearchLog
from ranking.simulation import HiddenRelevance, ServedSearch, draw_shoppers
from tests.api.conftest import fresh_query_understanding  # noqa: F401 (autouse: QU learns this catalog)

QUERIES = ["toner cartridge", "printer", "bluetooth speaker", "canon printer"]


@pytest.fixture
def shop_catalog(db):
    """Nine products from three shops (one sells most of them), three brands, three leaf
    categories: enough for preferences, prices and a seller concentration to mean something."""
    shops = {slug: Shop.objects.create(name=slug.title(), slug=slug) for slug in ("acme", "bolt", "cove")}
    brands = {name: Brand.objects.create(name=name, slug=name.lower()) for name in ("HP", "Canon", "Sony")}
    printing = Category.objects.create(name="Printing", slug="printing")
    audio = Category.objects.create(name="Audio", slug="audio")
    categories = {
        "toner": Category.objects.create(name="Toner cartridges", slug="toner", parent=printing),
        "printers": Category.objects.create(name="Printers", slug="printers", parent=printing),
        "speakers": Category.objects.create(name="Speakers", slug="speakers", parent=audio),
    }
    rows = [
        ("acme", "HP 305 black toner cartridge", "HP", "toner", "29.99"),
        ("acme", "HP 305 colour toner cartridge", "HP", "toner", "34.99"),
        ("acme", "HP LaserJet Pro laser printer", "HP", "printers", "149.00"),
        ("acme", "Sony portable bluetooth speaker", "Sony", "speakers", "59.90"),
        ("bolt", "Canon black toner cartridge", "Canon", "toner", "25.00"),
        ("bolt", "Canon inkjet printer", "Canon", "printers", "89.00"),
        ("cove", "Sony bluetooth speaker with bass", "Sony", "speakers", "79.00"),
        ("cove", "Canon photo printer", "Canon", "printers", "199.00"),
        ("cove", "Refill toner cartridge", None, "toner", "12.00"),
    ]
    return [
        Product.objects.create(
            external_id=f"p-{n}",
            title=title,
            brand=brands.get(brand),
            category=categories[category],
            shop=shops[shop],
            price=price,
            stock=5,
        )
        for n, (shop, title, brand, category, price) in enumerate(rows)
    ]


class CatalogSearch:
    """An arm's search for the tests that need no search engine: the products whose title
    has a query word, in catalog order, reversed when the arm explores (so the arms' pages
    differ). Notes what the database holds at each search."""

    def __init__(self, config: MarketplaceConfig, seen: list[tuple[str, int, int, int]]):
        self.reverse = config.exploration.enabled
        self.seen = seen

    def __call__(self, query, shopper_id, session_id) -> ServedSearch:
        self.seen.append(
            (
                "b" if self.reverse else "a",
                Event.objects.count(),
                ShopperProfile.objects.count(),
                SearchLog.objects.count(),
            )
        )
        words = set(re.findall(r"\w+", query.casefold()))
        products = [
            p
            for p in Product.objects.select_related("shop").order_by("pk")
            if words & set(p.title.casefold().split())
        ]
        if self.reverse:
            products.reverse()
        return ServedSearch(
            str(uuid.uuid4()),
            [document_id("product", p.pk) for p in products],
            tuple(p.shop.slug for p in products),
        )


def ab_test(seed: int, seen: list, sessions_shoppers: int = 20) -> ABTest:
    return ABTest(
        QUERIES,
        draw_shoppers(sessions_shoppers, seed),
        HiddenRelevance(),
        {},
        seed,
        search_factory=lambda config: CatalogSearch(config, seen),
        resamples=200,
    )


ARMS = [("relevance", MarketplaceConfig.relevance_only()), ("marketplace", MarketplaceConfig())]


def test_gini_is_zero_for_equal_shares_and_n_minus_1_over_n_when_one_shop_takes_all():
    assert gini(np.array([7.0, 7.0, 7.0, 7.0])) == pytest.approx(0.0)
    for n in (2, 5, 40):
        everything_to_one = np.zeros(n)
        everything_to_one[n // 2] = 100
        assert gini(everything_to_one) == pytest.approx((n - 1) / n)
    # Columns are scored independently (one per bootstrap resample), and 0 impressions is 0.
    columns = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 9.0, 0.0]])
    np.testing.assert_allclose(gini(columns), [0.0, 2 / 3, 0.0])
    assert 0 < gini(np.array([1.0, 2.0, 3.0])) < gini(np.array([1.0, 1.0, 10.0]))


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_more_sessions():
    ctr = TRAFFIC_METRICS["ctr"].value
    rng = np.random.default_rng(5)

    def sessions(n):
        return np.stack([rng.binomial(20, 0.1, size=n), np.full(n, 20)]).astype(float)

    widths = []
    for n in (50, 2000):
        data = sessions(n)
        low, high = bootstrap_ci([data], ctr, seed=1, resamples=500)
        assert low <= float(ctr(data.sum(axis=-1))) <= high
        widths.append(high - low)
    assert widths[1] < widths[0] / 3


def test_paired_interval_of_a_difference_excludes_zero_only_when_there_is_one():
    rng = np.random.default_rng(9)
    a = np.stack([rng.exponential(30, size=400), np.ones(400)])  # (GMV, searches) per session
    lifted, same = a * [[1.1], [1.0]], a.copy()
    gmv = TRAFFIC_METRICS["gmv_per_search"].value

    def diff(ta, tb):
        return gmv(tb) - gmv(ta)

    low, high = bootstrap_ci([a, lifted], diff, seed=2, resamples=500)
    assert 0 < low <= float(diff(a.sum(-1), lifted.sum(-1))) <= high
    assert bootstrap_ci([a, same], diff, seed=2, resamples=500) == (0.0, 0.0)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_report(shop_catalog):
    def report(seed):
        return json.dumps(ab_test(seed, []).run(ARMS, sessions=30).as_dict())

    first = report(7)
    assert first == report(7)
    assert first != report(8)


@pytest.mark.django_db
def test_identical_arms_see_identical_shoppers_queries_and_dice(shop_catalog):
    config = MarketplaceConfig.relevance_only()
    report = ab_test(3, []).run([("a", config), ("b", config)], sessions=40)

    assert report.searches["a"] == report.searches["b"] > 40
    for name, metric in report.metrics.items():
        assert metric.diff == 0, name
    assert report.metrics["ctr"].a > 0


@pytest.mark.django_db
def test_each_arm_starts_from_the_same_state_and_leaves_nothing_behind(shop_catalog):
    seen: list[tuple[str, int, int, int]] = []

    report = ab_test(4, seen).run(ARMS, sessions=30)

    arm_a = [state for state in seen if state[0] == "a"]
    arm_b = [state for state in seen if state[0] == "b"]
    # Within an arm the learning loop runs: events and then profiles accumulate...
    assert arm_a[-1][1] > 0 and arm_a[-1][2] > 0
    assert arm_b[-1][1] > 0 and arm_b[-1][2] > 0
    # ...but arm B starts from what arm A started from, and both are rolled back.
    assert arm_b[0] == ("b", 0, 0, 0) and arm_a[0] == ("a", 0, 0, 0)
    assert Event.objects.count() == ShopperProfile.objects.count() == SearchLog.objects.count() == 0
    assert report.metrics["ctr"].a > 0


def test_simulate_ab_rejects_bad_arguments():
    with pytest.raises(CommandError, match="--sessions"):
        call_command("simulate_ab", sessions=0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value"),
    [("shop_repeat_decay", 0.0), ("exploration_positions", "5, 0"), ("exploration_positions", "x")],
)
def test_simulate_ab_refuses_an_arm_b_override_out_of_range(option, value):
    with pytest.raises(CommandError, match=f"--{option.replace('_', '-')}"):
        call_command("simulate_ab", generated_queries=0, **{option: value})


@pytest.mark.django_db
def test_simulate_ab_runs_both_arms_through_the_pipeline(shop_catalog, local_index_dir, tmp_path):
    index_objects("product", [p.pk for p in shop_catalog])
    judgments = tmp_path / "judgments.csv"
    judgments.write_text("query,docid,rating\ntoner cartridge,p-0,3\ntoner cartridge,p-4,2\nprinter,p-5,3\n")
    out = tmp_path / "ab.json"
    stdout = StringIO()

    call_command(
        "simulate_ab",
        sessions=8,
        seed=3,
        judgments=str(judgments),
        generated_queries=4,
        shoppers=5,
        resamples=50,
        gmv_weight=0.8,
        shop_repeat_decay=1.0,
        exploration_positions="",
        rank_only_engagement=True,
        rank_evidence=0.25,
        json_path=str(out),
        stdout=stdout,
    )

    lines = stdout.getvalue().strip().splitlines()
    assert "arm relevance: 8/8 sessions" in stdout.getvalue()
    summary = json.loads(lines[-1])
    assert set(summary["verdicts"]) >= {"gmv_per_search_up", "ctr_not_down", "seller_gini_down"}
    report = json.loads(out.read_text())
    assert report["configs"]["b"]["objective"]["gmv_weight"] == 0.8
    assert report["configs"]["b"]["objective"]["learned_engagement"] is False
    assert report["configs"]["b"]["objective"]["rank_evidence"] == 0.25
    assert "learned_engagement=False" in report["arms"]["b"]
    # Arm B without seller spreading or exploration: one part of the layer at a time.
    assert report["configs"]["b"]["blend"]["shop_repeat_decay"] == 1.0
    assert report["configs"]["b"]["exploration"]["positions"] == []
    assert report["metrics"]["exploration_budget_share"]["b"] == 0
    assert report["configs"]["a"]["exploration"]["positions"] == []
    assert report["searches"]["a"] == report["searches"]["b"] >= 8
    assert 0 < report["metrics"]["ndcg@10"]["a"] <= 1
    # GMV and CTR are judged on what the click model expects of the pages shown.
    assert 0 < report["metrics"]["expected_ctr"]["a"] < 1
    expected_gmv = report["metrics"]["expected_gmv_per_search"]
    assert summary["verdicts"]["gmv_per_search_up"] == (expected_gmv["diff_ci"][0] > 0)
    assert report["metrics"]["exploration_budget_share"]["a"] == 0
    # The arms ran inside rolled-back transactions.
    assert Event.objects.count() == SearchLog.objects.count() == 0


@pytest.mark.django_db
def test_shoppers_are_seeded_and_prefer_what_the_catalog_has(shop_catalog):
    population = draw_shoppers(30, seed=5)

    assert population == draw_shoppers(30, seed=5) != draw_shoppers(30, seed=6)
    paths = {p.category.path for p in shop_catalog}
    prices = sorted(float(p.price) for p in shop_catalog)
    for shopper in population:
        assert shopper.shopper_id.startswith("sim-")
        assert len(shopper.categories) == 2 and shopper.categories <= paths
        assert len(shopper.brands) == 2 and shopper.brands <= {"HP", "Canon", "Sony"}
        low, high = shopper.price_band
        assert high == 4 * low and prices[0] <= 2 * low <= prices[-1]


@pytest.mark.django_db
def test_simulate_traffic_logs_funnel_pages_and_explored_reshuffles(shop_catalog, local_index_dir):
    index_objects("product", [p.pk for p in shop_catalog])

    call_command(
        "simulate_traffic",
        sessions=6,
        seed=2,
        judgments="",
        generated_queries=4,
        explore_rate=0.5,
        stdout=StringIO(),
    )

    searches = SearchLog.objects.filter(is_simulated=True)
    assert searches.count() >= 6
    assert Event.objects.filter(kind="impression").count() == sum(s.impressions.count() for s in searches)
    # A reshuffled page is logged as explored at every position; a ranked page is not.
    explored = [
        s.explored_positions == sorted(s.impressions.values_list("position", flat=True)) for s in searches
    ]
    assert any(explored) and not all(explored)
