"""The real funnel, for offline use (training on judgments, benchmarks): the candidates a
search hands the final ranker, in first-stage order, with the feature vectors the Rank stage
computed for them. It runs SearchPipeline itself with the final ranker switched off, so
training sees exactly what serving computes (query understanding, recall depth, fusion,
dense similarity of every candidate) and no funnel code is duplicated here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexing.backends.base import Hit
from ranking.features import QueryFeatures
from searchapp.pipeline import PipelineConfig, SearchContext, SearchPipeline
from searchapp.search_request import SearchRequest


@dataclass
class Candidates:
    query: QueryFeatures  # what the Rank stage computed the features for
    hits: list[Hit]  # first-stage order
    features: np.ndarray  # row i = hits[i]'s vector
    similarity: list[float] | None  # dense similarity of each hit (None without a query vector)


class FirstStage:
    """`FirstStage()(query)` -> the top `rank_depth` product candidates before final ranking."""

    def __init__(self, pipeline: SearchPipeline | None = None):
        self.pipeline = pipeline or SearchPipeline(PipelineConfig.from_settings(use_ranker=False))

    def context(self, query: str) -> SearchContext:
        return self.pipeline.run(SearchRequest(query=query, type="product"))

    def __call__(self, query: str) -> Candidates:
        ctx = self.context(query)
        features = ctx.features.get("product")
        if features is None:
            features = np.zeros((0, 0), dtype=np.float32)
        hits = ctx.candidates.get("product", [])[: len(features)]
        rank = next(stage for stage in self.pipeline.stages if stage.name == "rank")
        return Candidates(
            QueryFeatures.from_parsed(ctx.query, ctx.parsed),
            hits,
            features,
            rank.similarity(ctx, "product", hits),
        )
