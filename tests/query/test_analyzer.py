import pytest

from searchapp.models import Synonym
from searchapp.query.analyzer import PARTS, AnalyzerConfig, analyze
from searchapp.search_request import SearchFilters

from .intent_models import cables_and_monitors

pytestmark = pytest.mark.django_db


def test_a_price_constraint_becomes_a_filter_and_leaves_the_text(saved_vocabulary):
    parsed = analyze("iPhone charger under 20")
    assert parsed.text_for_lexical == "iphone charger"
    assert parsed.filters.price_max == 20 and parsed.filters.price_min is None
    assert parsed.explain()["filters"] == {"price": {"gte": None, "lte": 20.0}}


def test_a_reliable_brand_filters_a_colour_and_a_type_only_boost(saved_vocabulary):
    parsed = analyze("red jbl speaker")
    assert parsed.filters.brands == ("JBL",)
    assert parsed.text_for_lexical == "red jbl speaker"  # names stay searchable
    boosts = {(b.field, b.value) for b in parsed.boosts}
    assert {("title", "red"), ("attributes", "red"), ("category_path", "audio/speakers")} <= boosts


def test_an_unreliable_brand_is_only_boosted(saved_vocabulary):
    parsed = analyze("equip cable")
    assert parsed.filters.brands == ()
    assert ("brand", "Equip") in {(b.field, b.value) for b in parsed.boosts}


def test_sizes_are_boosted_in_both_spellings(saved_vocabulary):
    boosts = {(b.field, b.value) for b in analyze("1 TB ssd").boosts}
    assert {("title", "1tb"), ("title", "1 tb")} <= boosts


def test_a_terabyte_size_is_also_searched_as_catalogs_write_it_in_gigabytes(saved_vocabulary):
    parsed = analyze("seagate 1 TB drive under $80")
    assert parsed.text_for_lexical == "seagate 1tb drive"
    assert parsed.explain()["unit_alternatives"] == [
        {"from": "1tb", "to": "1000 gb", "query": "seagate 1000 gb drive", "weight": 1.0}
    ]
    assert analyze("16gb ram").explain()["unit_alternatives"] == []  # gigabytes are written as such


def test_a_price_wish_leaves_the_text_and_is_understood(saved_vocabulary):
    parsed = analyze("cheap jbl speaker under $50")
    assert parsed.text_for_lexical == "jbl speaker"
    assert parsed.price_preference == "low" and parsed.explain()["price_preference"] == "low"
    assert parsed.filters.price_max == 50
    assert analyze("jbl speaker").price_preference is None


def test_a_sized_component_of_a_named_product_leaves_the_text(saved_vocabulary):
    assert analyze("laptop 16gb ram").text_for_lexical == "laptop 16gb"
    assert analyze("16gb ram").text_for_lexical == "16gb ram"


def test_a_misspelled_query_is_searched_corrected(saved_vocabulary):
    parsed = analyze("xbox contoller")
    assert parsed.corrected == parsed.did_you_mean == "xbox controller"
    assert parsed.text_for_lexical == "xbox controller"


def test_a_misspelling_close_to_several_words_also_searches_the_runner_up(saved_vocabulary):
    # "speakes" is one edit from "speakers" (400 uses) and "speaker" (300)
    parsed = analyze("jbl speakes under $50")
    assert parsed.text_for_lexical == "jbl speakers"
    alternatives = parsed.explain()["spelling_alternatives"]
    # the price filter took "under $50" out of the alternative too
    assert alternatives == [{"from": "speakers", "to": "speaker", "query": "jbl speaker", "weight": 1.0}]
    assert parsed.explain()["synonyms_applied"] == []


def test_synonyms_become_weighted_alternatives(saved_vocabulary):
    # given an enabled two-way rule (the seed rules start disabled)
    Synonym.objects.update_or_create(
        rule="tv, television", locale="en", defaults={"enabled": True, "weight": 0.8}
    )
    parsed = analyze("tv")
    assert [(a.text, a.weight) for a in parsed.alternatives] == [("television", 0.8)]
    assert parsed.explain()["synonyms_applied"][0]["to"] == "television"


