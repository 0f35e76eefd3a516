"""Offline relevance evaluation of the search pipeline against graded judgments.

Each judged query runs through the same `SearchPipeline` the API uses (type=product, first
page of `--recall-k` results), so what is measured is what users get. Metric conventions are
in searchapp/evaluation.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from indexing.schema import document_id
from searchapp.evaluation import QueryMetrics, load_judgments, mean_metrics, score_query
from searchapp.pipeline import DENSE, HYBRID_CHANNELS, LEXICAL, PipelineConfig, SearchPipeline
from searchapp.search_request import SearchRequest

PIPELINE_CHANNELS = {"bm25": (LEXICAL,), "dense": (DENSE,), "hybrid": HYBRID_CHANNELS}
RECALL_K = 100


def parse_assignments(values: list[str], option: str) -> dict[str, float]:
    """["title=3", "brand=2"] -> {"title": 3.0, "brand": 2.0}"""
    parsed = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            parsed[name.strip()] = float(number)
        except ValueError:
            raise CommandError(f"{option} expects NAME=NUMBER, got {value!r}") from None
    return parsed


class Command(BaseCommand):
    help = "Evaluate search relevance (NDCG@k, condensed NDCG@k, recall@100, MRR) against judgments."

    def add_arguments(self, parser):
        parser.add_argument("--judgments", required=True, help="CSV with query,docid,rating columns.")
        parser.add_argument("--pipeline", choices=sorted(PIPELINE_CHANNELS), default="hybrid")
        parser.add_argument("--k", type=int, default=10, help="Cut-off for NDCG.")
        parser.add_argument("--json", dest="json_path", help="Also write the results as JSON here.")
        parser.add_argument("--rrf-k", type=float, help="Override SEARCH_RRF_K.")
        parser.add_argument(
            "--weight", action="append", default=[], metavar="CHANNEL=W", help="Override an RRF weight."
        )
        parser.add_argument("--recall-depth", type=int, help="Override SEARCH_RECALL_DEPTH.")
        parser.add_argument(
            "--channels",
            help="Comma-separated recall channels, overriding --pipeline's (e.g. lexical,dense).",
        )
        parser.add_argument(
            "--boost",
            action="append",
            default=[],
            metavar="FIELD=W",
            help="Product field boost for the lexical channel (replaces the defaults when given).",
        )

    def handle(self, *args, **options):
        path = Path(options["judgments"])
        if not path.is_file():
            raise CommandError(f"no judgments file at {path}")
        judgments = load_judgments(path)
        config = self.pipeline_config(options)
        k = options["k"]

        ratings_by_query, unknown_docids = self.ratings_by_index_id(judgments)
        pipeline = SearchPipeline(config)
        per_query: dict[str, QueryMetrics] = {}
        for query, ratings in ratings_by_query.items():
            ctx = pipeline.run(SearchRequest(query=query, type="product", page_size=max(k, RECALL_K)))
            ranking = [hit.id for hit in ctx.page_hits["product"]]
            per_query[query] = score_query(ranking, ratings, k=k, recall_k=RECALL_K)
        overall = mean_metrics(list(per_query.values()))

        self.print_table(per_query, overall, k, options["pipeline"], unknown_docids)
        if options["json_path"]:
            report = {
                **overall.as_dict(k, RECALL_K),
                "queries": len(per_query),
                "pipeline": options["pipeline"],
                "unknown_docids": unknown_docids,
                "per_query": {query: metrics.as_dict(k, RECALL_K) for query, metrics in per_query.items()},
            }
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    def pipeline_config(self, options) -> PipelineConfig:
        config = PipelineConfig.from_settings(channels=PIPELINE_CHANNELS[options["pipeline"]])
        changes: dict = {}
        if options["channels"]:
            changes["channels"] = tuple(name.strip() for name in options["channels"].split(","))
        if options["rrf_k"] is not None:
            changes["rrf_k"] = options["rrf_k"]
        if options["recall_depth"] is not None:
            changes["recall_depth"] = options["recall_depth"]
        if options["weight"]:
            changes["rrf_weights"] = {
                **config.rrf_weights,
                **parse_assignments(options["weight"], "--weight"),
            }
        if options["boost"]:
            changes["field_boosts"] = {"product": parse_assignments(options["boost"], "--boost")}
        return replace(config, **changes)

    @staticmethod
    def ratings_by_index_id(judgments) -> tuple[dict[str, dict[str, int]], int]:
        """Judgments keyed by index document id. A judged docid missing from the catalog keeps
        a placeholder key: no ranking can contain it, but it stays in the ideal DCG."""
        docids = {docid for ratings in judgments.values() for docid in ratings}
        pks = dict(Product.objects.filter(external_id__in=docids).values_list("external_id", "pk"))
        unknown = docids - set(pks)
        by_index_id = {
            query: {
                (document_id("product", pks[docid]) if docid in pks else f"unknown:{docid}"): rating
                for docid, rating in ratings.items()
            }
            for query, ratings in judgments.items()
        }
        return by_index_id, len(unknown)

    def print_table(self, per_query, overall: QueryMetrics, k, pipeline_name, unknown_docids):
        header = (
            f"{'query':<40} {'ndcg@' + str(k):>9} {'condensed':>9} {'recall@' + str(RECALL_K):>10} {'rr':>6}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for query, metrics in sorted(per_query.items(), key=lambda item: item[1].ndcg):
            self.stdout.write(self.format_row(query[:40], metrics))
        self.stdout.write("-" * len(header))
        self.stdout.write(self.format_row(f"{pipeline_name} (mean of {len(per_query)})", overall))
        if unknown_docids:
            self.stdout.write(f"{unknown_docids} judged docids are not in the catalog (counted as unfound).")

    @staticmethod
    def format_row(label: str, metrics: QueryMetrics) -> str:
        return (
            f"{label:<40} {metrics.ndcg:>9.4f} {metrics.ndcg_condensed:>9.4f} "
            f"{metrics.recall:>10.4f} {metrics.reciprocal_rank:>6.4f}"
        )
