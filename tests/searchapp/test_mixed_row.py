"""The slot allocator on hand-built candidates: every constraint of the mixed row, and
determinism."""

from indexing.backends.base import Hit
from ranking.marketplace_config import BlendConfig
from searchapp.mixed_row import SlotAllocator


def hit(doc_type: str, n: int, shop: str = "", brand: str = "") -> Hit:
    keywords = {}
    if shop:
        keywords["shop"] = [shop]
    if brand:
        keywords["brand"] = [brand]
    return Hit(doc_type=doc_type, id=f"{doc_type}:{n}", score=0.0, keywords=keywords)


def queue(hits: list[Hit], top: float = 1.0) -> tuple[list[Hit], list[float]]:
    """Hits in order with utilities falling from `top`."""
    return hits, [top / (i + 1) for i in range(len(hits))]


NO_RULES = BlendConfig(
    max_lives_in_top=10,
    max_consecutive_same_seller=0,
    type_shares={"product": (0.0, 1.0), "video": (0.0, 1.0), "live": (0.0, 1.0)},
)


def ids(slots) -> list[str]:
    return [slot.hit.id for slot in slots]


def test_without_constraints_the_page_is_ordered_by_utility_across_types():
    products = queue([hit("product", i) for i in range(5)], top=1.0)
    videos = queue([hit("video", i) for i in range(5)], top=0.6)
    slots = SlotAllocator(NO_RULES, page_size=6).allocate({"product": products, "video": videos}, slots=6)
    # 1, 0.6, 0.5, 0.33, 0.3, 0.25 -> p0 v0 p1 p2 v1 p3
    assert ids(slots) == ["product:0", "video:0", "product:1", "product:2", "video:1", "product:3"]
    assert [slot.utility for slot in slots] == sorted((slot.utility for slot in slots), reverse=True)


def test_no_more_than_two_consecutive_items_of_one_shop_or_brand():
    products = queue(
        [hit("product", i, shop="big") for i in range(4)] + [hit("product", 9, shop="small")], top=1.0
    )
    videos = queue([hit("video", i, brand="sony") for i in range(4)], top=0.9)
    config = BlendConfig(type_shares=NO_RULES.type_shares, max_lives_in_top=10)
    slots = SlotAllocator(config, page_size=9).allocate({"product": products, "video": videos}, slots=9)
    for a, b, c in zip(slots, slots[1:], slots[2:], strict=False):
        shops = {s.hit.keywords.get("shop", [""])[0] for s in (a, b, c)}
        brands = {s.hit.keywords.get("brand", [""])[0] for s in (a, b, c)}
        assert shops != {"big"} and brands != {"sony"}, ids(slots)
    assert len(slots) == 9  # every candidate still shown: the rule reorders, never hides


def test_at_most_m_live_streams_in_the_top_k():
    lives = queue([hit("live", i) for i in range(4)], top=5.0)  # lives are the most engaging here
    products = queue([hit("product", i) for i in range(10)], top=1.0)
    config = BlendConfig(
        max_lives_in_top=1, lives_top_k=5, max_consecutive_same_seller=0, type_shares=NO_RULES.type_shares
    )
    slots = SlotAllocator(config, page_size=10).allocate({"product": products, "live": lives}, slots=10)
    top_five = [slot.hit.doc_type for slot in slots[:5]]
    assert top_five.count("live") == 1 and slots[0].hit.id == "live:0"
    assert [slot.hit.doc_type for slot in slots[5:]].count("live") >= 1  # after the top k they compete again


def test_type_shares_hold_a_minimum_and_cap_a_maximum_per_page():
    products = queue([hit("product", i) for i in range(20)], top=0.1)  # weak products
    videos = queue([hit("video", i) for i in range(20)], top=1.0)  # strong videos
    config = BlendConfig(
        max_consecutive_same_seller=0,
        type_shares={"product": (0.5, 1.0), "video": (0.0, 0.3), "live": (0.0, 0.1)},
    )
    slots = SlotAllocator(config, page_size=10).allocate({"product": products, "video": videos}, slots=20)
    for page in (slots[:10], slots[10:]):
        kinds = [slot.hit.doc_type for slot in page]
        assert kinds.count("video") == 3 and kinds.count("product") == 7
    # The videos, worth more, take the first slots they are allowed, and the cap holds for
    # every first n slots (rounded up): one in the first three, two in the first six.
    assert [slot.hit.doc_type for slot in slots[:10]] == ["video", "product", "product"] * 3 + ["product"]