def test_a_query_that_is_only_a_constraint_keeps_its_words(saved_vocabulary):
    assert analyze("under $20").text_for_lexical == "under $20"


@pytest.mark.parametrize("part", PARTS)
def test_each_part_can_be_switched_off(saved_vocabulary, part):
    parsed = analyze("Wireles mouse under $20 tv", AnalyzerConfig.from_settings(disabled=[part]))
    if part == "spelling":
        assert parsed.corrected is None and parsed.did_you_mean is None
        assert parsed.explain()["spelling_alternatives"] == []
    if part == "attributes":
        assert parsed.filters == SearchFilters() and parsed.extractions == ()
    if part == "synonyms":
        # "wireles" is rare in the catalog: "wireless" is searched beside it, a spelling doubt
        assert [a.kind for a in parsed.alternatives] == ["spelling"]
        assert parsed.explain()["synonyms_applied"] == []
    if part == "normalize":
        assert parsed.normalized == "wireles mouse under $20 tv"


def test_unknown_parts_are_rejected():
    with pytest.raises(ValueError, match="unknown query-understanding parts"):
        AnalyzerConfig.from_settings(disabled=["telepathy"])


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "😀🔥📱",
        "x" * 1000,
        "wireless " * 200,
        "mouse\x00\x1b[31m\u202e\ufeff",
        "'; DROP TABLE catalog_product; --",
        '{"query": {"match_all": {}}}',
        "<script>alert(1)</script>",
        "наушники sony 耳机 ヘッドホン",
        "under $999999999999999999999",
        "1-2-3-4-5",
        "$",
        "\ud800",
    ],
)
def test_bad_input_never_raises(saved_vocabulary, raw):
    parsed = analyze(raw)
    assert parsed.degraded == ()
    assert isinstance(parsed.explain(), dict)


def test_analyze_without_any_saved_model_still_works(saved_vocabulary):
    parsed = analyze("wireless mouse")
    assert parsed.category_intent == ()  # no intent model trained in this data directory


def test_words_in_a_script_the_catalog_is_not_written_in_are_unreadable(saved_vocabulary):
    # the vocabulary is all Latin: Chinese and Cyrillic words are unreadable, digits are not
    assert analyze("中文 колонка").unreadable_words == ("中文", "колонка")
    assert analyze("蓝牙 speaker 2").unreadable_words == ("蓝牙",)
    assert analyze("speaker").unreadable_words == ()


def test_an_unreadable_vocabulary_degrades_the_parts_that_need_it_and_nothing_else(saved_vocabulary):
    from searchapp.query.analyzer import reset_caches
    from searchapp.query.vocabulary import vocabulary_path

    vocabulary_path().write_text("{not json")
    reset_caches()
    parsed = analyze("hp tn-2110 toner")
    assert parsed.text_for_lexical == "hp tn-2110 toner"
    assert [entry.split(":")[0] for entry in parsed.degraded] == ["spelling", "attributes"]


def test_a_feature_word_counts_only_when_the_query_asks_for_a_kind_flagging_it(vocabulary):
    from dataclasses import replace

    from searchapp.query.analyzer import features_of_the_kind
    from searchapp.query.attributes import extract_features

    # "box" is a boxed processor's flag; "bluetooth" speakers' and headphones'.
    flagging = replace(
        vocabulary,
        features={"box": "box", "bluetooth": "bluetooth"},
        feature_kinds={
            "box": {"computer-components/processors": 40},
            "bluetooth": {"audio/speakers": 30, "audio/headphones": 50},
        },
    )

    def read(query, intent):
        found = extract_features(query.split(), flagging)
        return [e.value for e in features_of_the_kind(found, intent, flagging)]

    assert read("bluetooth speaker", [("audio/speakers", 0.9)]) == ["bluetooth"]
    assert read("tv box", [("tv-video/media-players", 0.8), ("computer-components/processors", 0.1)]) == []
    # Likely enough over several flagging kinds together.
    assert read("bluetooth audio", [("audio/speakers", 0.3), ("audio/headphones", 0.3)]) == ["bluetooth"]


