"""Latency benchmark of /api/search on the loaded catalog, with the raw-engine floor measured
in the same run, and optionally indexing throughput (--index: a rebuild from scratch, every
document text encoded, then a rebuild of the unchanged texts).

- API: GET /api/search?q=...&type=... (--type; product by default) through Django's WSGI
  application, end to end (middleware, URL routing, validation, throttling, the pipeline,
  JSON rendering), timed until the response a WSGI server would send is ready. The server
  then calls the response's close(), which runs the after-response work (feature logging):
  timed apart as `after_response_p50_ms` / `_p99_ms`, the worker's time the shopper does not
  wait for. COLD = the query-embedding caches (in-process and Django's) cleared before the
  pass, every query seen for the first time; WARM = the same queries again, each followed
  by its floor measurement (interleaved, so drift in the host's speed skews both alike).
- Floor: what the engine alone needs for the same query, no Django: encode the query, then
  the raw backend calls the hybrid pipeline makes on the product index at the recall depth:
  `search_lexical` (any term), `search_lexical` with operator "and" (multi-word queries
  only, see pipeline.LEXICAL_ALL) and `search_vector`, with per-field scores where the pipeline
  asks for them (the any-term channel's top RANKING_RANK_DEPTH).
- overhead_ratio = API warm p50 / floor warm p50: the cost of everything the API adds
  (fusion, facets, highlighting, HTTP handling) relative to the engine work it cannot avoid.
- analyze: the query-understanding stage's own time, wall clock from the API's warm pass
  (`analyze_p50_ms` / `analyze_p99_ms`) and this thread's CPU time over direct calls
  (`analyze_cpu_p99_ms`: on a shared host the wall-clock tail includes time descheduled).
- blend: the mixed row (utility, exploration, slot allocation): `blend_p50_ms` / `blend_p99_ms`
  from the warm pass; `--type all` times it over products, videos and live streams.
- --updates-every N: during the warm pass, one product is re-indexed every N searches (a
  stream of price/stock updates: the writer commits, the index readers reload on their next
  search), outside the timed calls; the figures then say what searches cost under writes.
- rank: the final ranking stage (stored-vector similarity, features, LightGBM over the first
  stage's top RANKING_RANK_DEPTH), wall clock from the API's warm pass (`rank_p50_ms` /
  `rank_p99_ms`; a run without a promoted model times features only).
- The searches it made are deleted from the search log at the end (with their impressions),
  so a benchmark never passes for shoppers in analytics, exploration or training data.

The last line printed is one JSON object (for `make bench` and CI to parse).
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from time import perf_counter

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand
from django.test import RequestFactory

from catalog.models import Product
from indexing.backends import get_backend
from indexing.backends.base import LexicalQuery, VectorQuery
from indexing.embeddings import get_embedder, normalise_query
from indexing.indexer import index_objects
from indexing.models import EmbeddingCache
from indexing.schema import DOC_TYPES
from ranking.feature_log import forget_searches
from searchapp.evaluation import load_judgments
from searchapp.query.latency import analyze_latency
from searchapp.search_request import REQUEST_TYPES
from searchapp.warmup import warm_up

DEV_JUDGMENTS = Path(settings.BASE_DIR) / "data" / "chorus" / "judgments-dev.csv"
TITLE_WORDS = 3
SERVER_TIMING_ENTRY = re.compile(r"(\w+);dur=([\d.]+)")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def benchmark_queries(minimum: int) -> list[str]:
    """The dev judgment queries, then queries made from the catalog until there are `minimum`:
    half brands and "brand category" pairs, half the first words of evenly spaced product
    titles. Deterministic for a given catalog, and distinct, so a cold pass is cold for each."""
    queries: dict[str, None] = {}

    def add(text: str) -> None:
        if text := normalise_query(text):
            queries.setdefault(text)

    for judged in load_judgments(DEV_JUDGMENTS) if DEV_JUDGMENTS.is_file() else ():
        add(judged)
    products = Product.objects.filter(status=Product.Status.ACTIVE)
    brand_target = len(queries) + (minimum - len(queries)) // 2
    pairs = products.exclude(brand=None).values_list("brand__name", "category__name").distinct()
    for brand, category in pairs.order_by("brand__name", "category__name"):
        if len(queries) >= brand_target:
            break
        add(brand)
        add(f"{brand} {category or ''}")
    step = max(products.count() // minimum, 1)
    for title in products.order_by("pk").values_list("title", flat=True)[::step]:
        if len(queries) >= minimum:
            break
        add(" ".join(title.split()[:TITLE_WORDS]))
    return list(queries)


class Command(BaseCommand):
    help = "Benchmark /api/search (cold and warm), the raw-engine floor and, with --index, indexing."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=300, help="At least this many distinct queries.")
        parser.add_argument("--index", action="store_true", help="Also time rebuild_index for every type.")
        parser.add_argument(
            "--updates-every",
            type=int,
            default=0,
            help="Re-index one product every N searches of the warm pass (0: no writes).",
        )
        parser.add_argument(
            "--type", choices=REQUEST_TYPES, default="product", help="What to search; all = the mixed row."
        )

    def handle(self, *args, **options):
        self.doc_type = options["type"]
        indexing = self.bench_indexing() if options["index"] else {}
        queries = benchmark_queries(options["queries"])
        embedder = get_embedder()
        backend = get_backend()
        client = WSGIClient()
        self.logged: list[str] = []  # search ids the API logged for this run's searches
        updates_every = options["updates_every"]
        try:
            cold, floor_cold, warm, floor_warm = self.timed_passes(
                client, embedder, backend, queries, updates_every
            )
        finally:
            # The benchmark's searches are not shoppers': analytics, exploration and training must
            # not count them, even when a pass failed (with a broker, a search whose log a worker
            # has yet to write stays).
            removed = forget_searches(self.logged)

        summary = {
            "queries": len(queries),
            "cold_p50_ms": percentile(cold["total"], 50),
            "cold_p99_ms": percentile(cold["total"], 99),
            "warm_p50_ms": percentile(warm["total"], 50),
            "warm_p99_ms": percentile(warm["total"], 99),
            "after_response_p50_ms": percentile(warm["after_response"], 50),
            "after_response_p99_ms": percentile(warm["after_response"], 99),
            "floor_cold_p50_ms": percentile(floor_cold, 50),
            "floor_p50_ms": percentile(floor_warm, 50),
            "floor_p99_ms": percentile(floor_warm, 99),
            "stages_cold_p50_ms": self.stage_p50(cold),
            "stages_warm_p50_ms": self.stage_p50(warm),
            "analyze_p50_ms": percentile(warm["analyze"], 50),
            "analyze_p99_ms": percentile(warm["analyze"], 99),
            "analyze_cpu_p99_ms": analyze_latency(queries, rounds=3)["analyze_cpu_p99_ms"],
            "rank_p50_ms": percentile(warm.get("rank", [0.0]), 50),
            "rank_p99_ms": percentile(warm.get("rank", [0.0]), 99),
            "blend_p50_ms": percentile(warm["blend"], 50),
            "blend_p99_ms": percentile(warm["blend"], 99),
            "type": self.doc_type,
            "updates_every": updates_every,
            "index_docs_per_s": indexing.get("docs_per_s"),
            "index_docs": indexing.get("docs"),
            "index_seconds": indexing.get("seconds"),
            "unchanged_rebuild_seconds": indexing.get("unchanged_seconds"),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "model": embedder.model_name,
            "backend": backend.alias,
        }
        floor = summary["floor_p50_ms"]
        summary["overhead_ratio"] = summary["warm_p50_ms"] / floor if floor else None
        summary["logged_searches_removed"] = removed
        self.print_report(summary)
        self.stdout.write(
            json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in summary.items()})
        )

    def timed_passes(self, client, embedder, backend, queries: list[str], updates_every: int):
        """The API cold, the floor cold, then the API warm and the floor warm interleaved."""
        # Warm up as a web worker does (searchapp/warmup.py: model, indexes, tables loaded,
        # then gc.freeze()), so what is timed is what a serving worker pays.
        warm_up()
        self.time_api(client, "warm up the engine", 0, {"total": [], "after_response": []})

        self.clear_query_caches(embedder)
        cold: dict[str, list[float]] = {"total": [], "after_response": []}
        for sequence, query in enumerate(queries):
            self.time_api(client, query, sequence, cold)
        self.clear_query_caches(embedder)
        floor_cold = [self.time_floor(embedder, backend, query) for query in queries]
        # Warm: the API and the floor take turns query by query, so a host whose speed drifts
        # during the run (shared VMs: +-40% within an hour here) skews both alike and the
        # overhead ratio stays comparable between runs.
        warm: dict[str, list[float]] = {"total": [], "after_response": []}
        floor_warm = []
        updated = self.products_to_update() if updates_every > 0 else []
        for sequence, query in enumerate(queries):
            if updated and sequence % updates_every == 0:
                index_objects("product", [updated[sequence // updates_every % len(updated)]])
            self.time_api(client, query, sequence, warm)
            floor_warm.append(self.time_floor(embedder, backend, query))
        return cold, floor_cold, warm, floor_warm

    def search(self, client: WSGIClient, query: str, sequence: int) -> WSGIResponse:
        # One client address per query: the benchmark exercises the throttle without tripping it.
        address = f"127.0.{sequence // 250 % 250}.{sequence % 250 + 1}"
        response = client.get("/api/search", {"q": query, "type": self.doc_type}, REMOTE_ADDR=address)
        if response.status != 200:
            raise RuntimeError(f"/api/search?q={query!r} answered {response.status}: {response.body!r}")
        return response

    def time_api(
        self, client: WSGIClient, query: str, sequence: int, timings: dict[str, list[float]]
    ) -> None:
        """One search, end to end, into `timings`: total, after_response and every stage."""
        started = perf_counter()
        response = self.search(client, query, sequence)
        sent = perf_counter()
        response.close()
        timings["total"].append((sent - started) * 1000)
        timings["after_response"].append((perf_counter() - sent) * 1000)
        self.logged.append(json.loads(response.body)["search_id"])
        for stage, ms in SERVER_TIMING_ENTRY.findall(response.headers["Server-Timing"]):
            timings.setdefault(stage, []).append(float(ms))

    @staticmethod
    def time_floor(embedder, backend, query: str) -> float:
        """Milliseconds the engine alone needs for the query (see the module docstring)."""
        depth = settings.SEARCH_RECALL_DEPTH
        scored = settings.RANKING_RANK_DEPTH  # hits given per-field scores, as the pipeline asks
        text = normalise_query(query)
        started = perf_counter()
        vector = embedder.encode_query(text)
        lexical = LexicalQuery(text=text, limit=depth, field_score_depth=scored)
        backend.search_lexical("product", lexical)
        if len(text.split()) > 1:
            backend.search_lexical("product", replace(lexical, operator="and", field_score_depth=0))
        backend.search_vector("product", VectorQuery(vector=vector, limit=depth))
        return (perf_counter() - started) * 1000

    @staticmethod
    def products_to_update() -> list[int]:
        """Products spread over the catalog, each re-indexed as it stands (same vectors)."""
        pks = list(
            Product.objects.filter(status=Product.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)
        )
        return pks[:: max(1, len(pks) // 100)]

    @staticmethod
    def clear_query_caches(embedder) -> None:
        embedder.query_cache.clear()
        cache.clear()

    @staticmethod
    def stage_p50(timings: dict[str, list[float]]) -> dict[str, float]:
        return {
            stage: round(percentile(values, 50), 3)
            for stage, values in timings.items()
            if stage not in ("total", "after_response")
        }

    def bench_indexing(self) -> dict:
        """Rebuilds run in a child process, as indexing runs in Celery workers: the document
        model (torch) then never counts towards this process's RSS, the web worker's figure."""
        backend = get_backend()
        # From scratch: without cached document vectors every text is encoded, as in a first
        # index of a catalog (the rebuild caches them all again).
        EmbeddingCache.objects.all().delete()
        seconds = self.timed_rebuild()
        docs = sum(backend.count(doc_type) for doc_type in DOC_TYPES)
        # Same texts again: measures what a rebuild costs when embeddings can be reused.
        unchanged_seconds = self.timed_rebuild()
        return {
            "docs": docs,
            "seconds": seconds,
            "docs_per_s": docs / seconds if seconds else None,
            "unchanged_seconds": unchanged_seconds,
        }

    @staticmethod
    def timed_rebuild() -> float:
        started = perf_counter()
        subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "rebuild_index"], check=True
        )
        return perf_counter() - started

    def print_report(self, summary: dict) -> None:
        write = self.stdout.write
        write(f"\n{summary['queries']} queries, backend {summary['backend']}, model {summary['model']}")
        if summary["updates_every"]:
            write(f"warm pass with one product re-indexed every {summary['updates_every']} searches")
        write("")
        write(f"{'':<22}{'p50 ms':>10}{'p99 ms':>10}")
        write(f"{'api cold':<22}{summary['cold_p50_ms']:>10.2f}{summary['cold_p99_ms']:>10.2f}")
        write(f"{'api warm':<22}{summary['warm_p50_ms']:>10.2f}{summary['warm_p99_ms']:>10.2f}")
        write(
            f"{'after response (log)':<22}{summary['after_response_p50_ms']:>10.2f}"
            f"{summary['after_response_p99_ms']:>10.2f}"
        )
        write(f"{'engine floor cold':<22}{summary['floor_cold_p50_ms']:>10.2f}")
        write(f"{'engine floor warm':<22}{summary['floor_p50_ms']:>10.2f}{summary['floor_p99_ms']:>10.2f}")
        write(
            f"{'analyze stage warm':<22}{summary['analyze_p50_ms']:>10.3f}{summary['analyze_p99_ms']:>10.3f}"
        )
        write(f"{'analyze stage cpu':<22}{'':>10}{summary['analyze_cpu_p99_ms']:>10.3f}")
        write(f"{'rank stage warm':<22}{summary['rank_p50_ms']:>10.3f}{summary['rank_p99_ms']:>10.3f}")
        write(f"{'blend stage warm':<22}{summary['blend_p50_ms']:>10.3f}{summary['blend_p99_ms']:>10.3f}")
        ratio = summary["overhead_ratio"]
        write(
            f"overhead ratio (api warm p50 / floor warm p50): {ratio:.2f}" if ratio else "overhead ratio: n/a"
        )
        write(f"\n{'stage p50 ms':<22}{'cold':>10}{'warm':>10}")
        for stage, cold_ms in summary["stages_cold_p50_ms"].items():
            write(f"{stage:<22}{cold_ms:>10.3f}{summary['stages_warm_p50_ms'].get(stage, 0):>10.3f}")
        if summary["index_docs_per_s"] is not None:
            write(
                f"\nindexing from scratch: {summary['index_docs']} docs in {summary['index_seconds']:.1f} s "
                f"({summary['index_docs_per_s']:.0f} docs/s); unchanged-text rebuild "
                f"{summary['unchanged_rebuild_seconds']:.1f} s"
            )
        write(f"max RSS: {summary['rss_mb']:.0f} MB")
        write(
            f"logged searches removed: {summary['logged_searches_removed']} of {len(self.logged)} "
            "(benchmark traffic is not shoppers')\n"
        )


@dataclass
class WSGIResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    close: Callable[[], None]


class WSGIClient:
    """Calls Django's WSGI application as a server does: the body is read, and close() is
    left to the caller (a server calls it after sending, which runs after-response work)."""

    def __init__(self):
        self.application = WSGIHandler()
        self.requests = RequestFactory()

    def get(self, path: str, params: dict, **environ) -> WSGIResponse:
        started: dict = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            started["status"], started["headers"] = int(status.split()[0]), dict(headers)

        wsgi_environ = self.requests.get(path, params, **environ).environ
        response = self.application(wsgi_environ, start_response)
        body = b"".join(response)
        return WSGIResponse(started["status"], started["headers"], body, response.close)
