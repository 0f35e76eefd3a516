"""'cheap ...' and 'premium ...': the price wish reorders products that fit the query alike."""

from catalog.models import Product
from indexing.indexer import index_objects
from ranking.stats import reset_ranking_stats

SEARCH = "/api/search"


def positions(client, query: str) -> list[str]:
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200, response.content
    return [hit["id"] for hit in response.json()["results"]]


def test_a_price_wish_lifts_the_cheaper_or_the_dearer_of_products_that_fit_alike(client, small_catalog):
    # given three headphones of one category, alike but for their price
    sony = small_catalog["headphones"]
    cheapest, dearest = (
        Product.objects.create(
            external_id=f"p-{model}",
            title=f"Sony {model} headphones",
            brand=sony.brand,
            category=sony.category,
            shop=sony.shop,
            price=price,
            stock=5,
        )
        for model, price in (("MDR-ZX110", "15.00"), ("MDR-Z1R", "1999.00"))
    )
    index_objects("product", [cheapest.pk, dearest.pk])
    reset_ranking_stats()  # the category's price distribution now holds them

    cheap, premium = positions(client, "cheap headphones"), positions(client, "premium headphones")

    # then "cheap" puts the cheapest first and "premium" the dearest, each above the other
    assert cheap[0] == f"product:{cheapest.pk}" and premium[0] == f"product:{dearest.pk}"
    assert cheap.index(f"product:{dearest.pk}") > premium.index(f"product:{dearest.pk}")
    body = client.get(SEARCH, {"q": "cheap headphones"}).json()
    assert body["understood"]["price_preference"] == "low"
    assert body["understood"]["normalized"] == "cheap headphones"