def test_of_features_read_from_the_same_words_the_likely_kind_flagging_it_most_is_read(vocabulary):
    from dataclasses import replace

    from catalog.features import feature_forms
    from searchapp.query.analyzer import features_of_the_kind
    from searchapp.query.attributes import extract_features

    # Laptops flag "keyboard_backlit" (and 7 keyboards false); keyboards flag "backlight".
    flagging = replace(
        vocabulary,
        features={form: name for name in ("keyboard_backlit", "backlight") for form in feature_forms(name)},
        feature_kinds={
            "keyboard_backlit": {"computers/laptops": 111, "computers/keyboards-mice": 7},
            "backlight": {"computers/keyboards-mice": 86},
        },
    )

    def read(query, intent):
        found = extract_features(query.split(), flagging)
        return [e.value for e in features_of_the_kind(found, intent, flagging)]

    assert read("backlit keyboard", [("computers/keyboards-mice", 0.9)]) == ["backlight"]
    assert read(
        "laptop backlit keyboard", [("computers/laptops", 0.9), ("computers/keyboards-mice", 0.1)]
    ) == ["keyboard_backlit"]


def test_a_word_read_as_a_brand_and_a_size_is_the_brand_only_for_a_kind_the_brand_sells(vocabulary):
    from dataclasses import replace
    from types import SimpleNamespace

    from ranking.features import QueryFeatures
    from ranking.sizes import sizes_in
    from searchapp.query.analyzer import brands_of_the_kind
    from searchapp.query.attributes import extract_attributes

    # 3M sells privacy filters, no cable; most titles saying "3m" are cables three metres long.
    selling = replace(
        vocabulary,
        brands={**vocabulary.brands, "3m": "3M", "black box": "Black Box"},
        brand_precision={**vocabulary.brand_precision, "3m": 0.15, "black box": 0.5},
        brand_kinds={"3M": ["computers/privacy-filters"], "Black Box": ["cables/network-cables"]},
    )

    def read(query, intent, applied=()):
        found = extract_attributes(query.split(), selling)
        kept = brands_of_the_kind(found, [e for e in found if e.text in applied], intent, selling)
        parsed = SimpleNamespace(extractions=tuple(kept), category_intent=())
        sizes = QueryFeatures.from_parsed(query, parsed).sizes
        return sorted(e.value for e in kept if e.rule == "brand"), sizes

    # Not the brand: the size ranks the cables.
    assert read("hdmi cable 3m", [("cables/hdmi-cables", 1.0)]) == ([], sizes_in(["3m"]))
    assert read("3m privacy filter", [("computers/privacy-filters", 0.95)]) == (["3M"], {})
    # An unclear query may be asking for the brand's kind.
    assert read("3m", [("cables/hdmi-cables", 0.6), ("computers/privacy-filters", 0.3)])[0] == ["3M"]
    # A brand sure enough to filter by is the brand; so is one not also read as a size or colour.
    assert read("hdmi cable 3m", [("cables/hdmi-cables", 1.0)], applied=("3m",))[0] == ["3M"]
    assert read("black box cable", [("cables/hdmi-cables", 1.0)])[0] == ["Black Box"]
    # A vocabulary built before brand kinds were counted knows none: the brand stands.
    selling.brand_kinds = {}
    assert read("hdmi cable 3m", [("cables/hdmi-cables", 1.0)])[0] == ["3M"]


def test_what_the_words_after_for_name_is_what_the_product_fits_not_the_product():
    from searchapp.query.analyzer import not_what_it_fits

    # "case for iphone": the classifier leans to phones, which "iphone" alone names
    intent = [("phones/phones", 0.5), ("phones/phone-cases", 0.41), ("computers/laptop-bags", 0.09)]
    fitted = {"phones/phones": 0.9, "phones/phone-cases": 0.05}

    read = not_what_it_fits(intent, fitted)

    assert [path for path, _ in read] == ["phones/phone-cases", "computers/laptop-bags", "phones/phones"]
    assert sum(probability for _, probability in read) == pytest.approx(1.0)
    # A target naming every category the query reads leaves the intent as it was
    assert not_what_it_fits(intent, dict.fromkeys(dict(intent), 1.0)) == intent


