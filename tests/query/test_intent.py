import io

import numpy as np
import pytest

from searchapp.query.intent import (
    IntentModel,
    accuracy_at,
    blend_with_rule,
    catalog_samples,
    get_intent_model,
    is_held_out,
    train_intent_model,
    training_samples,
)
from tests.catalog.factories import SMALL_CATALOG, load_rows

from .intent_models import cables_and_monitors, two_word_model


@pytest.fixture
def trained(db) -> IntentModel:
    load_rows(SMALL_CATALOG)
    return train_intent_model(*training_samples(catalog_samples(), hold_out=False))


def test_a_model_trained_on_titles_predicts_the_category_of_a_short_query(trained):
    (best, probability), *_ = trained.predict(["toner"])
    assert best.endswith("toner-cartridges")
    assert 0 < probability <= 1


def test_singular_and_plural_queries_get_the_same_intent(trained):
    # titles say "toner"; a shopper may type either
    assert trained.predict(["toners"]) == trained.predict(["toner"])
    assert trained.predict(["hdmi", "cables"]) == trained.predict(["hdmi", "cable"])


def test_probabilities_are_ranked_and_sum_to_at_most_one(trained):
    predictions = trained.predict(["hdmi", "cable"], top=3)
    probabilities = [p for _, p in predictions]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0 + 1e-6


def test_a_query_of_unknown_words_has_no_intent(trained):
    assert trained.predict(["zzzz", "qqqq"]) == []


@pytest.mark.parametrize("predict", ["predict", "predict_query"])
def test_the_model_survives_a_save_and_load(trained, tmp_path, predict):
    path = tmp_path / "intent.npz"
    trained.save(path)
    loaded = IntentModel.load(path)
    query = ["hp", "toner", "cable"]
    before, after = getattr(trained, predict)(query), getattr(loaded, predict)(query)
    assert [path for path, _ in after] == [path for path, _ in before]
    assert [p for _, p in after] == pytest.approx([p for _, p in before], abs=1e-5)
    assert (loaded.heads == trained.heads).all() and (loaded.presence == trained.presence).all()


def test_training_records_which_categories_use_each_word(trained):
    used_by = {
        word: {trained.classes[i] for i in trained.presence[trained.vocabulary[word]].nonzero()[0]}
        for word in ("hdmi", "toner", "cyan")
    }
    assert {path.rsplit("/", 1)[-1] for path in used_by["hdmi"]} == {"hdmi-cables"}
    assert used_by["toner"] == used_by["cyan"] and len(used_by["toner"]) == 1


def nintendo_switch(presence) -> IntentModel:
    """ "switch" is strong evidence for networking, "nintendo" weak evidence for games."""
    return two_word_model(("nintendo", "switch"), ("games", "networking"), (1.0, 3.0), presence)


def test_a_query_word_no_product_of_a_category_uses_makes_that_category_unlikely():
    model = nintendo_switch(np.array([[True, False], [True, True]]))
    query = ["nintendo", "switch"]
    assert model.predict(query)[0][0] == "networking"
    (best, probability), (_, other) = model.predict_query(query)
    assert best == "games" and probability > 0.5 and probability + other == pytest.approx(1.0)


def test_a_one_word_query_keeps_the_classifiers_distribution():
    model = nintendo_switch(np.array([[True, False], [True, True]]))
    assert model.predict_query(["nintendo"]) == model.predict(["nintendo"])
    assert model.predict_query(["nintendo", "nintendo"]) == model.predict(["nintendo", "nintendo"])


def test_a_category_whose_products_state_the_word_keeps_its_odds():
    model = nintendo_switch(np.array([[True, False], [True, True]]))
    query = ["nintendo", "switch"]
    assert model.predict_query(query, stated_by={"nintendo": ["networking"]}) == model.predict(query)


def test_training_records_which_categories_name_a_word_as_their_product():
    texts = [
        "sandberg monitor cable dvi hdmi",
        "startech hdmi cable",
        "aoc monitor 24 black",
        "iiyama monitor",
    ]
    model = train_intent_model(texts, ["cables", "cables", "monitors", "monitors"], [1.0] * 4)

    def naming(word):
        return {model.classes[i] for i in model.heads[model.vocabulary[word]].nonzero()[0]}

    assert naming("monitor") == {"monitors"} and naming("hdmi") == {"cables"}
    assert model.presence[model.vocabulary["monitor"]].all()  # both hold the word


