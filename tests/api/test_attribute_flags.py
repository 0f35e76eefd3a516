"""Features the catalog flags (Icecat's yes/no attributes). One flagged false is not
searchable: "bluetooth headphones" must not match wired ones by their "bluetooth: no" attribute
(indexing/documents.flatten_attributes). One the query names comes first where flagged true
and last where flagged false (catalog/features.py, ranking/stated.py)."""

import pytest

from catalog.models import Product
from searchapp.models import QueryRule
from searchapp.query import vocabulary

from .conftest import add_attributed_products


def bluetooth_flagged(like: Product, rows: dict) -> dict:
    """Indexed products beside `like` (its brand, category and shop), key -> (title, Bluetooth
    flag)."""
    return add_attributed_products(
        like, {key: (title, {"bluetooth": flag}) for key, (title, flag) in rows.items()}
    )


def test_a_feature_flagged_false_does_not_match_the_shopper_asking_for_it(client, small_catalog):
    made = bluetooth_flagged(
        small_catalog["headphones"],
        {True: ("Sony WH-CH510 headphones", True), False: ("Sony MDR-ZX110 headphones", False)},
    )

    response = client.get("/api/search", {"q": "bluetooth headphones", "page_size": 20})

    assert response.status_code == 200, response.content
    ranks = {hit["id"]: hit["channel_ranks"] for hit in response.json()["results"]}
    # Every query word matches the one with Bluetooth (its attributes say so)...
    assert "lexical_all" in ranks[f"product:{made[True].pk}"]
    # ...and not the wired one, found for "headphones" alone.
    assert "lexical_all" not in ranks.get(f"product:{made[False].pk}", {})


@pytest.fixture
def bluetooth_speakers(small_catalog, monkeypatch):
    """Beside the small catalog's speaker, one flagging Bluetooth true whose title does not say
    so, and one whose title names Bluetooth but whose catalog entry flags it false (a speaker
    set for a Bluetooth transmitter sold apart)."""
    # A catalog this small flags each feature on one product or two.
    monkeypatch.setattr(vocabulary, "FEATURE_MIN_PRODUCTS", 1)
    monkeypatch.setattr(vocabulary, "FEATURE_MIN_KIND_PRODUCTS", 1)
    return bluetooth_flagged(
        small_catalog["speaker"],
        {
            "having": ("Sony SRS-XB100 portable speaker", True),
            "lacking": ("Sony SRS-D5 speaker set for Bluetooth transmitters", False),
        },
    )


def order_of(client, query: str) -> list[str]:
    response = client.get("/api/search", {"q": query, "type": "product", "page_size": 20})
    assert response.status_code == 200, response.content
    return [hit["id"] for hit in response.json()["results"]]


def test_a_feature_the_query_names_puts_products_flagging_it_before_those_flagging_it_false(
    client, bluetooth_speakers, django_capture_on_commit_callbacks
):
    having, lacking = (f"product:{bluetooth_speakers[key].pk}" for key in ("having", "lacking"))

    response = client.get("/api/search", {"q": "bluetooth speaker", "type": "product"})
    read = [b for b in response.json()["understood"]["boosts"] if b["source"] == "feature"]
    assert [(b["field"], b["value"]) for b in read] == [("feature", "bluetooth")]
    order = order_of(client, "bluetooth speaker")
    assert order.index(having) < order.index(lacking)

    # Switched off by a merchandiser, the title's words decide again: the set lacking it first.
    with django_capture_on_commit_callbacks(execute=True):
        QueryRule.objects.create(name=QueryRule.Name.FEATURE, enabled=False)
    order = order_of(client, "bluetooth speaker")
    assert order.index(lacking) < order.index(having)
