"""Build the spelling dictionary and gazetteers from the catalog (and optionally a query
log) and save them under SEARCH_DATA_DIR/query/, where every web process loads them."""

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from searchapp.query.analyzer import reset_caches
from searchapp.query.spelling import SpellingCorrector
from searchapp.query.vocabulary import Vocabulary, build_vocabulary, vocabulary_path


class Command(BaseCommand):
    help = "Build the query-understanding vocabulary (spelling dictionary, brands, categories)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--query-log",
            help="CSV of query,count rows: searches that found results, to weight spellings shoppers use.",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        vocabulary = build_vocabulary(self.read_query_log(options["query_log"]))
        built = time.perf_counter() - started
        path = vocabulary_path()
        vocabulary.save(path)
        reset_caches()

        started = time.perf_counter()
        SpellingCorrector(Vocabulary.load(path))
        loaded = time.perf_counter() - started
        self.stdout.write(
            f"{len(vocabulary.terms)} terms, {len(vocabulary.brands)} brand aliases, "
            f"{len(vocabulary.category_paths)} categories built in {built:.1f}s -> {path}; "
            f"a process loads it (with the spelling index) in {loaded * 1000:.0f} ms"
        )

    @staticmethod
    def read_query_log(path: str | None) -> list[tuple[str, int]]:
        if not path:
            return []
        if not Path(path).is_file():
            raise CommandError(f"no query log at {path}")
        with open(path, newline="", encoding="utf-8") as lines:
            return [(row["query"], int(row["count"])) for row in csv.DictReader(lines)]
