from dataclasses import replace

import pytest

from catalog.features import feature_forms
from indexing.backends.base import Range
from searchapp.models import QueryRule
from searchapp.query.attributes import (
    extract_attributes,
    extract_brands,
    extract_colours,
    extract_component_spec,
    extract_features,
    extract_model_numbers,
    extract_price,
    extract_price_preference,
    extract_product_type,
    extract_units,
    residual_tokens,
    words_beside_models,
)


def tokens(text):
    return text.split()


@pytest.mark.parametrize(
    ("query", "bounds"),
    [
        ("iphone charger under 20", Range(lte=20)),
        ("mouse below $50", Range(lte=50)),
        ("keyboard less than 100 dollars", Range(lte=100)),
        ("headphones 100-200", Range(gte=100, lte=200)),
        ("hdmi cable $20 to $40", Range(gte=20, lte=40)),
        ("usb hub between 20 and 40", Range(gte=20, lte=40)),
        ("tv over 500", Range(gte=500)),
        ("monitor up to 199.99", Range(lte=199.99)),
    ],
)
def test_price_constraints_are_read_as_ranges(query, bounds):
    (extraction,) = extract_price(tokens(query))
    assert extraction.value == bounds
    assert extraction.consumes_text


def test_price_words_leave_the_text_the_rest_stays():
    query = tokens("iphone charger under 20")
    (price,) = extract_price(query)
    assert residual_tokens(query, [price]) == ("iphone", "charger")


def test_a_currency_makes_a_price_more_certain_than_a_bare_range():
    (with_currency,) = extract_price(tokens("under $20"))
    (bare_range,) = extract_price(tokens("100-200"))
    assert with_currency.confidence > bare_range.confidence


@pytest.mark.parametrize(
    "query", ["27in monitor under", "over ear headphones", "windows 10", "tn-2110", "rtx 2060"]
)
def test_numbers_that_are_not_prices_are_left_alone(query):
    assert extract_price(tokens(query)) == []


def test_brands_are_found_case_folded_and_multi_word_first(vocabulary):
    (brand,) = extract_brands(tokens("allied telesis switch"), vocabulary)
    assert (brand.value, brand.positions) == ("Allied Telesis", (0, 1))
    (brand,) = extract_brands(tokens("red jbl speaker"), vocabulary)
    assert brand.value == "JBL" and brand.confidence == 1.0


def test_a_brand_that_is_also_a_common_title_word_is_less_certain(vocabulary):
    (brand,) = extract_brands(tokens("equip cable"), vocabulary)
    assert brand.confidence < 0.5


def test_colours_sizes_and_product_types_are_recognised(vocabulary):
    assert [e.value for e in extract_colours(tokens("red jbl speaker gray"))] == ["red", "grey"]
    assert [e.value for e in extract_units(tokens("1tb ssd 2m"))] == ["1tb", "2m"]
    (product_type,) = extract_product_type(tokens("red jbl speaker"), vocabulary)
    assert product_type.value == "audio/speakers"


@pytest.mark.parametrize(
    ("query", "preference", "word"),
    [
        ("cheap wireless mouse", "low", "cheap"),
        ("budget laptop", "low", "budget"),
        ("laptop low-cost", "low", "low-cost"),
        ("premium headphones cheap", "high", "premium"),  # the first wish decides
        ("wireless mouse", None, None),
    ],
)
def test_price_wishes_are_read_and_leave_the_text(query, preference, word):
    found = extract_price_preference(tokens(query))
    assert [(e.value, e.text) for e in found] == ([(preference, word)] if preference else [])
    assert all(e.consumes_text and e.positions == (tokens(query).index(word),) for e in found)


@pytest.mark.parametrize(
    ("query", "spec"),
    [
        ("laptop 16gb ram", "16gb ram"),  # the laptop's memory: "ram" leaves the text
        ("notebook 512gb ssd", "512gb ssd"),
        ("16gb ram laptop", "16gb ram"),
        ("16gb ram", None),  # the memory itself
        ("hp 16gb ram", None),  # a brand names no product type
        ("laptop ram", None),  # no size: perhaps laptop memory
    ],
)
def test_a_sized_component_of_another_product_is_a_spec_of_it(query, spec):
    found = extract_component_spec(tokens(query))
    assert [e.value for e in found] == ([spec] if spec else [])
    assert all(e.consumes_text and tokens(query)[e.positions[0]] == e.text for e in found)


@pytest.mark.django_db
def test_every_extractor_runs_by_default(vocabulary, with_models):
    rules = {e.rule for e in extract_attributes(tokens("cheap red jbl speaker 1tb under $20"), vocabulary)}
    assert rules == {"price", "brand", "colour", "unit", "product_type", "price_preference"}
    rules = {e.rule for e in extract_attributes(tokens("brother tn-2110"), with_models)}
    assert rules == {"brand", "model_number"}


