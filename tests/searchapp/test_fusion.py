"""Reciprocal rank fusion above the backends."""

import pytest

from indexing.backends.base import Hit
from searchapp.fusion import reciprocal_rank_fusion


def hits(channel_scores, field):
    return [
        Hit(doc_type="product", id=doc, score=score, field_scores={field: score})
        for doc, score in channel_scores
    ]


LEXICAL = hits([("A", 12.0), ("B", 9.0), ("C", 3.0)], "title")
DENSE = hits([("C", 0.9), ("A", 0.8), ("D", 0.7)], "cosine")


def test_rrf_sums_reciprocal_ranks_across_channels():
    # when both channels are fused with k=60 and equal weights
    fused = reciprocal_rank_fusion({"lexical": LEXICAL, "dense": DENSE}, k=60)
    # then A (ranks 1, 2) beats C (ranks 3, 1), then the single-channel B (2) and D (3)
    assert [hit.id for hit in fused] == ["A", "C", "B", "D"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3].score == pytest.approx(1 / 63)


def test_fused_hits_keep_raw_channel_scores_ranks_and_field_scores():
    fused = {hit.id: hit for hit in reciprocal_rank_fusion({"lexical": LEXICAL, "dense": DENSE}, k=60)}
    assert fused["C"].channel_scores == {"lexical": 3.0, "dense": 0.9}
    assert fused["C"].channel_ranks == {"lexical": 3, "dense": 1}
    assert fused["C"].field_scores == {"title": 3.0, "cosine": 0.9}
    assert fused["B"].channel_ranks == {"lexical": 2}


def test_channel_weights_shift_the_balance():
    # given the dense channel counts three times as much
    fused = reciprocal_rank_fusion({"lexical": LEXICAL, "dense": DENSE}, k=60, weights={"dense": 3.0})
    # then C (dense rank 1) overtakes A: 1/63 + 3/61 > 1/61 + 3/62
    assert [hit.id for hit in fused][:2] == ["C", "A"]


def test_fusion_does_not_modify_the_channel_hits():
    reciprocal_rank_fusion({"lexical": LEXICAL, "dense": DENSE}, k=60)
    assert LEXICAL[0].score == 12.0
    assert LEXICAL[0].channel_ranks == {}


def test_ties_keep_first_seen_order():
    # given two single-channel lists whose documents tie rank for rank
    fused = reciprocal_rank_fusion(
        {"lexical": hits([("X", 1.0)], "title"), "dense": hits([("Y", 1.0)], "cosine")}
    )
    assert [hit.id for hit in fused] == ["X", "Y"]


def test_negative_k_is_rejected():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion({"lexical": LEXICAL}, k=-1)
