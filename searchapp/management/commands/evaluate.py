"""Offline relevance evaluation of the search pipeline against graded judgments.

Each judged query runs through the same `SearchPipeline` the API uses (type=product, first
page of `--recall-k` results), so what is measured is what users get. Metric conventions are
in searchapp/evaluation.py.

- `--disable spelling,synonyms` switches query-understanding parts off (and `recovery`, the
  zero-result ladder); `--ablation` prints one row with everything on, then one per part off.
- `--typos N --seed S` also runs N misspelled variants of each judged query (one or two
  edits, searchapp/query/typos.py), scored against the original's judgments, and reports the
  typo NDCG as a share of the clean NDCG of the same originals (a query with no word the
  generator can misspell, "tv" or "ps4", has no variant, so it is in neither mean). The share
  of the clean mean over every judged query is reported too (`ratio_all_queries`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from indexing.schema import document_id
from ranking.registry import served_training_queries
from searchapp.evaluation import QueryMetrics, load_judgments, mean_metrics, score_query
from searchapp.pipeline import DENSE, HYBRID_CHANNELS, LEXICAL, PipelineConfig, SearchPipeline
from searchapp.query.analyzer import PARTS
from searchapp.query.typos import typo_variants
from searchapp.recovery import RECOVERY
from searchapp.search_request import SearchRequest

PIPELINE_CHANNELS = {"bm25": (LEXICAL,), "dense": (DENSE,), "hybrid": HYBRID_CHANNELS}
RECALL_K = 100
SWITCHABLE = (*PARTS, RECOVERY)


def parse_parts(value: str) -> frozenset[str]:
    parts = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = parts - set(SWITCHABLE)
    if unknown:
        raise CommandError(
            f"--disable: unknown part(s) {', '.join(sorted(unknown))}; expected {', '.join(SWITCHABLE)}"
        )
    return parts


def paired_clean(clean: dict[str, QueryMetrics], typos: dict[str, str]) -> QueryMetrics:
    """The clean metrics of each variant's original, averaged over the variants: what the
    misspelled set would score if every typo were harmless."""
    return mean_metrics([clean[original] for original in typos.values()])


def share(part: QueryMetrics, whole: QueryMetrics) -> float:
    return part.ndcg / whole.ndcg if whole.ndcg else 0.0


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


# Every evaluated search runs in this one anonymous session: exploration draws are seeded by
# the session (searchapp/blend.py), so the same index and settings always measure the same.
EVALUATION_SESSION = "evaluation"


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
        parser.add_argument(
            "--disable",
            default="",
            metavar="PARTS",
            help=f"Comma-separated query-understanding parts to switch off: {', '.join(SWITCHABLE)}.",
        )
        parser.add_argument(
            "--ablation", action="store_true", help="One row with everything on, then one per part off."
        )
        parser.add_argument(
            "--typos", type=int, default=0, metavar="N", help="Misspelled variants per query."
        )
        parser.add_argument("--seed", type=int, default=13, help="Seed of the misspelled variants.")

    def handle(self, *args, **options):
        path = Path(options["judgments"])
        if not path.is_file():
            raise CommandError(f"no judgments file at {path}")
        judgments = load_judgments(path)
        config = self.pipeline_config(options)
        k = options["k"]
        disabled = parse_parts(options["disable"])

        ratings_by_query, unknown_docids = self.ratings_by_index_id(judgments)
        pipeline = SearchPipeline(config)
        typos: dict[str, str] = {}
        if options["typos"] > 0:
            typos = typo_variants(ratings_by_query, options["typos"], options["seed"])
        if options["ablation"]:
            self.print_ablation(pipeline, ratings_by_query, typos, disabled, k)
            return
        per_query = self.run_queries(pipeline, ratings_by_query, disabled, k)
        overall = mean_metrics(list(per_query.values()))

        self.print_table(per_query, overall, k, options["pipeline"], unknown_docids)
        report = {
            **overall.as_dict(k, RECALL_K),
            "queries": len(per_query),
            "pipeline": options["pipeline"],
            "disabled": sorted(disabled),
            "unknown_docids": unknown_docids,
            "per_query": {query: metrics.as_dict(k, RECALL_K) for query, metrics in per_query.items()},
        }
        if config.use_ranker:
            report["ranker_trained_on_queries"] = self.report_in_sample(ratings_by_query)
        if typos:
            report["typos"] = self.typo_report(pipeline, ratings_by_query, typos, disabled, k, per_query)
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    def report_in_sample(self, ratings_by_query) -> int:
        """How many of the judged queries trained the served product ranker (said when any)."""
        version, trained_on = served_training_queries("product")
        seen = len(trained_on & set(ratings_by_query))
        if seen:
            self.stdout.write(
                f"note: the served ranker {version} was trained on {seen} of these {len(ratings_by_query)} "
                "queries, so this figure is partly in-sample; `train_ranker --judgments FILE --cv 5` "
                "estimates what unseen queries get."
            )
        return seen

    def run_queries(self, pipeline, ratings_by_query, disabled: frozenset[str], k: int, queries=None):
        """Metrics per query run; `queries` maps the text to run onto the judged query whose
        ratings score it (a misspelled variant onto its original), by default each to itself."""
        queries = queries or {query: query for query in ratings_by_query}
        per_query: dict[str, QueryMetrics] = {}
        for text, judged in queries.items():
            request = SearchRequest(
                query=text,
                type="product",
                page_size=max(k, RECALL_K),
                disabled_understanding=disabled,
                session_id=EVALUATION_SESSION,
            )
            ranking = [hit.id for hit in pipeline.run(request).page_hits]
            per_query[text] = score_query(ranking, ratings_by_query[judged], k=k, recall_k=RECALL_K)
        return per_query

    def typo_report(
        self, pipeline, ratings_by_query, typos, disabled, k, clean: dict[str, QueryMetrics]
    ) -> dict:
        per_variant = self.run_queries(pipeline, ratings_by_query, disabled, k, queries=typos)
        typo = mean_metrics(list(per_variant.values()))
        paired, overall = paired_clean(clean, typos), mean_metrics(list(clean.values()))
        self.stdout.write(
            f"\ntypos: {len(typos)} variants of {len(set(typos.values()))} queries; ndcg@{k} clean "
            f"{paired.ndcg:.4f} (all {len(clean)} queries: {overall.ndcg:.4f}), misspelled "
            f"{typo.ndcg:.4f}, ratio {share(typo, paired):.3f} (to all queries: {share(typo, overall):.3f})"
        )
        return {
            "variants": len(typos),
            f"clean_ndcg@{k}": paired.ndcg,
            f"clean_ndcg@{k}_all_queries": overall.ndcg,
            f"ndcg@{k}": typo.ndcg,
            "ratio": share(typo, paired),
            "ratio_all_queries": share(typo, overall),
            "per_variant": {
                variant: {"original": typos[variant], **metrics.as_dict(k, RECALL_K)}
                for variant, metrics in per_variant.items()
            },
        }

    def print_ablation(self, pipeline, ratings_by_query, typos, disabled, k) -> None:
        rows = [("all on", disabled)] + [
            (f"-{part}", disabled | {part}) for part in SWITCHABLE if part not in disabled
        ]
        rows.append(("all off", frozenset(SWITCHABLE)))
        header = f"{'configuration':<16} {'ndcg@' + str(k):>9} {'condensed':>9} {'recall@' + str(RECALL_K):>10} {'mrr':>6}"
        if typos:
            header += f" {'typo ndcg':>9} {'ratio':>6}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for label, parts in rows:
            clean_runs = self.run_queries(pipeline, ratings_by_query, parts, k)
            line = f"{label:<16} {metric_columns(mean_metrics(list(clean_runs.values())))}"
            if typos:
                typo_runs = self.run_queries(pipeline, ratings_by_query, parts, k, queries=typos)
                typo = mean_metrics(list(typo_runs.values()))
                line += f" {typo.ndcg:>9.4f} {share(typo, paired_clean(clean_runs, typos)):>6.3f}"
            self.stdout.write(line)

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
        return f"{label:<40} {metric_columns(metrics)}"


def metric_columns(metrics: QueryMetrics) -> str:
    return (
        f"{metrics.ndcg:>9.4f} {metrics.ndcg_condensed:>9.4f} "
        f"{metrics.recall:>10.4f} {metrics.reciprocal_rank:>6.4f}"
    )
