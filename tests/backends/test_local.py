"""The local (tantivy + usearch) backend: the shared contract, plus what only an embedded
backend must prove: several processes on the same files, crashes, and HNSW recall."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tantivy
from tantivy import Query

from indexing.backends import get_backend, local_lexical
from indexing.backends.base import BackendUnavailable, Filters, LexicalQuery, VectorQuery
from indexing.backends.local import SearchBackend
from indexing.backends.local_vectors import best_first
from indexing.schema import get_schema

from .contract import DOC_TYPE, BackendContract, brute_force, ids, product, unit_vector

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(local_index_dir):
    return get_backend("local")


def spawn(script: str, backend: SearchBackend, *args: str) -> subprocess.Popen:
    """Another process on the same index files, as a web worker or a Celery worker would be."""
    return subprocess.Popen(
        [sys.executable, "-c", script, backend.params["PATH"], backend.index_prefix, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


OPEN_BACKEND = """
import sys
from indexing.backends import local_lexical
from indexing.backends.local import SearchBackend
from indexing.backends.base import LexicalQuery
from tests.backends.contract import product
backend = SearchBackend("local", {"PATH": sys.argv[1], "INDEX_PREFIX": sys.argv[2]})
"""

READER = (
    OPEN_BACKEND
    + """
for line in sys.stdin:
    hits = backend.search_lexical("product", LexicalQuery(line.strip()))
    print(backend.count("product"), " ".join(hit.id for hit in hits), flush=True)
"""
)

WRITER = (
    OPEN_BACKEND
    + """
first = int(sys.argv[3])
for batch in range(5):
    backend.index_documents("product", [product(first + batch * 10 + i) for i in range(10)])
"""
)

WRITER_KILLED_MID_GENERATION = (
    OPEN_BACKEND
    + """
import time
from indexing.backends import local_vectors

def stall(path):
    print("writing a generation", flush=True)
    time.sleep(600)

local_vectors.fsync_directory = stall
backend.index_documents("product", [product(100 + i, "Crashed batch") for i in range(10)])
"""
)

# Stalls (to be killed) in IndexDirectory.<argv[3]>, after running it when argv[4] is "after".
WRITER_KILLED_IN_STORAGE = (
    OPEN_BACKEND
    + """
import time
from indexing.backends.local_storage import IndexDirectory
from tests.backends.contract import unit_vector

method = getattr(IndexDirectory, sys.argv[3])

def stall(directory, record):
    if sys.argv[4] == "after":
        method(directory, record)
    print("stalled", flush=True)
    time.sleep(600)

