"""What counts as fitting an attribute query (searchapp/attribute_queries.py)."""

from searchapp.attribute_queries import COLOUR, FEATURE, AttributeQuery, fit_of, score_results

MICE = "computers/keyboards-mice"


def test_a_title_naming_the_feature_has_it_as_search_reads_it():
    assert fit_of(FEATURE, "wireless", "HP Wireless Optical mouse", {}, MICE) is True
    assert (
        fit_of(FEATURE, "wireless", "HP Wireless Optical mouse", {"wireless": False}, MICE) is False
    )  # the flag
    assert fit_of(FEATURE, "backlight", "Origin Storage UK Keyboard Non-Backlit", {}, MICE) is False
    assert fit_of(FEATURE, "bluetooth", "HP X500 mouse", {"bluetooth": True}, MICE) is True
    assert fit_of(FEATURE, "bluetooth", "HP X500 mouse", {}, MICE) is None


def test_a_product_of_another_kind_fits_no_query_for_the_kind():
    query = AttributeQuery("bluetooth mouse", FEATURE, "bluetooth", 2, MICE)
    results = [
        ("HP Bluetooth mouse", {}, MICE),
        ("Bluetooth Headset Black", {"bluetooth": True}, "audio/headphones-headsets"),
    ]
    score = score_results(query, results, k=2)
    assert (score.fit, score.off, score.ideal) == (0.5, 0.0, 1.0)
    red = AttributeQuery("red mouse", COLOUR, "red", 1, MICE)
    assert score_results(red, [("Red mouse pad", {}, "computers/mouse-pads")], k=1).fit == 0.0
