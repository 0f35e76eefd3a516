"""User-facing filters translated into backend filters per document type."""

import pytest

from indexing.backends.base import Filters, Range
from searchapp.search_request import SearchFilters, SearchRequest


def test_product_filters_map_to_product_fields():
    filters = SearchFilters(
        brands=("HP",), category="/Printing/Toner/", price_min=10, price_max=50, in_stock=True, shop="acme"
    )
    assert filters.for_doc_type("product") == Filters(
        terms={
            "brand": ("HP",),
            "category_path": ("printing/toner",),
            "shop": ("acme",),
            "in_stock": ("true",),
        },
        ranges={"price": Range(gte=10, lte=50)},
    )


def test_videos_filter_price_on_their_cheapest_product_and_ignore_stock():
    filters = SearchFilters(price_max=50, in_stock=False)
    assert filters.for_doc_type("video") == Filters(ranges={"min_product_price": Range(lte=50)})


def test_no_filters_is_an_empty_filter():
    assert not SearchFilters().for_doc_type("live")


def test_type_all_searches_every_document_type():
    assert SearchRequest(query="x", type="all").doc_types == ("product", "video", "live")
    with pytest.raises(ValueError):
        SearchRequest(query="x", type="podcast")
