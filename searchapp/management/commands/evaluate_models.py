"""Whether a product's model number finds it however it is typed (searchapp/model_queries.py):
for codes drawn from the loaded catalog, typed as written, joined and apart, the share whose
first result holds the code (success@1) and the mean reciprocal rank of the first that does
in the first `--k` results."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from indexing.schema import parse_document_id
from searchapp.model_queries import TYPINGS, model_codes, reciprocal_rank
from searchapp.pipeline import SearchPipeline
from searchapp.query.vocabulary import get_vocabulary
from searchapp.search_request import SearchRequest

EVALUATION_SESSION = "evaluate-models"


class Command(BaseCommand):
    help = "Success@1 and MRR of model-number queries typed as written, joined and apart."

    def add_arguments(self, parser):
        parser.add_argument("--codes", type=int, default=150, help="How many model codes to search.")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file.")

    def handle(self, *args, **options):
        codes = model_codes(get_vocabulary(), options["codes"])
        if not codes:
            raise CommandError("the loaded catalog's titles hold no hyphenated model codes")
        pipeline = SearchPipeline()
        report = {"codes": len(codes), "k": options["k"], "typings": {}}
        for typing, typed in TYPINGS.items():
            ranks = [self.reciprocal_rank(pipeline, typed(*code), code, options["k"]) for code in codes]
            success, mrr = sum(rank == 1.0 for rank in ranks) / len(ranks), sum(ranks) / len(ranks)
            report["typings"][typing] = {"success@1": success, "mrr": mrr}
            self.stdout.write(f"{typing:12} success@1 {success:.3f}  MRR@{options['k']} {mrr:.3f}")
        self.stdout.write(f"({len(codes)} model codes)")
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    @staticmethod
    def reciprocal_rank(pipeline: SearchPipeline, query: str, code: tuple[str, str], k: int) -> float:
        request = SearchRequest(query=query, type="product", page_size=k, session_id=EVALUATION_SESSION)
        pks = [int(parse_document_id(hit.id)[1]) for hit in pipeline.run(request).page_hits]
        titles = dict(Product.objects.filter(pk__in=pks).values_list("pk", "title"))
        return reciprocal_rank([titles[pk] for pk in pks], *code)
