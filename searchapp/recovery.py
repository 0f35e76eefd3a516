"""The zero/low-result recovery ladder, a pipeline stage between Fuse and PreRank.

When the fused candidates are fewer than `PipelineConfig.recovery_min_results` (default 1:
zero results), the search is retried with one more thing loosened at each step, keeping
everything loosened before, until it finds enough:

1. `relax_filters`: drop the filters query understanding extracted ("under 20", a brand, a
   confident category); the user's own filters stay.
2. `relax_terms`: words the catalog does not know are optional, and no channel requires
   every word ("and" becomes "or").
3. `dense_only`: the dense channel alone, which finds the nearest products to whatever the
   words mean.
4. `suggest`: nothing helped; the response offers the spelling suggestion and completions.

`ctx.recovery` names the step whose results are shown (or `suggest`); a step that does not
apply (nothing extracted, one word only, no embedder) is skipped. Filters read from the query
are also dropped when, however many results they leave, none is of the kind the query clearly
asks for and dropping them finds some: Logitech sells no webcam here, and "logitech webcam"
listed its mice; now it lists webcams, `relax_filters` telling the shopper why. Dropping them,
the ladder keeps that kind first ("sony tv": TVs, not Sony's projector lamps). Results that no
word found, only their meaning, are `dense_only` whichever recall produced them: "lawnmower" in an
electronics catalog is answered by its nearest products (shavers), and the shopper is told
they are related items, not matches, as the merchandisers' report of unmet searches counts it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from indexing.backends.base import BaseSearchBackend

from . import pipeline  # the stages this one re-runs; imported as a module (cycle)
from .query.analyzer import confident_category
from .query.vocabulary import get_vocabulary
from .search_request import SearchFilters

logger = logging.getLogger(__name__)

RECOVERY = "recovery"  # the name that switches the ladder off, with the analyzer's parts
RELAX_FILTERS, RELAX_TERMS, DENSE_ONLY, SUGGEST = "relax_filters", "relax_terms", "dense_only", "suggest"
RECOVERY_STEPS = (RELAX_FILTERS, RELAX_TERMS, DENSE_ONLY, SUGGEST)
MAX_SUGGESTIONS = 5
# Completions are looked up for at most this many of the query's words, longest first.
SUGGEST_WORDS = 3
# The probability from which the query's top category intent is the kind of product it asks
# for, which filters read from it must leave some of (the accessory rule's bar, PipelineConfig).
KIND_INTENT = 0.6


class Recover:
    name = "recover"

    def __init__(self, backend: BaseSearchBackend, config: pipeline.PipelineConfig):
        self.backend = backend
        self.config = config
        self.recall = pipeline.Recall(backend, config)
        self.fuse = pipeline.Fuse(config)

    def run(self, ctx: pipeline.SearchContext) -> None:
        minimum = self.config.recovery_min_results
        if RECOVERY in ctx.request.disabled_understanding:
            return
        if ctx.total >= minimum:
            if self.kind_filtered_away(ctx):
                self.search_kind_unfiltered(ctx)
            if ctx.recovery is None and self.found_by_meaning_only(ctx):
                ctx.recovery = DENSE_ONLY
            return
        filters = pipeline.request_filters(ctx)
        text = ctx.query
        channels = self.config.channels
        for step in (RELAX_FILTERS, RELAX_TERMS, DENSE_ONLY):
            if step == RELAX_FILTERS:
                looser = self.looser_filters(ctx)
                if not looser:
                    continue
                # The kind the query asks for first ("sony tv": TVs of other brands), then
                # the shopper's own filters alone; later steps keep the loosest.
                for filters in looser:
                    if self.found_with(ctx, filters, text, channels, step):
                        return
                continue
            if step == RELAX_TERMS:
                loosened_text, loosened_channels = optional_terms_dropped(text, channels)
                if (loosened_text, loosened_channels) == (text, channels):
                    continue
                text, channels = loosened_text, loosened_channels
            else:
                if not self.embed(ctx):
                    continue
                channels = (pipeline.DENSE,)
            if self.found_with(ctx, filters, text, channels, step):
                return
        ctx.recovery = SUGGEST
        ctx.suggestions = self.suggestions(ctx)

    def found_with(
        self,
        ctx: pipeline.SearchContext,
        filters: SearchFilters,
        text: str,
        channels: tuple[str, ...],
        step: str,
    ) -> bool:
        """Recall and fuse again; True (and `ctx.recovery` set) when that finds enough."""
        self.recall.recall(ctx, filters, text, channels)
        self.fuse.run(ctx)
        if ctx.total < self.config.recovery_min_results:
            return False
        ctx.recovery = DENSE_ONLY if self.found_by_meaning_only(ctx) else step
        return True

    def looser_filters(self, ctx: pipeline.SearchContext) -> list[SearchFilters]:
        """Filters to try in turn once those read from the query are dropped: the shopper's own
        with the kind the query clearly asks for, then the shopper's own alone."""
        own = ctx.request.filters
        kind = clear_kind(ctx)
        tries = [replace(own, category=kind)] if kind and own.category is None else []
        tries.append(own)
        read = pipeline.request_filters(ctx)
        return [filters for filters in dict.fromkeys(tries) if filters != read]

    def kind_filtered_away(self, ctx: pipeline.SearchContext) -> bool:
        """Whether filters read from the query (a brand, a price) left no candidate of the
        kind it clearly asks for."""
        if ctx.parsed is None or pipeline.request_filters(ctx) == ctx.request.filters:
            return False
        kind = clear_kind(ctx)
        return kind is not None and not has_kind(ctx.candidates, kind)

    def search_kind_unfiltered(self, ctx: pipeline.SearchContext) -> None:
        """The kind the query asks for under the shopper's own filters, shown when it holds
        anything ("logitech webcam": webcams); else the results stand."""
        filters = self.looser_filters(ctx)[0]  # the kind, under the shopper's own filters
        unfiltered = replace(ctx, channel_hits={}, capped={}, candidates={}, product_relevance={})
        self.recall.recall(unfiltered, filters, ctx.query, self.config.channels)
        self.fuse.run(unfiltered)
        if unfiltered.total >= self.config.recovery_min_results:
            ctx.channel_hits, ctx.capped = unfiltered.channel_hits, unfiltered.capped
            ctx.candidates, ctx.product_relevance = unfiltered.candidates, unfiltered.product_relevance
            ctx.recovery = RELAX_FILTERS

    def found_by_meaning_only(self, ctx: pipeline.SearchContext) -> bool:
        """Whether the query has words, the pipeline searches words, and no word channel
        found anything for any result type: what is shown came from meaning (the dense,
        passage and visual channels) or from the shopper's profile."""
        if not ctx.query.strip() or pipeline.LEXICAL not in self.config.channels:
            return False
        return not any(
            hits.get(channel) for hits in ctx.channel_hits.values() for channel in pipeline.WORD_CHANNELS
        )

    def embed(self, ctx: pipeline.SearchContext) -> bool:
        """The query vector (encoded now when the pipeline has no dense channel)."""
        if ctx.query_vector is None and ctx.query:
            pipeline.EmbedQuery().run(ctx)
        return ctx.query_vector is not None

    def suggestions(self, ctx: pipeline.SearchContext) -> list[str]:
        found: dict[str, None] = {}
        if ctx.parsed is not None and ctx.parsed.did_you_mean:
            found[ctx.parsed.did_you_mean] = None
        words = sorted(set(ctx.query.split()), key=len, reverse=True)[:SUGGEST_WORDS]
        for word in words:
            try:
                completions = self.backend.suggest(word, ctx.request.doc_types, limit=MAX_SUGGESTIONS)
            except Exception:  # suggestions are a courtesy: never fail the search for them
                logger.warning("suggestions for %r failed", word, exc_info=True)
                break
            found.update(dict.fromkeys(completion["text"] for completion in completions))
            if len(found) >= MAX_SUGGESTIONS:
                break
        return list(found)[:MAX_SUGGESTIONS]


def clear_kind(ctx: pipeline.SearchContext) -> str | None:
    return confident_category(ctx.parsed, KIND_INTENT)


def has_kind(candidates: dict[str, list], category: str) -> bool:
    return any(
        category in hit.keywords.get("category_path", ()) for hits in candidates.values() for hit in hits
    )


def optional_terms_dropped(text: str, channels: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The words the catalog knows (all of them when it knows none; model numbers and sizes
    always count as known), searched for with "or": the all-terms channel becomes the
    any-term one."""
    words = text.split()
    terms = get_vocabulary().terms
    known = [word for word in words if word in terms or any(char.isdigit() for char in word)]
    any_term = tuple(dict.fromkeys(pipeline.LEXICAL if c == pipeline.LEXICAL_ALL else c for c in channels))
    return " ".join(known or words), any_term
