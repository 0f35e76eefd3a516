"""Train the category-intent classifier on the catalog and save it under SEARCH_DATA_DIR.

With --judgments, first measures it: a model trained without the held-out 10% of titles is
scored on those titles and on the judged queries (a query's category is the majority
category of its documents rated >= 2), by the classifier alone and as the analyzer serves it
(with the declared taxonomy rule, the brands and the features the query names), then the
saved model is trained on everything.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from ranking.query_log import clicked_categories
from searchapp.evaluation import load_judgments
from searchapp.query.analyzer import query_intent
from searchapp.query.attributes import extract_attributes
from searchapp.query.intent import (
    accuracy_at,
    catalog_samples,
    intent_path,
    is_held_out,
    train_intent_model,
    training_samples,
)
from searchapp.query.normalize import normalize
from searchapp.query.vocabulary import get_vocabulary

RELEVANT_RATING = 2


class Command(BaseCommand):
    help = "Train the category-intent classifier (titles -> categories) and save it."

    def add_arguments(self, parser):
        parser.add_argument("--judgments", help="Also report accuracy@1/@3 on these judged queries.")
        parser.add_argument("--json", dest="json_path", help="Write the measured accuracies here.")
        parser.add_argument(
            "--from-logs",
            action="store_true",
            help="Also learn from the search log: each query -> the categories of the products clicked for it.",
        )
        parser.add_argument(
            "--include-simulated",
            action="store_true",
            help="With --from-logs, learn from simulate_traffic's clicks too (left out by default).",
        )

    def handle(self, *args, **options):
        if options["include_simulated"] and not options["from_logs"]:
            raise CommandError("--include-simulated only applies with --from-logs")
        catalog = catalog_samples()
        if not catalog:
            raise CommandError("no categorised active products: load the catalog first")
        click_log = clicked_categories(options["include_simulated"]) if options["from_logs"] else []
        report = {}
        if options["judgments"]:
            report = self.measure(catalog, Path(options["judgments"]), click_log)
        started = time.perf_counter()
        model = train_intent_model(*training_samples(catalog, hold_out=False, click_log=click_log))
        model.save(intent_path())
        self.stdout.write(
            f"trained on {len(catalog)} titles and {len({row[0] for row in click_log})} logged queries, "
            f"{len(model.classes)} categories, "
            f"{len(model.vocabulary)} terms in {time.perf_counter() - started:.1f}s -> {intent_path()}"
        )
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    def measure(self, catalog, judgments_path: Path, click_log: list[tuple[str, str, int]]) -> dict:
        if not judgments_path.is_file():
            raise CommandError(f"no judgments file at {judgments_path}")
        model = train_intent_model(*training_samples(catalog, hold_out=True, click_log=click_log))
        held_out = [(text.split(), path) for text, path, external_id in catalog if is_held_out(external_id)]
        queries = judged_query_categories(judgments_path)
        logged = {query for query, _, _ in click_log}
        seen = sum(" ".join(tokens) in logged for tokens, _ in queries)
        if seen:
            self.stdout.write(
                f"note: {seen} of the {len(queries)} judged queries are in the click log, "
                "so their accuracy is partly in-sample"
            )
        vocabulary = get_vocabulary()

        def as_served(tokens, top):
            return query_intent(model, tokens, extract_attributes(tokens, vocabulary), top)[0]

        report = {
            "held_out_titles": accuracy_at(model.predict, held_out),
            "judged_queries": accuracy_at(model.predict_query, queries),
            "judged_queries_as_served": accuracy_at(as_served, queries),
        }
        for name, scores in report.items():
            self.stdout.write(f"{name}: {scores}")
        return report


def judged_query_categories(path: Path) -> list[tuple[list[str], str]]:
    """(query tokens, majority category of its relevant documents) per judged query."""
    judgments = load_judgments(path)
    docids = {docid for ratings in judgments.values() for docid, rating in ratings.items()}
    categories = dict(
        Product.objects.filter(external_id__in=docids, category__isnull=False).values_list(
            "external_id", "category__path"
        )
    )
    examples = []
    for query, ratings in judgments.items():
        votes = Counter(
            categories[docid]
            for docid, rating in ratings.items()
            if rating >= RELEVANT_RATING and docid in categories
        )
        if votes:
            examples.append((normalize(query).split(), votes.most_common(1)[0][0]))
    return examples
