"""How well search honours a size, colour, feature or brand the shopper names, or what the
product fits ("mount for samsung tv"), on queries drawn from the loaded catalog
(searchapp/attribute_queries.py): per query and per kind, the share of the first `--k` results
that fit, that state another size or colour only or lack the feature (or, for a brand or "for"
query, are of another kind), and that could fit.
`--attribute-demotion 1` shows the order without the preference (PipelineConfig)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from indexing.schema import parse_document_id
from searchapp.attribute_queries import AttributeScore, attribute_queries, score_results
from searchapp.pipeline import PipelineConfig, SearchPipeline
from searchapp.search_request import SearchRequest

EVALUATION_SESSION = "evaluate-attributes"
SHARES = ("fit", "off", "ideal")


class Command(BaseCommand):
    help = "Share of the first k results fitting the size, colour, feature or brand a generated query names."

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--min-products", type=int, default=3, help="Ask for a value when this many products state it."
        )
        parser.add_argument(
            "--attribute-demotion", type=float, help="Override PipelineConfig.attribute_demotion (1 = off)."
        )
        parser.add_argument(
            "--feature",
            action="append",
            default=[],
            dest="features",
            help="Also ask for this feature (e.g. 4k) of every noun whose products state it; repeatable.",
        )
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file.")

    def handle(self, *args, **options):
        k = options["k"]
        if k < 1:
            raise CommandError("--k must be at least 1")
        config = PipelineConfig.from_settings()
        if options["attribute_demotion"] is not None:
            config = replace(config, attribute_demotion=options["attribute_demotion"])
        pipeline = SearchPipeline(config)
        queries = attribute_queries(options["min_products"], options["features"])
        if not queries:
            raise CommandError(
                "the loaded catalog states no sizes, colours, features or brands for the queries' nouns"
            )
        scores: dict[str, AttributeScore] = {}
        for query in queries:
            request = SearchRequest(
                query=query.text, type="product", page_size=k, session_id=EVALUATION_SESSION
            )
            pks = [int(parse_document_id(hit.id)[1]) for hit in pipeline.run(request).page_hits]
            found = {
                pk: (title, attributes, path or "")
                for pk, title, attributes, path in Product.objects.filter(pk__in=pks).values_list(
                    "pk", "title", "attributes", "category__path"
                )
            }
            scores[query.text] = score_results(query, [found[pk] for pk in pks], k)
            self.stdout.write(self.row(query.text, scores[query.text]))
        report = {"k": k, "attribute_demotion": config.attribute_demotion, "per_query": {}}
        self.stdout.write("-" * 72)
        for kind in sorted({query.kind for query in queries}):
            texts = [query.text for query in queries if query.kind == kind]
            mean = AttributeScore(
                *(sum(getattr(scores[t], name) for t in texts) / len(texts) for name in SHARES)
            )
            report[kind] = {"queries": len(texts), **vars(mean)}
            self.stdout.write(self.row(f"{kind}: mean of {len(texts)}", mean))
        report["per_query"] = {text: vars(score) for text, score in scores.items()}
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    @staticmethod
    def row(label: str, score: AttributeScore) -> str:
        return f"{label:34} fit {score.fit:.2f}  other {score.off:.2f}  could fit {score.ideal:.2f}"
