"""Build the spelling dictionary and gazetteers from the catalog (and optionally a query
log: a CSV file, or the served-search log with --from-logs) and save them under
SEARCH_DATA_DIR/query/, from where every running process reloads them within a second
(query/file_cached.py): no restart."""

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ranking.query_log import successful_queries
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
        parser.add_argument(
            "--from-logs",
            action="store_true",
            help="Also read the served-search log: queries whose searches got clicks in several sessions.",
        )
        parser.add_argument(
            "--include-simulated",
            action="store_true",
            help="With --from-logs, count simulate_traffic's searches too (they are left out by default).",
        )

    def handle(self, *args, **options):
        if options["include_simulated"] and not options["from_logs"]:
            raise CommandError("--include-simulated only applies with --from-logs")
        started = time.perf_counter()
        query_log = self.read_query_log(options["query_log"])
        if options["from_logs"]:
            query_log += successful_queries(include_simulated=options["include_simulated"])
        vocabulary = build_vocabulary(query_log, progress=self.report_encoding)
        built = time.perf_counter() - started
        path = vocabulary_path()
        vocabulary.save(path)
        reset_caches()

        started = time.perf_counter()
        SpellingCorrector(Vocabulary.load(path))
        loaded = time.perf_counter() - started
        related = vocabulary.related_words
        targets = "all (no product indexed yet)" if related is None else len(related)
        self.stdout.write(
            f"{len(vocabulary.terms)} terms, {len(vocabulary.brands)} brand aliases, "
            f"{targets} of {len(vocabulary.common_words)} English words the catalog lacks kept as "
            "correction targets, "
            f"{len(vocabulary.category_paths)} categories, {len(vocabulary.queries)} logged queries built in {built:.1f}s -> {path}; "
            f"a process loads it (with the spelling index) in {loaded * 1000:.0f} ms"
        )

    def report_encoding(self, done: int, total: int) -> None:
        self.stderr.write(f"encoding English words for their relatedness to the catalog: {done}/{total}")

    @staticmethod
    def read_query_log(path: str | None) -> list[tuple[str, int]]:
        if not path:
            return []
        if not Path(path).is_file():
            raise CommandError(f"no query log at {path}")
        with open(path, newline="", encoding="utf-8") as lines:
            return [(row["query"], int(row["count"])) for row in csv.DictReader(lines)]