@pytest.mark.django_db
def test_a_rule_switched_off_by_a_merchandiser_stops_extracting(
    vocabulary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        QueryRule.objects.create(name=QueryRule.Name.PRICE, enabled=False)
    rules = {e.rule for e in extract_attributes(tokens("jbl speaker under 20"), vocabulary)}
    assert "price" not in rules and "brand" in rules


@pytest.fixture
def with_models(vocabulary):
    """Titles holding model numbers: TN-2110 is a Brother toner; "ddr4" is a spec 40 titles share."""
    return replace(
        vocabulary,
        brands={**vocabulary.brands, "hp": "HP", "brother": "Brother", "c2g": "C2G"},
        brand_precision={**vocabulary.brand_precision, "hp": 1.0, "brother": 1.0, "c2g": 1.0},
        title_postings={
            "tn-2110": [3],
            "tn": [3, 4],
            "2110": [3],
            "dmp-340": [6],
            "rj-45": list(range(30)),
            "ddr4": list(range(40)),
            "16gb": [1, 2],
            "c2g": [5],
        },
        model_brands={"tn-2110": ["Brother"], "ddr4": ["Dell", "HP"], "c2g": ["C2G"]},
    )


def test_model_numbers_are_rare_title_words_of_letters_and_digits(with_models):
    found = extract_model_numbers(tokens("c2g brother tn-2110 toner ddr4 16gb x9"), with_models)
    # "c2g" is a brand, "ddr4" a spec 40 titles share, "16gb" a capacity, "x9" no title holds
    assert [(e.value, e.positions) for e in found] == [("tn-2110", (2,))]


def test_a_model_number_typed_joined_or_apart_is_read_as_titles_write_it(with_models):
    def models(query):
        return [(e.value, e.text, e.positions) for e in extract_model_numbers(tokens(query), with_models)]

    assert models("brother tn 2110 toner") == [("tn-2110", "tn 2110", (1, 2))]
    assert models("dmp340") == [("dmp-340", "dmp340", (0,))]
    # a code 30 titles share is a standard, not a model; a brand and a number are the brand's name
    assert models("rj 45 cable") == models("hp 2110") == []


@pytest.mark.django_db
def test_a_model_number_of_other_brands_leaves_the_brand_word_unextracted(with_models):
    def brands(query):
        return [e.value for e in extract_attributes(tokens(query), with_models) if e.rule == "brand"]

    assert brands("hp tn-2110") == []  # TN-2110 is Brother's: HP is neither filter nor boost
    assert brands("brother tn-2110") == ["Brother"]
    assert brands("hp ddr4") == ["HP"]  # a spec, not a model number
    assert brands("hp toner") == ["HP"]


@pytest.mark.django_db
def test_a_model_numbers_holder_needs_the_other_words_but_brand_names(with_models):
    def beside(query):
        words = tokens(query)
        return words_beside_models(words, extract_attributes(words, with_models), with_models)

    assert beside("tn-2110 toner") == ("toner",)
    assert beside("toner for the tn-2110") == ("toner",)
    assert beside("hp tn-2110") == ()
    assert beside("tn 2110 toner") == ("toner",)  # both words of a code typed apart are the code
    assert beside("hp toner") == ()  # no model number: nothing to hold


@pytest.fixture
def with_features(vocabulary):
    return replace(
        vocabulary,
        features={
            name: feature
            for feature in ("bluetooth", "wi_fi", "numeric_keypad", "keyboard_backlit")
            for name in feature_forms(feature)
        },
    )


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("bluetooth speaker", ["bluetooth"]),
        ("wifi printer", ["wi_fi"]),
        ("wi fi printer", ["wi_fi"]),
        ("wi-fi printer", ["wi_fi"]),
        ("keyboard with numeric keypad and bluetooth", ["numeric_keypad", "bluetooth"]),
        ("backlit keyboard", ["keyboard_backlit"]),
        ("blue speaker", []),
        ("speaker without bluetooth", []),
        ("non backlit keyboard", []),
    ],
)
def test_features_are_read_however_the_query_writes_them(with_features, query, named):
    found = extract_features(tokens(query), with_features)

    assert [e.value for e in found] == named
    assert all(e.field == "feature" and not e.consumes_text for e in found)  # the words still search


@pytest.mark.django_db
def test_merchandisers_can_switch_feature_reading_off(with_features, django_capture_on_commit_callbacks):
    assert "feature" in {e.rule for e in extract_attributes(tokens("bluetooth speaker"), with_features)}
    with django_capture_on_commit_callbacks(execute=True):
        QueryRule.objects.create(name=QueryRule.Name.FEATURE, enabled=False)

    assert "feature" not in {e.rule for e in extract_attributes(tokens("bluetooth speaker"), with_features)}
