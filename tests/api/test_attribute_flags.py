"""A feature the catalog flags false is not searchable: "bluetooth headphones" must not match
wired ones by their "bluetooth: no" attribute (indexing/documents.flatten_attributes)."""

from catalog.models import Product
from indexing.indexer import index_objects


def test_a_feature_flagged_false_does_not_match_the_shopper_asking_for_it(client, small_catalog):
    like = small_catalog["headphones"]
    made = {
        flag: Product.objects.create(
            external_id=f"p-bt-{flag}",
            title=title,
            attributes={"bluetooth": flag},
            brand=like.brand,
            category=like.category,
            shop=like.shop,
            price="99.00",
            stock=5,
        )
        for flag, title in ((True, "Sony WH-CH510 headphones"), (False, "Sony MDR-ZX110 headphones"))
    }
    index_objects("product", [product.pk for product in made.values()])

    response = client.get("/api/search", {"q": "bluetooth headphones", "page_size": 20})

    assert response.status_code == 200, response.content
    ranks = {hit["id"]: hit["channel_ranks"] for hit in response.json()["results"]}
    # Every query word matches the one with Bluetooth (its attributes say so)...
    assert "lexical_all" in ranks[f"product:{made[True].pk}"]
    # ...and not the wired one, found for "headphones" alone.
    assert "lexical_all" not in ranks.get(f"product:{made[False].pk}", {})
