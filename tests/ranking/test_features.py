import math
from dataclasses import replace

import numpy as np
import pytest

from ranking.datasets import click_groups
from ranking.feature_log import served_search_payload, write_served_search
from ranking.features import FEATURE_INDEX, FEATURE_NAMES, QueryFeatures, compute_features, feature_manifest
from ranking.models import Event, ImpressionLog
from ranking.rerank import rank_candidates
from ranking.stats import bayesian_average, smoothed_rates

from .conftest import NOW, make_hit


def test_the_manifest_names_every_feature_once_with_a_stable_version():
    manifest = feature_manifest()

    assert manifest["names"] == list(FEATURE_NAMES)
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert manifest == feature_manifest()


def test_features_come_from_the_hit_the_query_and_the_stats(hits, stats):
    # Given a query naming the brand and a colour, with a category intent
    query = QueryFeatures("hp black toner", category_intent={"printing/toner": 0.9}, colour="black")

    # When features are computed for the candidate list
    features = compute_features(query, hits, stats, NOW)

    # Then each column holds what its declaration says
    first = features[0]
    assert features.shape == (len(hits), len(FEATURE_NAMES))
    assert first[FEATURE_INDEX["bm25_title"]] == pytest.approx(4.0)
    assert first[FEATURE_INDEX["lexical_rank"]] == 1
    assert first[FEATURE_INDEX["title_coverage"]] == pytest.approx(1.0)
    assert first[FEATURE_INDEX["category_intent"]] == pytest.approx(0.9)
    assert first[FEATURE_INDEX["category_feedback"]] == pytest.approx(1.0)
    assert first[FEATURE_INDEX["brand_match"]] == 1.0
    assert first[FEATURE_INDEX["colour_match"]] == 1.0
    assert first[FEATURE_INDEX["price_percentile"]] == pytest.approx(0.8)  # 121: above 4 of 5 prices
    assert first[FEATURE_INDEX["seller_authority"]] == pytest.approx(0.8)
    assert first[FEATURE_INDEX["ctr"]] == pytest.approx(0.3)
    assert features[1][FEATURE_INDEX["ctr"]] == pytest.approx(0.1)  # no data: the category's rate
    assert first[FEATURE_INDEX["age_days"]] == pytest.approx(1.0)
    assert first[FEATURE_INDEX["query_terms"]] == 3


@pytest.mark.parametrize(
    ("title", "coverage", "all_terms", "first_match"),
    [
        (
            "HP 305 black toner cartridge, black",
            1.0,
            1.0,
            2.0,
        ),  # a repeated word counts where it first stands
        ("Toner for HP printers", 0.5, 0.0, 0.0),
        ("HP 305 cyan ink", 0.0, 0.0, math.nan),
    ],
)
def test_title_features_read_which_query_words_the_title_holds_and_where(
    stats, title, coverage, all_terms, first_match
):
    features = compute_features(QueryFeatures("black toner"), [make_hit(7, title=title)], stats, NOW)[0]

    assert features[FEATURE_INDEX["title_coverage"]] == pytest.approx(coverage)
    assert features[FEATURE_INDEX["all_terms_in_title"]] == all_terms
    assert features[FEATURE_INDEX["first_match_position"]] == pytest.approx(first_match, nan_ok=True)


def test_price_percentiles_are_the_same_when_remembered_and_nan_when_unknown(stats):
    # Given toner at 30 and 121 (above 3 and 4 of the category's 5 prices), a product of a
    # category without prices and one without a price
    hits = [make_hit(10), make_hit(101), make_hit(12), make_hit(13)]
    hits[2].keywords["category_path"] = ["no", "no/such-category"]
    del hits[3].numbers["price"]
    column = FEATURE_INDEX["price_percentile"]

    # When they are ranked twice (the second time from what the stats remembered)
    first = compute_features(QueryFeatures("toner"), hits, stats, NOW)[:, column]
    again = compute_features(QueryFeatures("toner"), hits, stats, NOW)[:, column]

    np.testing.assert_array_equal(first, again)
    assert first[:2].tolist() == pytest.approx([0.6, 0.8])
    assert math.isnan(first[2]) and math.isnan(first[3])


