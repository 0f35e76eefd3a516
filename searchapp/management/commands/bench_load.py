"""Throughput under concurrent shoppers, through the production web server:
`manage.py bench_load [--clients 1,2,4] [--type product] [--searches 400] [--workers 2]`.

Starts gunicorn as `make demo` serves (`--workers` sync processes, each warmed up) on a free
local port, then for each client count sends `--searches` searches from that many threads
and prints searches/s with the latency p50/p99 each client saw. Every pass uses queries no
earlier pass sent (bench_search's query set: dev judgment queries, then catalog-grounded
ones), so each query is encoded once, as a stream of distinct shoppers' queries would be.
The server it starts gets the throttle lifted (one client address sends everything). The
clients run on the same machine and take CPU of their own: remote clients would see at
least these figures. The last line printed is one JSON object."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ranking.feature_log import forget_searches
from searchapp.search_request import REQUEST_TYPES
from searchapp.warmup import WARM_UP_DONE, WARM_UP_FAILED

from .bench_search import benchmark_queries, percentile

# What each worker logs once its warm-up is over (a failed one serves too, loading lazily).
READY_LINES = (WARM_UP_DONE, WARM_UP_FAILED)
START_TIMEOUT_SECONDS = 300
LIFTED_THROTTLE = "1000000/min"


def client_counts(value: str) -> list[int]:
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise CommandError(f"--clients: a comma-separated list of positive integers, got {value!r}")
    return counts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """gunicorn serving searchapp.wsgi until stop(); start() returns once every worker has
    finished its warm-up (the workers log it at INFO)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.port = free_port()
        descriptor, name = tempfile.mkstemp(prefix="bench-load-", suffix=".log")
        os.close(descriptor)
        self.log = Path(name)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        environment = {
            **os.environ,
            "LOG_LEVEL": "INFO",
            "SEARCH_THROTTLE_ANON": LIFTED_THROTTLE,
            "SEARCH_THROTTLE_SEARCH": LIFTED_THROTTLE,
        }
        command = [sys.executable, "-m", "gunicorn", "searchapp.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--timeout", "60"]
        with self.log.open("w") as log:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while sum(self.log_text().count(line) for line in READY_LINES) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise CommandError(f"the web server did not start; its log:\n{self.log_text()[-3000:]}")
            time.sleep(0.5)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.unlink(missing_ok=True)


def load_pass(
    url: str, doc_type: str, queries: list[str], clients: int, logged: list[str] | None = None
) -> dict:
    """`queries` sent once each by `clients` threads, each taking the next unsent one; the
    search ids the answers carry are added to `logged`."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    pending = iter(queries)

    def client() -> None:
        while True:
            with lock:
                query = next(pending, None)
            if query is None:
                return
            target = f"{url}/api/search?" + urllib.parse.urlencode({"q": query, "type": doc_type})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(target, timeout=30) as response:
                    body = response.read()
            except (urllib.error.URLError, TimeoutError) as error:
                with lock:
                    failures.append(f"{query!r}: {error}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            search_id = json.loads(body).get("search_id")
            with lock:
                latencies.append(elapsed)
                if logged is not None and search_id:
                    logged.append(search_id)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise CommandError(f"{len(failures)} searches failed, e.g. {failures[0]}")
    return {
        "clients": clients,
        "searches": len(latencies),
        "searches_per_s": round(len(latencies) / seconds, 2),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
    }


class Command(BaseCommand):
    help = "Searches per second under concurrent clients, through a gunicorn server it starts."

    def add_arguments(self, parser):
        parser.add_argument("--clients", default="1,2,4", help="Client counts, one pass each, e.g. 1,2,4.")
        parser.add_argument("--type", choices=REQUEST_TYPES, default="product", help="What to search.")
        parser.add_argument("--searches", type=int, default=400, help="Searches per pass.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")

    def handle(self, *args, **options):
        counts = client_counts(options["clients"])
        if options["searches"] < 1 or options["workers"] < 1:
            raise CommandError("--searches and --workers must be positive")
        per_pass = options["searches"]
        queries = benchmark_queries(per_pass * len(counts))
        server = WebServer(options["workers"])
        self.stderr.write(f"starting gunicorn with {options['workers']} workers on {server.url} ...")
        server.start()
        logged: list[str] = []
        try:
            passes = []
            for n, clients in enumerate(counts):
                chunk = queries[n * per_pass : (n + 1) * per_pass]
                passes.append(load_pass(server.url, options["type"], chunk, clients, logged))
                result = passes[-1]
                self.stdout.write(
                    f"{clients:>3} clients: {result['searches']} searches, {result['searches_per_s']:6.1f}/s, "
                    f"p50 {result['p50_ms']:6.1f} ms, p99 {result['p99_ms']:6.1f} ms"
                )
        finally:
            server.stop()  # gracefully: the workers finish logging what they answered
            # Benchmark traffic is not shoppers' (see bench_search), even when a pass failed.
            removed = forget_searches(logged)
            self.stdout.write(f"logged searches removed: {removed} of {len(logged)}")
        summary = {"type": options["type"], "workers": options["workers"], "passes": passes}
        self.stdout.write(json.dumps(summary))