def test_a_minimum_share_is_met_even_when_the_type_is_worth_less():
    products = queue([hit("product", i) for i in range(10)], top=0.01)
    videos = queue([hit("video", i) for i in range(10)], top=1.0)
    config = BlendConfig(
        max_consecutive_same_seller=0,
        type_shares={"product": (0.4, 1.0), "video": (0.0, 1.0), "live": (0.0, 1.0)},
    )
    slots = SlotAllocator(config, page_size=5).allocate({"product": products, "video": videos}, slots=5)
    assert [slot.hit.doc_type for slot in slots] == ["video", "video", "video", "product", "product"]


def test_exploration_slots_take_the_chosen_documents_at_their_positions():
    products = queue([hit("product", i) for i in range(10)])
    cold = products[0][8]
    allocator = SlotAllocator(NO_RULES, page_size=5, exploration_positions=(2,))
    slots = allocator.allocate({"product": products}, explorations=[[cold]], slots=5)
    assert slots[1].hit is cold and slots[1].explored
    assert [slot.explored for slot in slots].count(True) == 1
    assert len(set(ids(slots))) == 5  # never twice


def test_page_two_continues_page_one_without_repeats():
    products = queue([hit("product", i, shop=f"s{i % 2}") for i in range(12)])
    videos = queue([hit("video", i) for i in range(12)], top=0.7)
    allocator = SlotAllocator(BlendConfig(), page_size=5, exploration_positions=(3,))
    ranked = {"product": products, "video": videos}
    explorations = [[products[0][10]], [products[0][11]]]
    first_page = allocator.allocate(ranked, explorations[:1], slots=5)
    two_pages = allocator.allocate(ranked, explorations, slots=10)
    assert ids(two_pages[:5]) == ids(first_page)
    assert len(set(ids(two_pages))) == 10


def test_the_same_inputs_give_the_same_page():
    def run():
        products = queue([hit("product", i, shop=f"s{i % 3}", brand=f"b{i % 2}") for i in range(30)])
        videos = queue([hit("video", i) for i in range(30)], top=0.8)
        lives = queue([hit("live", i) for i in range(5)], top=0.9)
        return ids(
            SlotAllocator(BlendConfig(), page_size=20).allocate(
                {"product": products, "video": videos, "live": lives}, slots=40
            )
        )

    assert run() == run()


def test_a_page_is_never_short_while_candidates_remain():
    # one shop, one brand: the seller rule cannot be kept, yet every slot is filled
    products = queue([hit("product", i, shop="only", brand="only") for i in range(6)])
    slots = SlotAllocator(BlendConfig(), page_size=6, single_type=True).allocate(
        {"product": products}, slots=6
    )
    assert ids(slots) == [f"product:{i}" for i in range(6)]


def test_each_further_item_of_a_shop_on_the_page_counts_less():
    big = [hit("product", i, shop="big") for i in range(3)]
    small = hit("product", 9, shop="small")
    ranked = {"product": ([*big, small], [1.0, 0.95, 0.9, 0.8])}
    softened = SlotAllocator(BlendConfig(shop_repeat_decay=0.85), page_size=4, single_type=True)
    # big's second item: 0.95 x 0.85 = 0.81 > 0.8; its third: 0.9 x 0.85^2 = 0.65 < 0.8
    assert ids(softened.allocate(ranked, slots=4)) == ["product:0", "product:1", "product:9", "product:2"]
    plain = SlotAllocator(BlendConfig(shop_repeat_decay=1.0), page_size=4, single_type=True)
    assert ids(plain.allocate(ranked, slots=4)) == ["product:0", "product:1", "product:2", "product:9"]
