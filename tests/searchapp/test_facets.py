"""Facets over the fused candidates, from stored hit values."""

from indexing.backends.base import Hit
from searchapp.facets import compute_facets, price_buckets


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
