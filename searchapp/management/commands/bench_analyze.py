"""Latency of query understanding alone (normalise, spell, attributes, synonyms, intent),
over the judged queries and misspelled variants of them. The last line is JSON."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from searchapp.evaluation import load_judgments
from searchapp.query.latency import analyze_latency
from searchapp.query.typos import typo_variants


class Command(BaseCommand):
    help = "p50/p99 of the analyze stage over the judged queries and typo variants of them."

    def add_arguments(self, parser):
        parser.add_argument("--judgments", default="data/chorus/judgments-dev.csv")
        parser.add_argument("--typos", type=int, default=2, help="Misspelled variants per query.")
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument("--rounds", type=int, default=20)

    def handle(self, *args, **options):
        path = Path(options["judgments"])
        if not path.is_file():
            raise CommandError(f"no judgments file at {path}")
        queries = sorted(load_judgments(path))
        queries += sorted(typo_variants(queries, options["typos"], options["seed"]))
        figures = analyze_latency(queries, rounds=options["rounds"])
        self.stdout.write(f"{len(queries)} queries x {options['rounds']} rounds")
        self.stdout.write(json.dumps(figures))
