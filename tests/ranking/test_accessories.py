from ranking.accessories import accessory_targets, product_head
from ranking.features import FEATURE_INDEX, QueryFeatures, compute_features, title_tokens
from searchapp.pipeline import PreRank, SearchContext
from searchapp.query.analyzer import ParsedQuery
from searchapp.search_request import SearchRequest

from .conftest import NOW, make_hit

SLEEVE = "Kensington SP17 Classic Laptop Sleeve"
LAPTOP = "Lenovo IdeaPad S540 laptop 14 inch"


def targets(title: str) -> frozenset[str]:
    return accessory_targets(title_tokens(title))


def test_a_title_names_what_its_accessory_fits():
    assert "laptop" in targets(SLEEVE)
    assert "laptop" in targets("StarTech.com Laptop Cooling Stand")  # the noun two words on
    assert "iphone" in targets("Philips DLM63090 For iPhone 3G SlimShell")  # "for" before it
    assert "laptop" not in targets(LAPTOP)
    # The accessory noun itself is what the product is, never what it fits.
    assert "sleeve" not in targets(SLEEVE)


def test_the_product_asked_for_is_the_query_head_unless_the_query_names_an_accessory():
    assert product_head(["kid", "headphone"], []) == "headphone"
    assert product_head(["iphone", "7"], []) == "iphone"
    assert product_head(["laptop", "sleeve"], []) is None
    assert product_head(["dell"], ["dell"]) is None


def test_the_accessory_feature_marks_the_sleeve_for_laptops_only(stats):
    hits = [make_hit(1, title=SLEEVE), make_hit(2, title=LAPTOP, rank=2)]

    for_laptops = compute_features(QueryFeatures("laptops"), hits, stats, NOW)
    for_sleeves = compute_features(QueryFeatures("laptop sleeve"), hits, stats, NOW)

    column = FEATURE_INDEX["accessory_for_query"]
    assert for_laptops[:, column].tolist() == [1.0, 0.0]
    assert for_sleeves[:, column].tolist() == [0.0, 0.0]


def first_stage_titles(query: str, intent: float) -> list[str]:
    ctx = SearchContext(request=SearchRequest(query=query), query=query)
    ctx.parsed = ParsedQuery(
        original=query, normalized=query, category_intent=(("computers/laptops", intent),)
    )
    # The sleeve has the better fused score (a short title matching the query word).
    ctx.candidates["product"] = [make_hit(1, title=SLEEVE, rank=1), make_hit(2, title=LAPTOP, rank=3)]
    PreRank(demotion=0.5, intent=0.6).run(ctx)
    return [hit.display["title"] for hit in ctx.candidates["product"]]


def test_the_first_stage_puts_laptops_before_their_sleeves_when_the_intent_is_clear():
    assert first_stage_titles("laptops", intent=0.97) == [LAPTOP, SLEEVE]


def test_the_first_stage_keeps_the_fused_order_when_accessories_are_what_is_asked_or_on_offer():
    # "laptop sleeve" names the accessory; a split intent says the catalog may not sell the thing.
    assert first_stage_titles("laptop sleeve", intent=0.97) == [SLEEVE, LAPTOP]
    assert first_stage_titles("laptops", intent=0.4) == [SLEEVE, LAPTOP]
