"""Metric functions against hand-computed values."""

import math

import pytest

from searchapp.evaluation import (
    condensed_ndcg_at_k,
    dcg,
    load_judgments,
    mean_metrics,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    score_query,
)

RATINGS = {"a": 3, "b": 2, "c": 0, "d": 1}
# "x" is unjudged.
RANKING = ["c", "a", "x", "b"]


def test_dcg_uses_exponential_gain_and_log2_discount():
    # given ratings 3, 0, 1 at ranks 1..3
    # then gains are 7, 0, 1 discounted by log2(2), log2(3), log2(4)
    assert dcg([3, 0, 1]) == pytest.approx(7 / 1 + 0 + 1 / 2)


def test_ndcg_at_3_counts_unjudged_as_zero_and_ideal_from_all_judged():
    # DCG@3 of c, a, x = 0 + 7/log2(3) + 0 = 4.41650; ideal 3, 2, 1 = 7 + 3/log2(3) + 1/2 = 9.39279
    assert ndcg_at_k(RANKING, RATINGS, k=3) == pytest.approx(0.470201, abs=1e-6)


def test_condensed_ndcg_drops_unjudged_documents_before_ranking():
    # c, a, b = 0 + 7/log2(3) + 3/2 = 5.91650 over 9.39279
    assert condensed_ndcg_at_k(RANKING, RATINGS, k=3) == pytest.approx(0.629898, abs=1e-6)


def test_judged_documents_missing_from_the_ranking_still_count_in_the_ideal():
    # given a perfect ranking of what can be found, and a perfect document that cannot
    ratings = {"a": 3, "missing": 3}
    # then NDCG is the share of the ideal that was reachable: 7 / (7 + 7/log2(3))
    assert ndcg_at_k(["a"], ratings, k=10) == pytest.approx(7 / (7 + 7 / math.log2(3)))


def test_ndcg_is_zero_without_any_positive_judgment():
    assert ndcg_at_k(["a"], {"a": 0}, k=10) == 0.0


def test_recall_counts_ratings_of_one_and_above_as_relevant():
    # relevant = a, b, d; the top 2 hold a
    assert recall_at_k(RANKING, RATINGS, k=2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKING, RATINGS, k=100) == pytest.approx(2 / 3)


def test_reciprocal_rank_of_the_first_relevant_document():
    assert reciprocal_rank(RANKING, RATINGS) == 0.5
    assert reciprocal_rank(["c", "x"], RATINGS) == 0.0


def test_mean_metrics_is_a_macro_average():
    # given one perfect query and one that finds nothing
    perfect = score_query(["a"], {"a": 3})
    empty = score_query([], {"a": 3})
    # then each metric is the plain mean of the two
    mean = mean_metrics([perfect, empty])
    assert (mean.ndcg, mean.ndcg_condensed, mean.recall, mean.reciprocal_rank) == (0.5, 0.5, 0.5, 0.5)


def test_load_judgments_groups_by_query_and_handles_quoted_commas(tmp_path):
    # given a CSV with a quoted query containing a comma
    path = tmp_path / "judgments.csv"
    path.write_text('query,docid,rating\n"usb, cable",1,3\nusb cable,2,0\n"usb, cable",3,1\n')
    # then the ratings are grouped per query
    assert load_judgments(path) == {"usb, cable": {"1": 3, "3": 1}, "usb cable": {"2": 0}}


def test_load_judgments_rejects_a_file_without_the_expected_columns(tmp_path):
    path = tmp_path / "judgments.csv"
    path.write_text("q,id\nx,1\n")
    with pytest.raises(ValueError, match="docid"):
        load_judgments(path)
