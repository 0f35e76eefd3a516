"""The colour facet and filter, and the colour preference, read what titles and the catalog's
colour attributes state (catalog/colours.py)."""

import pytest

from .conftest import add_attributed_products

SEARCH = "/api/search"


@pytest.fixture
def mice(small_catalog):
    """Four HP mice beside the small catalog: red by title, red (and silver) by attributes
    only, black by attributes only (the shortest title, which BM25 favours for "mouse"), and
    one stating no colour."""
    like = small_catalog["printer"]
    rows = {
        "red_title": ("HP Wireless Optical mouse Red", {}),
        "red_attribute": ("HP Comfort Grip Wireless Mouse", {"product_colour": "Red,Silver"}),
        "black_attribute": ("HP Mouse", {"product_colour": "Black"}),
        "plain": ("HP X500 Wired Optical Mouse with USB receiver", {"colour": True}),
    }
    return {key: f"product:{product.pk}" for key, product in add_attributed_products(like, rows).items()}


def search(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_colour_facet_counts_what_titles_and_colour_attributes_state(client, mice):
    body = search(client, q="hp mouse")

    colours = {row["value"]: row["count"] for row in body["facets"]["colour"]}
    # Black: the black mouse and the small catalog's "HP 305 black toner cartridge".
    assert colours == {"red": 2, "black": 2, "silver": 1}


def test_a_colour_filter_keeps_the_products_stating_it_and_its_facet_keeps_the_others(client, mice):
    body = search(client, q="hp mouse", colour="red")

    assert {hit["id"] for hit in body["results"]} == {mice["red_title"], mice["red_attribute"]}
    # Disjunctive, as the brand facet: the shopper can add black to the selection.
    colours = {row["value"]: row["count"] for row in body["facets"]["colour"]}
    assert colours == {"red": 2, "black": 2, "silver": 1}
    assert body["total"] == 2


def test_a_colour_filter_takes_several_values_and_the_catalogs_spellings(client, small_catalog, mice):
    body = search(client, q="hp mouse", colour="Black, SILVER")

    toner = f"product:{small_catalog['toner'].pk}"
    assert {hit["id"] for hit in body["results"]} == {mice["black_attribute"], mice["red_attribute"], toner}


def test_an_unknown_colour_is_a_400_naming_the_parameter_and_the_known_colours(client, mice):
    response = client.get(SEARCH, {"q": "hp mouse", "colour": "chartreuse"})

    assert response.status_code == 400
    reasons = str(response.json()["errors"]["colour"])
    assert "Unknown colour 'chartreuse'" in reasons and "black" in reasons


def test_a_colour_named_in_the_query_puts_a_product_whose_attributes_state_another_after(client, mice):
    body = search(client, q="red mouse", page_size=10)

    order = [hit["id"] for hit in body["results"] if hit["id"] in mice.values()]
    # BM25 favours "HP Mouse" for "mouse"; its attributes say black, so the red mice and the
    # one stating no colour come first.
    assert order[-1] == mice["black_attribute"]
    assert set(order[:2]) == {mice["red_title"], mice["red_attribute"]}
