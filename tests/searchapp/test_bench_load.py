"""bench_load's client side against a real HTTP server on a local port (starting gunicorn
with a warmed-up search stack is what the command itself does; see DEVELOPERS-NOTES.md)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management.base import CommandError

from searchapp.management.commands.bench_load import client_counts, load_pass


class Recorder(BaseHTTPRequestHandler):
    status = 200
    seen: list[tuple[str, str]] = []

    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        type(self).seen.append((params["q"][0], params["type"][0]))
        body = json.dumps({"search_id": f"id of {params['q'][0]}"}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.seen, Recorder.status = [], 200
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_every_query_is_sent_once_whatever_the_number_of_clients(server):
    queries = [f"query {n}" for n in range(40)]

    logged = []
    result = load_pass(server, "all", queries, clients=3, logged=logged)

    assert sorted(Recorder.seen) == sorted((query, "all") for query in queries)
    # the search ids the answers carried: what the command deletes from the search log after
    assert sorted(logged) == sorted(f"id of {query}" for query in queries)
    assert result["clients"] == 3 and result["searches"] == 40
    assert result["searches_per_s"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"]


def test_a_failing_server_fails_the_pass_with_the_query_that_failed(server):
    Recorder.status = 500
    with pytest.raises(CommandError, match=r"2 searches failed, e\.g\. 'q"):
        load_pass(server, "product", ["q1", "q2"], clients=2)


def test_client_counts_are_positive_integers():
    assert client_counts("1, 2,4") == [1, 2, 4]
    for bad in ("", "0", "two", "1,-2"):
        with pytest.raises(CommandError, match="--clients"):
            client_counts(bad)
