"""The colours a product states, from its title and the catalog's colour attributes."""

from catalog.colours import product_colours


def test_colours_come_from_the_title_and_the_colour_attributes_canonically():
    assert product_colours("HP mouse Gray", {"product_colour": "Black,Silver"}) == ["black", "grey", "silver"]
    assert product_colours("Cable", {"cable_colour": "Pink gold"}) == ["gold", "pink"]
    assert product_colours("Cable", {"cable_colour": ["Red", "White"]}) == ["red", "white"]


def test_attributes_naming_no_colour_state_none():
    # Icecat's "colour" is also a yes/no (printing in colour), and some values name no colour.
    assert product_colours("HP LaserJet printer", {"colour": True, "product_colour": "Multicolour"}) == []
    assert product_colours("Steel rack", {"product_colour": "Stainless steel"}) == []
    assert product_colours("Anything", None) == []
