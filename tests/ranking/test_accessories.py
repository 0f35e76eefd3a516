from ranking.accessories import accessory_targets, component_words, product_head
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
    assert product_head(["ssd", "500gb"], []) == "ssd"
    assert product_head(["laptop", "sleeve"], []) is None
    assert product_head(["dell"], ["dell"]) is None
    # "<product> for <target>": the product is before "for"
    assert product_head(["memory", "for", "hp", "laptop"], ["hp"]) == "memory"
    assert product_head(["battery", "for", "nc4400"], []) == "battery"
    assert product_head(["case", "for", "iphone"], []) is None  # an accessory named
    # "for" with nothing on one side splits nothing
    assert product_head(["for", "laptop"], []) == "laptop"
    assert product_head(["gift", "for"], []) == "for"


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


PC = "Lenovo V55t AMD Ryzen 5 3400G 8 GB DDR4-SDRAM 256 GB SSD Tower Black PC"


def test_a_title_names_the_parts_it_sizes_with_a_capacity():
    assert {"ssd", "ddr4", "sdram"} <= component_words(PC)
    assert {"hdd", "ssd"} <= component_words("ASUS ROG G15DH PC 16 GB DDR4-SDRAM 1512 GB HDD+SSD Tower")
    assert "ssd" in component_words("Kingston A400 1.5TB SSD")
    # A drive titled by what it is, its capacity followed by its interface.
    assert component_words('DELL 9PTC2 internal solid state drive 2.5" 960 GB Serial ATA III') == {"serial"}


def filed(hit, *paths):
    hit.keywords["category_path"] = list(paths)
    return hit


def test_the_first_stage_puts_the_product_asked_for_before_products_that_contain_it():
    # Given "ssd", clearly asking for SSDs, and a PC whose title sizes its SSD fusing first
    ctx = SearchContext(request=SearchRequest(query="ssd"), query="ssd")
    ctx.parsed = ParsedQuery(original="ssd", normalized="ssd", category_intent=(("storage/ssds", 0.99),))
    ctx.candidates["product"] = [
        filed(make_hit(1, title=PC, rank=1), "computers", "computers/desktops"),
        filed(make_hit(2, title="Seagate FireCuda 1 TB SSD", rank=2)),  # not filed anywhere
        filed(make_hit(3, title="Kingston A400 480 GB SSD", rank=3), "storage", "storage/ssds"),
        filed(make_hit(4, title="HP ProDesk SSD Tower PC", rank=4), "computers", "computers/desktops"),
    ]

    # When the first stage orders them
    PreRank(demotion=0.5, intent=0.6).run(ctx)

    # Then the PC naming a sized SSD goes below the drives; an unfiled drive gets the doubt,
    # and a title naming the word without a capacity keeps its place
    assert [hit.id for hit in ctx.candidates["product"]] == [
        "product:2",
        "product:3",
        "product:4",
        "product:1",
    ]