def test_a_product_for_a_target_is_read_as_the_product(saved_vocabulary):
    """ "mount for tv": "tv" is stronger evidence than "mount", and alone names TVs."""
    import numpy as np

    from searchapp.query.analyzer import reset_caches
    from searchapp.query.intent import intent_path

    from .intent_models import two_word_model

    presence = np.ones((2, 2), dtype=bool)  # both kinds' texts use both words
    two_word_model(("mount", "tv"), ("tv/mounts", "tv/tvs"), (1.0, 3.0), presence).save(intent_path())
    reset_caches()

    assert analyze("mount tv").category_intent[0][0] == "tv/tvs"
    assert analyze("mount for tv").category_intent[0][0] == "tv/mounts"
    reset_caches()


def test_a_vocabulary_saved_before_feature_kinds_were_counted_still_loads(vocabulary, tmp_path):
    import json

    from searchapp.query.vocabulary import FEATURE_MIN_KIND_PRODUCTS, Vocabulary

    path = tmp_path / "vocabulary.json"
    vocabulary.save(path)
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "feature_kinds": {"bluetooth": ["audio/speakers"]}}))

    assert Vocabulary.load(path).feature_kinds == {"bluetooth": {"audio/speakers": FEATURE_MIN_KIND_PRODUCTS}}


def test_a_query_naming_a_product_by_its_connector_asks_for_the_product(saved_vocabulary, settings):
    """ "hdmi monitor": the declared rule reads it as a title, HDMI first (HDMI cables), and
    the classifier leans the same way; the cables' titles only say "monitor" for what they fit."""
    from dataclasses import replace

    import numpy as np

    from searchapp.query.analyzer import reset_caches
    from searchapp.query.intent import intent_path
    from searchapp.query.vocabulary import vocabulary_path

    replace(
        saved_vocabulary, features={"hdmi": "hdmi"}, feature_kinds={"hdmi": {"computers/monitors": 52}}
    ).save(vocabulary_path())

    def intent_with(heads):
        cables_and_monitors(heads, ("cables/hdmi-cables", "computers/monitors")).save(intent_path())
        reset_caches()
        parsed = analyze("hdmi monitor")
        return parsed.category_intent[0][0], {b.value for b in parsed.boosts if b.field == "category_path"}

    assert intent_with(None) == ("cables/hdmi-cables", {"cables/hdmi-cables"})
    assert intent_with(np.array([[True, False], [False, True]])) == (
        "computers/monitors",
        {"computers/monitors"},
    )


def test_only_a_sure_reading_naming_the_product_word_overrides_the_declared_rule(saved_vocabulary):
    """ "hdmi tv" read as a title names HDMI cables, whose titles never say "TV"; TVs name it.
    The classifier sure of TVs drops the rule; unsure (a corrected typo's stray word), it stands."""
    import numpy as np

    from searchapp.query.analyzer import query_intent
    from searchapp.query.attributes import PRODUCT_TYPE, Extraction
    from searchapp.query.intent import IntentModel

    classes = ["cables/hdmi-cables", "tv-video/tvs-displays", "a/a", "b/b"]
    holds_tv = np.array([False, True, True, True])
    presence = np.array([[True] * 4, holds_tv])  # rows: hdmi, tv
    heads = np.array([[True, False, False, False], holds_tv])  # the classes holding "tv" name it
    rule = Extraction(PRODUCT_TYPE, "category_path", "cables/hdmi-cables", 0.7, "hdmi tv")

    def read(tv_weight):
        model = IntentModel(
            vocabulary={"hdmi": 0, "tv": 1},
            idf=np.ones(2),
            coef=np.array([[1.0, 0.0], [0.0, tv_weight], [0.0, 0.0], [0.0, 0.0]]),
            intercept=np.zeros(4),
            classes=classes,
            presence=presence,
            heads=heads,
        )
        intent, extractions = query_intent(model, ["hdmi", "tv"], [rule], 3)
        return intent[0][0], rule in extractions

    assert read(8.0) == ("tv-video/tvs-displays", False)
    assert read(0.3) == ("cables/hdmi-cables", True)
