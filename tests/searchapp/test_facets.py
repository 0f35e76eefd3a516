"""Facets over the fused candidates, from stored hit values."""

from indexing.backends.base import Hit
from searchapp.facets import compute_facets, disjunctive_facets, filtered_facets, price_buckets
from searchapp.search_request import SearchFilters


def product(pk, brand, paths, price):
    return Hit(
        doc_type="product",
        id=f"product:{pk}",
        score=1.0,
        keywords={"brand": [brand], "category_path": paths},
        numbers={"price": price},
    )


def test_facets_count_brands_category_paths_prices_and_types():
    # given two printing products and one audio product, plus a video tagging a speaker
    candidates = {
        "product": [
            product(1, "HP", ["printing", "printing/toner"], 30.0),
            product(2, "HP", ["printing", "printing/printers"], 150.0),
            product(3, "Sony", ["audio", "audio/speakers"], 60.0),
        ],
        "video": [
            Hit(
                doc_type="video",
                id="video:1",
                score=1.0,
                keywords={"brand": ["Sony"], "category_path": ["audio", "audio/speakers"]},
                numbers={"min_product_price": 60.0},
            )
        ],
    }
    # when facets are computed
    facets = compute_facets(candidates)
    # then brands and category paths (ancestors included) are counted, most frequent first
    assert facets["brand"] == [{"value": "HP", "count": 2}, {"value": "Sony", "count": 2}]
    assert facets["category"][:2] == [{"value": "audio", "count": 2}, {"value": "audio/speakers", "count": 2}]
    assert {"value": "printing", "count": 2} in facets["category"]
    # and a video's price is its cheapest product's
    assert facets["price"] == [
        {"from": 25, "to": 50, "count": 1},
        {"from": 50, "to": 100, "count": 2},
        {"from": 100, "to": 250, "count": 1},
    ]
    assert facets["type"] == {"product": 3, "video": 1, "live": 0}


def test_price_buckets_put_edges_in_the_upper_bucket_and_leave_the_last_open():
    assert price_buckets([0, 9.99, 10, 5000], edges=(0, 10, 100)) == [
        {"from": 0, "to": 10, "count": 2},
        {"from": 10, "to": 100, "count": 1},
        {"from": 100, "to": None, "count": 1},
    ]


def test_a_repeated_keyword_value_counts_once_per_hit():
    hit = product(1, "HP", ["printing", "printing"], 1.0)
    assert compute_facets({"product": [hit]})["category"] == [{"value": "printing", "count": 1}]


def test_each_filtered_facet_counts_the_candidates_passing_every_other_filter():
    # Given candidates recalled without facet filters, and a brand and a price selection
    relaxed = {
        "product": [
            product(1, "HP", ["printing"], 30.0),
            product(2, "HP", ["printing"], 150.0),
            product(3, "Sony", ["audio"], 60.0),
            product(4, "Sony", ["audio"], 400.0),
        ]
    }
    filters = SearchFilters(brands=("HP",), price_max=100.0)
    facets = filtered_facets(filters)
    # When the filtered facets are counted disjunctively
    counted = disjunctive_facets(relaxed, filters, facets)
    # Then brands are counted within the price range, prices within the brand selection
    assert facets == ["brand", "price"]
    assert counted["brand"] == [{"value": "HP", "count": 1}, {"value": "Sony", "count": 1}]
    assert counted["price"] == [{"from": 25, "to": 50, "count": 1}, {"from": 100, "to": 250, "count": 1}]


def test_unfiltered_and_shop_only_requests_have_no_disjunctive_facets():
    assert filtered_facets(SearchFilters()) == []
    assert filtered_facets(SearchFilters(shop="acme", in_stock=True)) == []
