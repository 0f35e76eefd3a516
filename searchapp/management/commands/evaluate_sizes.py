"""How well search honours a size the shopper names, on sized queries drawn from the loaded
catalog (searchapp/size_queries.py): per query and overall, the share of the first `--k`
results whose title fits the size, the share stating another size, and the share that could
fit. `--size-demotion 1` shows the order without the size preference (PipelineConfig)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from indexing.schema import parse_document_id
from searchapp.pipeline import PipelineConfig, SearchPipeline
from searchapp.search_request import SearchRequest
from searchapp.size_queries import SizeScore, score_sizes, sized_queries

EVALUATION_SESSION = "evaluate-sizes"


class Command(BaseCommand):
    help = "Share of the first k results fitting the size a generated sized query names."

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--min-products", type=int, default=3, help="Ask for a size when this many products state it."
        )
        parser.add_argument(
            "--size-demotion", type=float, help="Override PipelineConfig.size_demotion (1 = off)."
        )
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file.")

    def handle(self, *args, **options):
        k = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1")
        config = PipelineConfig.from_settings()
        if options["size_demotion"] is not None:
            config = replace(config, size_demotion=options["size_demotion"])
        pipeline = SearchPipeline(config)
        queries = sized_queries(options["min_products"])
        if not queries:
            raise CommandError("the loaded catalog states no sizes for the queries' nouns")
        scores: dict[str, SizeScore] = {}
        for query in queries:
            request = SearchRequest(
                query=query.text, type="product", page_size=k, session_id=EVALUATION_SESSION
            )
            pks = [parse_document_id(hit.id)[1] for hit in pipeline.run(request).page_hits]
            titles = dict(Product.objects.filter(pk__in=pks).values_list("pk", "title"))
            scores[query.text] = score_sizes(query, [titles[int(pk)] for pk in pks], k)
            self.stdout.write(self.row(query.text, scores[query.text]))
        overall = SizeScore(
            *(
                sum(getattr(s, name) for s in scores.values()) / len(scores)
                for name in ("fit", "off", "ideal")
            )
        )
        self.stdout.write("-" * 64)
        self.stdout.write(self.row(f"mean of {len(scores)}", overall))
        if options["json_path"]:
            report = {
                "k": k,
                "size_demotion": config.size_demotion,
                "fit": overall.fit,
                "off": overall.off,
                "ideal": overall.ideal,
                "per_query": {text: vars(score) for text, score in scores.items()},
            }
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    @staticmethod
    def row(label: str, score: SizeScore) -> str:
        return f"{label:34} fit {score.fit:.2f}  other size {score.off:.2f}  could fit {score.ideal:.2f}"
