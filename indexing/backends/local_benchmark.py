"""Timings of the local backend on a synthetic catalog, independent of Django and the tests:

    .venv/bin/python -m indexing.backends.local_benchmark [--docs 26000] [--dim 384]

Text follows a Zipf-like vocabulary; vectors have a low intrinsic dimension like real sentence
embeddings (uniformly random 384-d vectors have no neighbourhood structure for HNSW to use).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np

from .base import Filters, LexicalQuery, Range, SearchDocument, VectorQuery
from .local import SearchBackend

BATCH = 500


def synthetic_products(count: int, dim: int, seed: int = 0) -> list[SearchDocument]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocabulary = np.array(["".join(rng.choice(letters, int(rng.integers(3, 10)))) for _ in range(5000)])
    word_weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    word_weights /= word_weights.sum()
    latent = rng.standard_normal((count, 24)) @ rng.standard_normal((24, dim))
    vectors = (latent + 0.5 * rng.standard_normal((count, dim))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def words(n: int) -> str:
        return " ".join(rng.choice(vocabulary, size=n, p=word_weights))

    docs = []
    for i in range(count):
        brand, category = f"brand{int(rng.zipf(1.5)) % 300}", f"cat{rng.integers(60)}"
        title = words(int(rng.integers(4, 10)))
        docs.append(
            SearchDocument(
                id=f"product:{i}",
                doc_type="product",
                text={
                    "title": title,
                    "brand": brand,
                    "category": category,
                    "attributes": words(5),
                    "description": words(int(rng.integers(30, 80))),
                },
                keywords={"brand": [brand], "category": [category], "in_stock": ["true"]},
                numbers={"price": float(rng.integers(1, 500)), "rating": float(rng.integers(1, 6))},
                display={"title": title, "image_url": f"/media/{i}.jpg", "price": 10.0, "brand": brand},
                embedding_text=title,
                vector=vectors[i],
            )
        )
    return docs


def milliseconds(run, arguments) -> tuple[float, float, float]:
    """Wall p50 and p95, and p50 of this thread's CPU time: on a shared, busy machine the
    CPU figure is the one that says what a search costs."""
    wall, cpu = [], []
    for argument in arguments:
        start, start_cpu = time.perf_counter(), time.thread_time()
        run(argument)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    wall.sort()
    return statistics.median(wall), wall[int(len(wall) * 0.95) - 1], statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=26000)
    parser.add_argument("--dim", type=int, default=384)
    options = parser.parse_args()
    docs = synthetic_products(options.docs, options.dim)
    rng = np.random.default_rng(1)

    with tempfile.TemporaryDirectory() as path:
        backend = SearchBackend("local", {"PATH": path, "INDEX_PREFIX": "bench"})
        start = time.perf_counter()
        rebuild = backend.start_rebuild("product")
        for first in range(0, len(docs), BATCH):
            rebuild.index_documents(docs[first : first + BATCH])
        chunks_done = time.perf_counter()
        rebuild.commit()
        done = time.perf_counter()
        print(
            f"rebuild {len(docs)} docs in {BATCH}-doc chunks: {done - start:.1f} s "
            f"({len(docs) / (done - start):.0f} docs/s; HNSW build at commit {done - chunks_done:.1f} s)"
        )
        batch = [docs[i] for i in rng.choice(len(docs), BATCH, replace=False)]
        start, start_cpu = time.perf_counter(), time.process_time()
        backend.index_documents("product", batch)
        print(
            f"incremental upsert of {BATCH} docs into the live index: {time.perf_counter() - start:.2f} s "
            f"(CPU {time.process_time() - start_cpu:.2f} s)"
        )

        texts = [" ".join(d.text["title"].split()[: int(rng.integers(1, 4))]) for d in rng.choice(docs, 200)]
        queries = [d.vector for d in rng.choice(docs, 200)]
        cases = {
            "lexical top-200 (field scores + stored)": (
                lambda t: backend.search_lexical("product", LexicalQuery(t, limit=200)),
                texts,
            ),
            "vector top-200": (
                lambda v: backend.search_vector("product", VectorQuery(v, limit=200)),
                queries,
            ),
            "vector top-200, brand7 (~2% pass)": (
                lambda v: backend.search_vector(
                    "product", VectorQuery(v, limit=200, filters=Filters(terms={"brand": ("brand7",)}))
                ),
                queries,
            ),
            "vector top-200, price <= 250 (half)": (
                lambda v: backend.search_vector(
                    "product", VectorQuery(v, limit=200, filters=Filters(ranges={"price": Range(lte=250)}))
                ),
                queries,
            ),
            "suggest (2-4 letter prefixes)": (
                lambda p: backend.suggest(p, ["product"]),
                [d.text["title"][: int(rng.integers(2, 5))] for d in rng.choice(docs, 100)] + ["bra", "cat1"],
            ),
        }
        for name, (run, arguments) in cases.items():
            p50, p95, cpu = milliseconds(run, arguments)
            print(f"{name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, CPU p50 {cpu:.2f} ms")


if __name__ == "__main__":
    main()