setattr(IndexDirectory, sys.argv[3], stall)
backend.index_documents(
    "product", [product(1, "Wool jacket relined", vector=unit_vector(1001)), product(100, "Crashed batch")]
)
"""
)


class TestLocalBackend(BackendContract):
    def test_reader_process_sees_commits_without_restart(self, backend):
        self.index(backend, [product(1, "Wool jacket")])
        reader = spawn(READER, backend)
        try:
            reader.stdin.write("linen\n")
            reader.stdin.flush()
            assert reader.stdout.readline().split() == ["1"]

            backend.index_documents(DOC_TYPE, [product(2, "Linen shirt")])
            reader.stdin.write("linen\n")
            reader.stdin.flush()

            assert reader.stdout.readline().split() == ["2", "product:2"]
        finally:
            reader.kill()
            reader.wait()

    def test_deleted_documents_are_not_suggested_before_their_segments_merge(self, backend):
        self.index(
            backend,
            [
                product(1, "Nimbus trail shoe", brand="Acme"),
                product(2, "Nike Air Max", brand="Nike"),
                product(3, "Nike Air Max", brand="Nike"),
            ],
        )
        backend.delete_documents(DOC_TYPE, ["product:1", "product:2"])
        backend.refresh(DOC_TYPE)
        assert backend.suggest("ni", [DOC_TYPE]) == [
            {"text": "Nike", "field": "brand", "doc_type": DOC_TYPE, "count": 1},
            {"text": "Nike Air Max", "field": "title", "doc_type": DOC_TYPE, "count": 1},
        ]
        assert backend.suggest("acm", [DOC_TYPE]) == []

    def test_writer_killed_mid_generation_leaves_the_committed_state(self, backend):
        docs = [product(1, "Wool jacket"), product(2, "Wool hat")]
        self.index(backend, docs)
        writer = spawn(WRITER_KILLED_MID_GENERATION, backend)
        assert writer.stdout.readline() == "writing a generation\n"

        writer.kill()  # SIGKILL: no cleanup runs
        writer.wait()
        survivor = SearchBackend("local", backend.params)

        for reader in (backend, survivor):
            assert reader.count(DOC_TYPE) == 2
            assert reader.search_lexical(DOC_TYPE, LexicalQuery("crashed")) == []
            assert (
                ids(reader.search_vector(DOC_TYPE, VectorQuery(docs[0].vector, limit=10)))[0] == "product:1"
            )
        # The OS released the dead writer's locks; its half-written generation is collected.
        survivor.ensure_index(DOC_TYPE)
        result = survivor.index_documents(DOC_TYPE, [product(3, "Wool scarf")])
        backend.refresh(DOC_TYPE)
        assert result.indexed == 1
        assert sorted(ids(self.lexical(backend, "wool"))) == ["product:1", "product:2", "product:3"]
        directory = backend.layout.read_alias(DOC_TYPE)
        assert not [p for p in directory.vectors_path.iterdir() if p.name.startswith(".tmp")]

    def kill_writer_in(self, backend, method: str, when: str) -> SearchBackend:
        """Kill a writer stalled in IndexDirectory.`method`, then write as another process."""
        self.index(backend, [product(1, "Wool jacket"), product(2, "Wool hat")])
        writer = spawn(WRITER_KILLED_IN_STORAGE, backend, method, when)
        assert writer.stdout.readline() == "stalled\n"
        writer.kill()  # SIGKILL: no cleanup runs
        writer.wait()
        survivor = SearchBackend("local", backend.params)
        survivor.index_documents(DOC_TYPE, [product(3, "Wool scarf")])
        backend.refresh(DOC_TYPE)
        return survivor

    def test_writer_killed_after_the_tantivy_commit_has_its_batch_completed(self, backend):
        # Tantivy committed the batch; COMMIT never named its vector generation.
        survivor = self.kill_writer_in(backend, "write_commit", "before")

        # The next write completed the dead writer's batch: its vectors match its text.
        for reader in (backend, survivor):
            assert ids(reader.search_lexical(DOC_TYPE, LexicalQuery("crashed"))) == ["product:100"]
            assert ids(reader.search_lexical(DOC_TYPE, LexicalQuery("relined"))) == ["product:1"]
            assert ids(self.vector(reader, product(100).vector, limit=1)) == ["product:100"]
            assert ids(self.vector(reader, unit_vector(1001), limit=1)) == ["product:1"]
            assert reader.count(DOC_TYPE) == 4
        directory = backend.layout.read_alias(DOC_TYPE)
        assert directory.read_commit().seq == 3
        assert not directory.pending_path.exists()

    def test_writer_killed_before_the_tantivy_commit_has_its_batch_dropped(self, backend):
        # PENDING names the batch's generation, but tantivy never committed the batch.
        survivor = self.kill_writer_in(backend, "write_pending", "after")

        for reader in (backend, survivor):
            assert ids(reader.search_lexical(DOC_TYPE, LexicalQuery("crashed"))) == []
            assert ids(self.vector(reader, unit_vector(1), limit=1)) == ["product:1"]
            assert sorted(ids(self.vector(reader, unit_vector(1), limit=10))) == [
                f"product:{i}" for i in (1, 2, 3)
            ]
        directory = backend.layout.read_alias(DOC_TYPE)
        commit = directory.read_commit()
        assert commit.seq == 2
        assert not directory.pending_path.exists()
        # The dropped batch's generation was collected: what is left is current and previous.
        assert sorted(p.name for p in directory.vectors_path.iterdir()) == [commit.previous, commit.vectors]

    def test_concurrent_writer_processes_serialise(self, backend):
        backend.ensure_index(DOC_TYPE)

        writers = [spawn(WRITER, backend, str(first)) for first in (1000, 2000)]
        for writer in writers:
            assert writer.wait(timeout=120) == 0
        backend.refresh(DOC_TYPE)

        assert backend.count(DOC_TYPE) == 100
        vector_ids = ids(self.vector(backend, unit_vector(1), limit=200))
        assert len(vector_ids) == len(set(vector_ids)) == 100
        assert backend.layout.read_alias(DOC_TYPE).read_commit().seq == 10

    def test_live_writes_during_a_rebuild_reach_the_new_index(self, backend):
        self.index(backend, [product(1, "Old jacket"), product(2, "Old hat")])
        rebuild = backend.start_rebuild(DOC_TYPE)
        rebuild.index_documents([product(1, "Rebuilt jacket"), product(2, "Rebuilt hat")])

        backend.index_documents(DOC_TYPE, [product(3, "Fresh scarf")])
        backend.delete_documents(DOC_TYPE, ["product:2"])
        rebuild.commit()
        backend.refresh(DOC_TYPE)

        assert backend.count(DOC_TYPE) == 2
        assert ids(self.lexical(backend, "fresh")) == ["product:3"]
        assert self.lexical(backend, "hat") == []

    def test_only_the_current_and_previous_generations_are_kept(self, backend):
        for pk in range(1, 5):
            self.index(backend, [product(pk)])

        directory = backend.layout.read_alias(DOC_TYPE)
        commit = directory.read_commit()
        assert sorted(p.name for p in directory.vectors_path.iterdir()) == sorted(
            [commit.previous, commit.vectors]
        )

    def test_invalid_documents_are_reported_not_indexed(self, backend):
        wrong_dim = product(2, vector=np.ones(3, np.float32))
        wrong_type = product(3)
        wrong_type.doc_type = "video"

        result = self.index(backend, [product(1), wrong_dim, wrong_type])

        assert (result.indexed, result.failed) == (1, 2)
        assert backend.count(DOC_TYPE) == 1

    def test_cached_documents_are_every_live_document_shared_with_search_hits(self, backend):
        # Given three documents, one then deleted
        self.index(backend, [product(1, "Trail runner"), product(2), product(3)])
        backend.delete_documents(DOC_TYPE, [product(3).id])

        # When a worker loads every document ahead of its first search
        cached = backend.cached_documents(DOC_TYPE)

        # Then it holds exactly the live ones, and a search's hits share their stored values
        assert sorted(hit.id for hit in cached) == sorted([product(1).id, product(2).id])
        by_id = {hit.id: hit for hit in cached}
        found = self.lexical(backend, "trail")[0]
        assert found.display is by_id[found.id].display

    def test_unchanged_documents_keep_their_parsed_values_across_a_commit(self, backend):
        # Given two documents whose stored values a search has parsed
        self.index(backend, [product(1, "Trail runner"), product(2, "Trail shoe")])
        before = {hit.id: hit.display for hit in backend.cached_documents(DOC_TYPE)}

        # When another process's commit changes one of them (this reader reloads)
        self.index(backend, [product(2, "Trail shoe v2")])
        after = {hit.id: hit.display for hit in self.lexical(backend, "trail")}

        # Then the unchanged one is the very same parsed object, the changed one is new
        assert after[product(1).id] is before[product(1).id]
        assert after[product(2).id] is not before[product(2).id]
        assert after[product(2).id]["title"] == "Trail shoe v2"

    def test_a_commit_rereads_only_the_documents_it_changed(self, backend):
        # Given three documents parsed by a worker's warm-up
        self.index(backend, [product(1, "Trail runner"), product(2, "Trail shoe"), product(3, "Trail cap")])
        backend.cached_documents(DOC_TYPE)
        stored = backend._reader(DOC_TYPE).lexical._stored
        parsed_before = len(stored.by_version)
        # When a commit changes one of them and a search then sees all three
        self.index(backend, [product(2, "Trail shoe v2")])
        assert len(self.lexical(backend, "trail")) == 3
        # Then only the changed document's new version was read from the store
        assert len(stored.by_version) == parsed_before + 1

    def test_a_search_still_on_the_previous_searcher_never_brings_back_an_old_version(self, backend):
        # Given a reader holding a searcher, then a commit that changes a document it never read
        self.index(backend, [product(1, "Trail runner"), product(2, "Trail shoe")])
        lexical = backend._reader(DOC_TYPE).lexical
        previous = lexical.searcher
        self.index(backend, [product(2, "Trail shoe v2")])
        backend.refresh(DOC_TYPE)
        # When a thread still on the previous searcher reads the old version
        addresses = [address for _, address in previous.search(Query.all_query(), limit=10).hits]
        lexical._stored.documents(previous, addresses)
        # Then lookups by id still give the committed version
        assert lexical.fetch([product(2).id])[product(2).id].display["title"] == "Trail shoe v2"

    def test_an_index_without_version_keys_is_still_searchable_across_commits(self, backend, monkeypatch):
        # Given readers that find no version field (an index written before there was one)
        monkeypatch.setattr(local_lexical, "has_version_field", lambda searcher: False)
        self.index(backend, [product(1, "Trail runner"), product(2, "Trail shoe")])
        assert sorted(ids(self.lexical(backend, "trail"))) == [product(1).id, product(2).id]
        # When a commit changes a document, then searches show the new values
        self.index(backend, [product(2, "Trail shoe v2")])
        titles = {hit.id: hit.display["title"] for hit in self.lexical(backend, "trail")}
        assert titles == {product(1).id: "Trail runner", product(2).id: "Trail shoe v2"}

    def test_stored_vectors_stay_right_as_commits_update_delete_and_add_documents(self, backend):
        # Given five documents whose vectors a search has looked up (the id -> row map built)
        docs = {i: product(i) for i in range(1, 6)}
        self.index(backend, list(docs.values()))
        assert len(backend.vectors(DOC_TYPE, [doc.id for doc in docs.values()])) == 5
        # When later commits update one, delete one, and add two (one reusing a freed row)
        docs[2] = product(2, vector=unit_vector(200))
        self.index(backend, [docs[2]])
        backend.delete_documents(DOC_TYPE, [docs.pop(3).id])
        docs[6], docs[7] = product(6), product(7)
        self.index(backend, [docs[6], docs[7]])
        # Then each live document's stored vector is its latest, and the deleted one has none
        found = backend.vectors(DOC_TYPE, [product(i).id for i in range(1, 8)])
        assert sorted(found) == sorted(doc.id for doc in docs.values())
        for doc in docs.values():
            np.testing.assert_allclose(found[doc.id], doc.vector, atol=1e-6)

    def test_unreadable_index_raises_backend_unavailable(self, backend):
        self.index(backend, [product(1)])
        directory = backend.layout.read_alias(DOC_TYPE)
        (directory.lexical_path / "meta.json").unlink()
        fresh = SearchBackend("local", backend.params)

        with pytest.raises(BackendUnavailable):
            fresh.search_lexical(DOC_TYPE, LexicalQuery("item"))
        assert fresh.health()["status"] == "down"


def clustered_vectors(count: int, dim: int, seed: int = 0) -> np.ndarray:
    """Low intrinsic dimension, like real text embeddings (uniform noise defeats any ANN)."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((count, 6)) @ rng.standard_normal((6, dim))
    vectors = (latent + 0.3 * rng.standard_normal((count, dim))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_hnsw_recall_and_filtered_exactness(tmp_path):
    # Small thresholds so that 3000 documents take the graph path.
    backend = SearchBackend(
        "local", {"PATH": str(tmp_path), "INDEX_PREFIX": "ann", "EXACT_SEARCH_MAX_ROWS": 100}
    )
    vectors = clustered_vectors(3000, 32)
    brands = np.where(np.arange(3000) % 20 == 0, "Rare", np.where(np.arange(3000) % 2, "Common", "Other"))
    docs = [product(i, brand=str(brands[i]), vector=vectors[i]) for i in range(3000)]
    for start in range(0, 3000, 1000):  # the graph is built once, then patched per batch
        backend.index_documents(DOC_TYPE, docs[start : start + 1000])
    directory = backend.layout.read_alias(DOC_TYPE)
    assert (directory.generation_path(directory.read_commit().vectors) / "ann.usearch").exists()
    queries = clustered_vectors(20, 32, seed=1)

    def recall(filters: Filters) -> float:
        found = 0
        for query in queries:
            hits = backend.search_vector(DOC_TYPE, VectorQuery(query, filters=filters, limit=10))
            found += len(set(ids(hits)) & set(brute_force(docs, query, filters, 10)))
        return found / (10 * len(queries))

    assert recall(Filters()) >= 0.95
    assert recall(Filters(terms={"brand": ("Common",)})) >= 0.95
    assert recall(Filters(terms={"brand": ("Rare",)})) == 1.0

    moved = product(5, brand="Common", vector=unit_vector(12345, 32))
    backend.index_documents(DOC_TYPE, [moved])
    assert ids(backend.search_vector(DOC_TYPE, VectorQuery(moved.vector, limit=1))) == ["product:5"]


@pytest.mark.parametrize("wanted", [0, 1, 5, 37, 200, 500])
def test_best_first_is_the_head_of_a_stable_descending_sort(wanted):
    # Few distinct values: many ties, which must keep index order as a stable sort does.
    scores = np.random.default_rng(wanted).integers(0, 20, 400).astype(np.float32)

    head = best_first(scores, wanted)

    expected = np.argsort(-scores, kind="stable")
    assert head[:wanted].tolist() == expected[:wanted].tolist()
    assert head.tolist() == expected[: len(head)].tolist()


def test_a_filter_on_a_keyword_field_the_index_predates_matches_nothing(tmp_path):
    # An index written before the schema declared `colour` (a deployment not yet rebuilt).
    current = get_schema(DOC_TYPE)
    older = replace(
        current, keyword_fields=tuple(name for name in current.keyword_fields if name != "colour")
    )
    index = tantivy.Index(local_lexical.build_tantivy_schema(older), path=str(tmp_path))
    writer = index.writer()
    writer.add_document(local_lexical.to_tantivy_document(older, product(1, brand="HP")))
    writer.commit()
    index.reload()

    def matches(**terms) -> int:
        query = local_lexical.filter_query(index.schema, current, Filters(terms=terms))
        return index.searcher().search(query, 10).count

    assert matches(brand=("HP",)) == 1
    # It knows no document's colour: the filter empties the results instead of failing the search.
    assert matches(brand=("HP",), colour=("red",)) == 0


def test_an_index_written_before_a_keyword_field_existed_still_serves_and_takes_writes(backend, monkeypatch):
    # Given an index written by code whose schema lacked `feature` (a deployment upgraded
    # without `rebuild_index` yet)...
    from indexing.backends import local

    current = get_schema(DOC_TYPE)
    older = replace(
        current, keyword_fields=tuple(name for name in current.keyword_fields if name != "feature")
    )
    monkeypatch.setattr(local, "get_schema", lambda doc_type: older)
    backend.index_documents(DOC_TYPE, [product(1, "Wool jacket", brand="HP")])
    monkeypatch.setattr(local, "get_schema", get_schema)

    # ...the current code (a process started after the upgrade) still searches it, by words,
    # vectors and filters on the fields it holds; a filter on the new field matches nothing
    # until a rebuild fills it...
    upgraded = SearchBackend("local", {"PATH": backend.params["PATH"], "INDEX_PREFIX": backend.index_prefix})
    assert ids(upgraded.search_lexical(DOC_TYPE, LexicalQuery("wool"))) == ["product:1"]
    assert ids(upgraded.search_vector(DOC_TYPE, VectorQuery(unit_vector(1), limit=1))) == ["product:1"]
    brand = Filters(terms={"brand": ("HP",)})
    assert ids(upgraded.search_vector(DOC_TYPE, VectorQuery(unit_vector(1), limit=1, filters=brand))) == [
        "product:1"
    ]
    featured = Filters(terms={"feature": ("bluetooth",)})
    assert upgraded.search_vector(DOC_TYPE, VectorQuery(unit_vector(1), limit=1, filters=featured)) == []

    # ...and writes to it without losing what it holds.
    upgraded.index_documents(DOC_TYPE, [product(2, "Linen shirt", brand="HP")])
    upgraded.refresh(DOC_TYPE)
    assert ids(upgraded.search_lexical(DOC_TYPE, LexicalQuery("wool"))) == ["product:1"]
    assert ids(upgraded.search_lexical(DOC_TYPE, LexicalQuery("linen"))) == ["product:2"]
    assert upgraded.count(DOC_TYPE) == 2