MONITORS_NAME_MONITORS = np.array([[True, False], [False, True]])


def test_a_category_only_fitting_the_product_a_query_names_is_unlikely():
    query = ["hdmi", "monitor"]
    assert cables_and_monitors(None).predict_query(query)[0][0] == "cables"
    (best, probability), _ = cables_and_monitors(MONITORS_NAME_MONITORS).predict_query(query)
    assert best == "monitors" and probability > 0.9


def test_a_brand_is_not_the_product_a_query_names():
    model = cables_and_monitors(MONITORS_NAME_MONITORS)
    as_product = model.predict_query(["monitor", "hdmi"])[0]
    as_brand = model.predict_query(["monitor", "hdmi"], brand_words=["hdmi"])[0]
    assert as_product[0] == "cables" and as_brand[0] == "monitors"


def test_the_declared_rule_is_not_followed_where_its_category_holds_only_the_querys_other_words():
    # "hdmi tv" read as a title names HDMI cables ("HDMI" first); their titles never say "TV",
    # which TVs name as their product.
    presence = np.array([[True, False], [False, True]])
    model = two_word_model(("hdmi", "tv"), ("cables", "tvs"), (3.0, 1.0), presence, heads=presence)
    assert model.names_elsewhere("cables", ["hdmi", "tv"], best="tvs")
    assert not model.names_elsewhere("tvs", ["hdmi", "tv"], best="tvs")
    # A category holding none of the query's words keeps a rule naming it: a declared alias
    # ("iphone": phones, though the catalog sells no iPhone).
    assert not model.names_elsewhere("cables", ["tv"], best="tvs")
    # So does a product word the classifier's first reading does not name: a typo a stray
    # title holds ("nintendo swith").
    assert not model.names_elsewhere("cables", ["hdmi", "tv"], best="cables")


def test_a_product_no_category_sells_leaves_what_fits_it_likely():
    # "ipod": the catalog sells docks and cases for iPods, no iPod
    nobody = np.zeros((2, 2), dtype=bool)
    assert cables_and_monitors(nobody).predict_query(["hdmi", "monitor"]) == cables_and_monitors(
        None
    ).predict_query(["hdmi", "monitor"])


def test_a_model_saved_before_word_presence_predicts_queries_as_the_classifier_does():
    model = nintendo_switch(None)
    assert model.predict_query(["nintendo", "switch"]) == model.predict(["nintendo", "switch"])


def test_accuracy_counts_top_k_hits(trained):
    examples = [(["toner"], trained.predict(["toner"])[0][0]), (["zzzz"], "nowhere")]
    assert accuracy_at(trained.predict, examples) == {"accuracy@1": 0.5, "accuracy@3": 0.5, "examples": 2}


def test_the_declared_rule_blends_into_the_prediction():
    blended = blend_with_rule([("a", 0.6), ("b", 0.4)], "b")
    assert blended == [("b", pytest.approx(0.7)), ("a", pytest.approx(0.3))]
    assert blend_with_rule([], "c") == [("c", 0.5)]
    assert blend_with_rule([("a", 1.0)], None) == [("a", 1.0)]


def test_without_a_trained_model_there_is_no_intent(settings, tmp_path):
    settings.SEARCH_DATA_DIR = tmp_path
    get_intent_model.cache_clear()
    assert get_intent_model() is None
    get_intent_model.cache_clear()


def test_the_held_out_split_is_deterministic_and_about_a_tenth():
    keys = [str(i) for i in range(5000)]
    held_out = [key for key in keys if is_held_out(key)]
    assert held_out == [key for key in keys if is_held_out(key)]
    assert 400 < len(held_out) < 600


def test_the_train_command_saves_a_model_the_analyzer_loads(db, settings, tmp_path):
    from django.core.management import call_command

    settings.SEARCH_DATA_DIR = tmp_path
    load_rows(SMALL_CATALOG)
    call_command("train_intent", stdout=io.StringIO())
    get_intent_model.cache_clear()
    try:
        model = get_intent_model()
        assert model is not None and model.predict(["hdmi"])[0][0].endswith("hdmi-cables")
    finally:
        get_intent_model.cache_clear()
