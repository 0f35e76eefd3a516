"""The sizes a product states in its attributes, for the kinds the attribute is the size of."""

from catalog.sizes import product_sizes


def test_a_screen_diagonal_or_a_cable_length_is_a_size_token():
    assert product_sizes({"display_diagonal": 42.0, "hd_type": "Full HD"}, "tv-video/tvs-displays") == [
        "42in"
    ]
    assert product_sizes({"display_diagonal": 15.6}, "computers/laptops") == ["15.6in"]
    assert product_sizes({"cable_length": 1.83}, "cables/hdmi-cables") == ["1.83m"]
    assert product_sizes({"cable_length": 2}, "cables/network-cables") == ["2m"]


def test_an_attribute_counts_only_for_the_kinds_it_is_the_size_of():
    # A printer's diagonal is its control panel's; a headset's cable is no "3.5mm" jack.
    assert product_sizes({"display_diagonal": 3.5}, "printing/printers-scanners") == []
    assert product_sizes({"cable_length": 1.2}, "audio/headphones-headsets") == []
    assert product_sizes({"cable_length": 1.5}, "cables/audio-cables") == []
    assert product_sizes({"cable_length": 1.5}, "") == []


def test_an_unknown_or_non_numeric_size_is_none():
    tvs = "tv-video/tvs-displays"
    assert product_sizes({"display_diagonal": 0.0}, tvs) == []
    assert product_sizes({"display_diagonal": True}, tvs) == []
    assert product_sizes({"display_diagonal": "55 inch"}, tvs) == []
    assert product_sizes(None, tvs) == []
