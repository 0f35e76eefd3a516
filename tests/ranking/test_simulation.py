import random
import uuid

import pytest

from ranking.models import Event
from ranking.propensity import examination_propensity
from ranking.simulation import (
    CatalogDoc,
    ClickModel,
    HiddenRelevance,
    ServedSearch,
    SimulatedShopper,
    TrafficSimulator,
)

JUDGMENTS = {
    "toner": {"product:1": 3, "product:2": 0, "product:3": 2},
    "speaker": {"product:4": 3, "product:5": 1},
}


class FixedSearch:
    """A stand-in for the funnel: always the same page per query; ids from its own namespace."""

    def __init__(self, namespace: str):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, namespace)
        self.count = 0

    def __call__(self, query, shopper_id, session_id) -> ServedSearch:
        self.count += 1
        pages = {"toner": ["product:2", "product:3", "product:1"], "speaker": ["product:5", "product:4"]}
        return ServedSearch(str(uuid.uuid5(self.namespace, str(self.count))), pages[query])


def behaviour(namespace: str) -> list[tuple]:
    ids = [str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, namespace), str(n))) for n in range(1, 10_000)]
    rows = Event.objects.filter(search_id__in=ids).values_list("search_id", "kind", "doc_id", "position")
    order = {search_id: n for n, search_id in enumerate(ids)}
    return sorted((order[str(s)], kind, doc, pos) for s, kind, doc, pos in rows)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_traffic_and_another_seed_different_traffic():
    # Given three simulations of the same shoppers over the same served lists
    def simulate(seed, namespace):
        simulator = TrafficSimulator(
            FixedSearch(namespace), HiddenRelevance(JUDGMENTS), ClickModel(), seed=seed
        )
        return simulator.run(["toner", "speaker"], sessions=200)

    first, again = simulate(7, "a"), simulate(7, "b")
    simulate(8, "c")

    # Then the same seed repeats every event, a different one does not
    assert first.events == again.events
    assert behaviour("a") == behaviour("b")
    assert behaviour("a") != behaviour("c")
    assert first.inserted == sum(first.events.values())


@pytest.mark.django_db
def test_clicks_follow_relevance_and_position():
    simulator = TrafficSimulator(FixedSearch("d"), HiddenRelevance(JUDGMENTS), ClickModel(), seed=1)

    report = simulator.run(["toner"], sessions=600)

    clicks = {
        doc: Event.objects.filter(kind="click", doc_id=doc).count()
        for doc in ("product:1", "product:2", "product:3")
    }
    # The irrelevant first hit is clicked less than the relevant ones below it
    assert clicks["product:2"] < clicks["product:3"]
    # and the perfect hit at position 3 less than it would be at position 1 (position bias)
    impressions = report.events["impression"] / 3
    assert clicks["product:1"] < impressions * ClickModel.attractiveness(3) * 0.5


@pytest.mark.django_db
def test_each_search_records_what_the_click_model_expects_of_its_page():
    # Given the toner page [product:2 (rated 0), product:3 (2), product:1 (3)] at known prices
    relevance = HiddenRelevance(JUDGMENTS)
    prices = {"product:2": 10.0, "product:3": 40.0, "product:1": 100.0}
    relevance.docs.update({doc_id: CatalogDoc(frozenset(), price) for doc_id, price in prices.items()})
    model = ClickModel()
    simulator = TrafficSimulator(FixedSearch("e"), relevance, model, seed=3, ingest=len)

    outcomes = simulator.run(["toner"], sessions=1500).outcomes

    # Then every search carries the click model's expectation for that page
    examined = examination_propensity(range(1, 4), model.eta)
    page = [(0, 10.0), (2, 40.0), (3, 100.0)]
    clicks = sum(e * model.attractiveness(r) for e, (r, _) in zip(examined, page, strict=True))
    gmv = sum(
        e
        * model.attractiveness(r)
        * (model.cart_base + model.cart_per_relevance * r)
        * model.order_given_cart
        * p
        for e, (r, p) in zip(examined, page, strict=True)
    )
    assert all(o.expected_clicks == pytest.approx(clicks) for o in outcomes)
    assert all(o.expected_gmv == pytest.approx(gmv) for o in outcomes)
    # and the dice agree with it on average (~2,600 searches; ~135 orders of the $100 toner)
    assert sum(o.clicks for o in outcomes) / len(outcomes) == pytest.approx(clicks, rel=0.1)
    assert sum(o.gmv for o in outcomes) / len(outcomes) == pytest.approx(gmv, rel=0.25)


def test_shoppers_click_their_preferences_more_and_order_less_above_their_price_band():
    model = ClickModel()
    shopper = SimulatedShopper(
        "sim-shopper-1", frozenset({"printing/toner"}), frozenset({"HP"}), (10.0, 40.0)
    )
    both = CatalogDoc(frozenset(), 30.0, "printing/toner/black", "HP")
    category_only = CatalogDoc(frozenset(), 30.0, "printing/toner", "Canon")
    neither = CatalogDoc(frozenset(), 30.0, "printing/tonerx", "Canon")

    clicks = [model.click_given_examined(1, doc, shopper) for doc in (neither, category_only, both)]
    assert clicks[0] == ClickModel.attractiveness(1) < clicks[1] < clicks[2]
    assert model.click_given_examined(3, both, shopper) == 1.0  # a probability, capped

    in_band = model.order_given_added(both, shopper)
    pricier = [
        model.order_given_added(CatalogDoc(frozenset(), price, "", ""), shopper) for price in (80.0, 160.0)
    ]
    assert in_band == model.order_given_cart > pricier[0] > pricier[1] > 0
    assert model.order_given_added(both, SimulatedShopper("sim-shopper-2")) == model.order_given_cart


@pytest.mark.django_db
def test_a_video_is_as_relevant_as_the_words_of_the_products_it_tags():
    from catalog.models import Brand, Product, Video
    from ranking.simulation import HiddenRelevance

    sony = Brand.objects.create(name="Sony", slug="sony")
    speaker = Product.objects.create(
        external_id="p1", title="Sony SRS-XB13 bluetooth speaker", brand=sony, price="59.90"
    )
    video = Video.objects.create(creator="c", title="First look", published_at="2024-05-01T10:00:00Z")
    video.products.add(speaker)
    untagged = Video.objects.create(creator="c", title="Desk tour", published_at="2024-05-01T10:00:00Z")

    relevance = HiddenRelevance()
    ids = [f"video:{video.pk}", f"video:{untagged.pk}"]
    relevance.load(ids)

    assert relevance("sony bluetooth speaker", ids[0]) == 2
    assert relevance("sony bluetooth speaker", ids[1]) == 0
    assert relevance.docs[ids[0]].price == pytest.approx(59.9)


def test_shoppers_search_their_interests_as_often_as_the_interest_share_says():
    shopper = SimulatedShopper("s", interest_words=frozenset({"printer"}))
    queries = ["laptop", "printer ink", "mouse", "hp printer", "monitor"]
    simulator = TrafficSimulator(search=None, relevance=HiddenRelevance(), interest_share=0.5)
    drawn = [
        query
        for n in range(400)
        for query in simulator.session_queries(random.Random(n), shopper, queries, [1.0] * len(queries))
    ]
    about_interests = sum("printer" in query for query in drawn) / len(drawn)
    # half by interest, plus the interest queries' share (2 of 5) of the other half
    assert 0.6 < about_interests < 0.8
    assert SimulatedShopper("anonymous").interest_queries(queries) == []