def test_reloaded_stats_give_a_document_its_new_rates(hits, stats):
    # Given a document ranked with one load of the stats (its query-independent features are
    # remembered on them)
    query = QueryFeatures("toner")
    before = compute_features(query, hits[:1], stats, NOW)

    # When the stats reload with new engagement for it
    reloaded = replace(stats, rates_by_doc={"product:101": (0.5, 0.2)}, document_features_memo={})
    after = compute_features(query, hits[:1], reloaded, NOW)

    # Then its features follow the new stats
    assert before[0][FEATURE_INDEX["ctr"]] == pytest.approx(0.3)
    assert after[0][FEATURE_INDEX["ctr"]] == pytest.approx(0.5)
    assert after[0][FEATURE_INDEX["conversion"]] == pytest.approx(0.2)


def test_a_channel_that_did_not_retrieve_a_hit_is_missing_not_zero(stats):
    hit = make_hit(1)
    del hit.channel_scores["dense"], hit.channel_ranks["dense"]

    features = compute_features(QueryFeatures("toner"), [hit], stats, NOW)

    assert math.isnan(features[0][FEATURE_INDEX["dense_cosine"]])
    assert math.isnan(features[0][FEATURE_INDEX["dense_rank"]])


def test_a_reindexed_document_is_featured_from_its_new_values(stats):
    # Given a document ranked once (its per-document terms are remembered)
    query = QueryFeatures("black toner")
    before = compute_features(query, [make_hit(1, title="HP 305 black toner cartridge")], stats, NOW)

    # When it comes back re-indexed (new stored values) with a new title and price
    changed = make_hit(1, title="HP 305 cyan ink")
    changed.numbers["price"] = 99.0
    after = compute_features(query, [changed], stats, NOW)

    # Then the features follow the new values, not the remembered ones
    assert before[0][FEATURE_INDEX["title_coverage"]] == pytest.approx(1.0)
    assert after[0][FEATURE_INDEX["title_coverage"]] == 0.0
    assert after[0][FEATURE_INDEX["log_price"]] == pytest.approx(math.log1p(99.0))


@pytest.mark.django_db
def test_logging_training_and_serving_see_the_same_vector_for_the_same_hit(hits, stats, monkeypatch):
    # Given the vectors serving computes for a candidate list (first stage order, no model)
    monkeypatch.setattr("ranking.rerank.get_ranking_stats", lambda: stats)
    query = QueryFeatures("hp toner")
    served = rank_candidates(query, hits, now=NOW)

    # When serving logs them, twice for the query, with a click on the second hit
    for search_id in ("00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"):
        write_served_search(
            served_search_payload(
                search_id=search_id,
                query="HP toner",
                normalized_query="hp toner",
                doc_type="product",
                doc_ids=[hit.id for hit in served.hits],
                features=served.features,
            )
        )
    Event.objects.create(
        event_id="c1",
        kind="click",
        search_id=search_id,
        doc_id=hits[1].id,
        position=2,
        occurred_at="2024-01-01T00:00Z",
    )

    # Then the logged rows, the training rows and a fresh computation are the same vectors
    recomputed = compute_features(query, hits, stats, NOW)
    logged = ImpressionLog.objects.get(search_id=search_id, position=2)
    assert np.array_equal(np.frombuffer(logged.features, dtype="<f4"), recomputed[1], equal_nan=True)
    (group,) = click_groups()
    row = group.doc_ids.index(hits[1].id)
    assert np.array_equal(group.features[row], recomputed[1], equal_nan=True)
    assert np.array_equal(served.features, recomputed, equal_nan=True)
    assert group.labels[row] > 0 and group.labels.sum() == group.labels[row]


def test_bayesian_average_pulls_small_samples_towards_the_prior():
    # 1 click in 1 examination is not a 100% click rate
    assert bayesian_average(1, 1, prior=0.1, strength=9) == pytest.approx(0.19)
    # with nothing observed the prior stands; with a lot observed the data wins
    assert bayesian_average(0, 0, prior=0.1, strength=9) == pytest.approx(0.1)
    assert bayesian_average(5000, 10000, prior=0.1, strength=9) == pytest.approx(0.5, abs=0.001)


def test_document_rates_are_smoothed_towards_their_category():
    # Given a category where one document was clicked a lot and another seen once, unclicked
    stats = smoothed_rates(
        [
            ("product:1", "audio", 1000.0, 500, 50),
            ("product:2", "audio", 1.0, 0, 0),
            ("product:3", "toner", 100.0, 1, 0),
        ]
    )

    audio_ctr = stats.rates_by_category["audio"][0]
    # Then the busy document keeps about its own rate, the rarely seen one about its category's
    assert stats.rates_by_doc["product:1"][0] == pytest.approx(0.49, abs=0.01)
    assert stats.rates_by_doc["product:2"][0] == pytest.approx(audio_ctr, rel=0.05)
    assert stats.rates_by_category["toner"][0] < audio_ctr
