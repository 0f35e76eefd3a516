"""The features a product flags (catalog/features.py) and how queries name them."""

from collections import Counter

import pytest

from catalog.features import feature_forms, product_features
from catalog.models import Product
from searchapp.query.vocabulary import FEATURE_MIN_PRODUCTS, feature_forms_of


def test_flags_true_are_features_flags_false_what_it_lacks_and_box_contents_neither():
    attributes = {
        "bluetooth": True,
        "wi_fi": False,
        "touchscreen": False,
        "manual": True,  # a printed manual in the box
        "quick_start_guide": True,
        "rohs_compliance": True,
        "colour": "Black",
        "weight": 1.2,
    }

    assert product_features(attributes) == (["bluetooth"], ["touchscreen", "wi_fi"])
    assert product_features(None) == ([], [])


def test_connectivity_names_wired_or_wireless_and_the_other_is_lacking():
    def features(value):
        return product_features({"connectivity_technology": value})

    assert features("Wired") == (["wired"], ["wireless"])
    assert features("Wireless") == (["wireless"], ["wired"])
    assert features("Wired & Wireless") == (["wired", "wireless"], [])
    assert features("Docking") == ([], [])
    assert features(["Wired", "Wireless"]) == (["wired", "wireless"], [])
    assert features(1) == ([], [])


def test_a_port_counted_or_flagged_is_the_connector_as_shoppers_name_it():
    monitor = {"vga_d_sub_ports_quantity": 1.0, "displayports_quantity": 2, "dvi_port": False}
    assert product_features(monitor) == (["displayport", "vga"], ["dvi"])
    # A DVI-D port counted outweighs the generic DVI flag set false: it has DVI.
    assert product_features({"dvi_d_ports_quantity": 1.0, "dvi_port": False}) == (["dvi"], [])
    assert product_features({"hdmi_ports_quantity": 0, "thunderbolt_3_ports_quantity": 1}) == (
        ["thunderbolt"],
        ["hdmi"],
    )
    # Counts of ports no shopper names by the count's name are no features.
    assert product_features({"ports_quantity": 4, "usb_2_0_ports_quantity": 2}) == ([], [])
    assert product_features({"vga_d_sub_ports_quantity": "1"}) == ([], [])


def test_a_display_of_4k_or_more_has_4k_a_lower_resolution_class_lacks_it():
    def features(hd_type):
        return product_features({"hd_type": hd_type, "bluetooth": True})

    assert features("4K Ultra HD") == features("8K Ultra HD") == (["4k", "bluetooth"], [])
    assert features("Full HD") == features("2K Ultra HD") == features("WUXGA+") == (["bluetooth"], ["4k"])
    assert features(["HD+"]) == (["bluetooth"], ["4k"])
    # "Not supported" names no resolution class.
    assert features("Not supported") == features(None) == (["bluetooth"], [])


def test_a_feature_is_named_apart_joined_or_in_any_order():
    assert feature_forms("wi_fi") == ("wi fi", "wifi", "fi wi")
    assert feature_forms("keyboard_backlit") == ("keyboard backlit", "keyboardbacklit", "backlit keyboard")
    assert feature_forms("bluetooth") == ("bluetooth",)
    # keyboards flag "backlight", shoppers type "backlit"
    assert set(feature_forms("led_backlight")) >= {
        "led backlight",
        "led backlit",
        "backlit led",
        "ledbacklit",
    }


def test_features_enough_products_flag_true_and_few_words_name_are_searchable():
    flagged = Counter(
        {
            "bluetooth": FEATURE_MIN_PRODUCTS,
            "wi_fi": 300,
            "rare": FEATURE_MIN_PRODUCTS - 1,
            "intel_virtualization_technology_vt_x": 387,  # no shopper types it
        }
    )

    assert feature_forms_of(flagged) == {
        "bluetooth": "bluetooth",
        "wi fi": "wi_fi",
        "wifi": "wi_fi",
        "fi wi": "wi_fi",
    }
    # A form two features share goes to the more often flagged one.
    assert feature_forms_of(Counter({"wifi": 20, "wi_fi": 300}))["wifi"] == "wi_fi"


@pytest.mark.django_db
def test_the_query_vocabulary_holds_the_features_the_catalog_flags(monkeypatch):
    from searchapp.query import vocabulary
    from tests.catalog.factories import SMALL_CATALOG, load_rows, product_row

    monkeypatch.setattr(vocabulary, "FEATURE_MIN_PRODUCTS", 1)
    monkeypatch.setattr(vocabulary, "FEATURE_MIN_KIND_PRODUCTS", 1)
    printer = product_row(
        id="SKU-7",
        title="Canon PIXMA TS5150 printer",
        brand="Canon",
        attributes={"wi_fi": True, "fax": False},
    )
    load_rows([*SMALL_CATALOG, printer])

    built = vocabulary.build_vocabulary(relatedness=False)

    # Flagged true somewhere: searchable (the headphones' connectivity says "Wireless"); flagged
    # false only: nothing shoppers can ask for here.
    assert built.features == {"wi fi": "wi_fi", "wifi": "wi_fi", "fi wi": "wi_fi", "wireless": "wireless"}
    # ...for the kinds of products flagging it (either way).
    assert set(built.feature_kinds) == {"wi_fi", "wireless"}
    assert built.feature_kinds["wi_fi"] == {Product.objects.get(external_id="SKU-7").category.path: 1}
    # Its words are the catalog's, never corrected ("cuda laptop" is no typo of "cauda").
    assert built.terms["wifi"] >= 1 and built.terms["fi"] >= 1 and "fax" not in built.terms
    # A word the text uses counts as the text does: two products say "Wireless" in an attribute
    # and one title says it, whatever their connectivity features.
    assert built.terms["wireless"] == vocabulary.TITLE_WEIGHT + 2 * vocabulary.ATTRIBUTE_WEIGHT
