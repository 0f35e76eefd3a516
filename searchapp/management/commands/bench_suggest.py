"""Latency of /api/suggest as a shopper types: every prefix of the judged queries, one
character at a time (a word ended by a space is sent with it), through Django's WSGI
application end to end. The completer's own share (query/completions.py) is timed apart
over the same prefixes. The last line is JSON."""

import json
from pathlib import Path
from time import perf_counter

from django.core.management.base import BaseCommand, CommandError

from searchapp.evaluation import load_judgments
from searchapp.management.commands.bench_search import WSGIClient
from searchapp.query.completions import get_query_completer
from searchapp.query.latency import percentile
from searchapp.warmup import warm_up


def typed_prefixes(queries: list[str]) -> list[str]:
    """Each prefix a shopper types: "hp ink" -> "h", "hp", "hp ", "hp i", "hp in", "hp ink"."""
    return sorted(
        {query[:end] for query in queries for end in range(1, len(query) + 1) if query[:end].strip()}
    )


class Command(BaseCommand):
    help = "p50/p99 of /api/suggest over every prefix of the judged queries."

    def add_arguments(self, parser):
        parser.add_argument("--judgments", default="data/chorus/judgments-dev.csv")
        parser.add_argument("--rounds", type=int, default=3)

    def handle(self, *args, **options):
        path = Path(options["judgments"])
        if not path.is_file():
            raise CommandError(f"no judgments file at {path}")
        prefixes = typed_prefixes(sorted(load_judgments(path)))
        warm_up()
        client, completer = WSGIClient(), get_query_completer()
        api, own, offered = [], [], 0
        for sequence in range(options["rounds"] * len(prefixes)):
            prefix = prefixes[sequence % len(prefixes)]
            started = perf_counter()
            response = client.get(
                "/api/suggest",
                {"q": prefix},
                REMOTE_ADDR=f"127.1.{sequence // 250 % 250}.{sequence % 250 + 1}",
            )
            api.append((perf_counter() - started) * 1000)
            response.close()
            if response.status != 200:
                raise CommandError(f"/api/suggest?q={prefix!r} answered {response.status}: {response.body!r}")
            offered += bool(json.loads(response.body)["suggestions"])
            started = perf_counter()
            completer.complete(prefix, 10)
            own.append((perf_counter() - started) * 1000)
        figures = {
            "suggest_p50_ms": percentile(api, 50),
            "suggest_p99_ms": percentile(api, 99),
            "query_completions_p50_ms": percentile(own, 50),
            "query_completions_p99_ms": percentile(own, 99),
            "prefixes": len(prefixes),
            "share_with_suggestions": round(offered / len(api), 3),
        }
        self.stdout.write(f"{len(prefixes)} prefixes x {options['rounds']} rounds")
        self.stdout.write(json.dumps(figures))
