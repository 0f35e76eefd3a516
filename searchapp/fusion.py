"""Fusion of per-channel result lists into one ranking, above the backends so that every
backend fuses the same way.

Reciprocal rank fusion (Cormack et al., 2009) uses ranks only, so BM25 scores (unbounded)
and cosine similarities (-1..1) combine without calibration; per-channel weights let one
channel count for more. The fused `Hit` keeps every channel's raw score and 1-based rank and
the union of field scores: those are ranking features for the learned ranker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexing.backends.base import Hit


def reciprocal_rank_fusion(
    channels: Mapping[str, Sequence[Hit]], k: float = 60, weights: Mapping[str, float] | None = None
) -> list[Hit]:
    """score(d) = sum over channels c containing d of weight_c / (k + rank_c(d)), rank from 1.

    A channel missing from `weights` has weight 1. Ties keep the order in which documents were
    first seen (channel order, then rank), so the result is deterministic.
    """
    if k < 0:
        raise ValueError("RRF k must be >= 0")
    weights = weights or {}
    fused: dict[str, Hit] = {}
    find = fused.get
    for channel, hits in channels.items():
        weight = weights.get(channel, 1.0)
        for rank, hit in enumerate(hits, start=1):
            fused_hit = find(hit.id)
            if fused_hit is None:
                # Built directly and positionally (field, channel scores and ranks, stored
                # values): half the cost of keyword arguments, and this runs for every
                # recalled hit.
                fused_hit = fused[hit.id] = Hit(
                    hit.doc_type, hit.id, 0.0, {}, {}, {}, hit.keywords, hit.numbers, hit.display
                )
            fused_hit.score += weight / (k + rank)
            fused_hit.channel_scores[channel] = hit.score
            fused_hit.channel_ranks[channel] = rank
            if hit.field_scores:
                fused_hit.field_scores.update(hit.field_scores)
    # sorted() is stable: equal scores stay in first-seen order.
    return sorted(fused.values(), key=lambda hit: hit.score, reverse=True)
