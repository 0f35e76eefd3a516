"""The real funnel's first stage, for offline use (training on judgments, simulation):
the candidates a search would hand the final ranker, in first-stage order."""

from __future__ import annotations

from django.conf import settings

from indexing.backends.base import Hit
from searchapp.pipeline import PipelineConfig, SearchPipeline
from searchapp.search_request import SearchRequest


def rank_depth() -> int:
    return getattr(settings, "RANKING_RANK_DEPTH", 200)


class FirstStage:
    """`FirstStage()(query)` -> the top `rank_depth()` product candidates before final ranking."""

    def __init__(self, pipeline: SearchPipeline | None = None):
        self.pipeline = pipeline or SearchPipeline(PipelineConfig.from_settings())

    def __call__(self, query: str) -> list[Hit]:
        ctx = self.pipeline.run(SearchRequest(query=query, type="product"))
        return ctx.candidates.get("product", [])[: rank_depth()]
