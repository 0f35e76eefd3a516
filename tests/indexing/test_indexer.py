"""Indexing with the content-hash embedding cache, deletes of what no longer belongs, and
rebuilds that commit on success and abort on failure."""

import pytest

from catalog.models import Product
from indexing import indexer
from indexing.documents import build_documents
from indexing.embeddings import embed_documents
from indexing.models import EmbeddingCache

pytestmark = pytest.mark.django_db


def test_unchanged_text_is_never_encoded_twice(catalog, recording_backend, encode_calls):
    # given the products indexed once
    pks = list(Product.objects.values_list("pk", flat=True))
    first = indexer.index_objects("product", pks, recording_backend)

    # when they are indexed again, one with a new price (not in its embedding text)
    Product.objects.filter(pk=catalog["bose_headphones"].pk).update(price=199)
    second = indexer.index_objects("product", pks, recording_backend)

    # then the model encoded each text once, the second pass came from the cache
    assert (first.encoded, first.cached) == (2, 0)
    assert (second.encoded, second.cached) == (0, 2)
    assert len(encode_calls) == 1 and len(encode_calls[0]) == 2
    doc = recording_backend.docs[f"product:{catalog['bose_headphones'].pk}"]
    assert doc.numbers["price"] == 199.0 and doc.vector.shape == (384,)


def test_changed_text_encodes_only_that_document(catalog, embedder, encode_calls):
    docs = build_documents("product", Product.objects.values_list("pk", flat=True))
    embed_documents(docs)
    product = catalog["sony_headphones"]
    product.title = "Sony WH-1000XM5 wireless headphones Black"
    product.save()

    docs = build_documents("product", Product.objects.values_list("pk", flat=True))
    stats = embed_documents(docs)

    assert (stats.encoded, stats.cached) == (1, 1)
    changed = next(d for d in docs if d.id == f"product:{product.pk}")
    assert encode_calls[-1] == [changed.embedding_text]
    stored = EmbeddingCache.objects.get(
        key=EmbeddingCache.key_for(embedder.model_name, changed.embedding_text)
    )
    assert bytes(stored.vector) == changed.vector.tobytes()


def test_identical_texts_in_one_batch_are_encoded_once(catalog, encode_calls):
    docs = [build_documents("product", [catalog["sony_headphones"].pk])[0] for _ in range(3)]
    stats = embed_documents(docs)
    assert stats.encoded == 1 and len(encode_calls[0]) == 1
    assert all(doc.vector is not None for doc in docs)


def test_inactive_and_missing_rows_are_deleted(catalog, recording_backend):
    # given the active products indexed
    sony, bose = catalog["sony_headphones"], catalog["bose_headphones"]
    indexer.index_objects("product", [sony.pk, bose.pk], recording_backend)

    # when one is archived and the other deleted, and both are reindexed
    Product.objects.filter(pk=sony.pk).update(status="archived")
    bose_pk = bose.pk
    bose.delete()
    report = indexer.index_objects("product", [sony.pk, bose_pk], recording_backend)

    # then both documents are gone
    assert report.indexed == 0 and report.deleted == 2
    assert recording_backend.docs == {}


def test_delete_objects(catalog, recording_backend):
    indexer.index_objects("video", [catalog["video"].pk], recording_backend)
    assert indexer.delete_objects("video", [catalog["video"].pk], recording_backend) == 1
    assert recording_backend.docs == {}


def test_rebuild_fills_a_new_index_in_chunks_then_commits(catalog, recording_backend):
    seen = []
    state = indexer.rebuild(
        "product", chunk_size=1, progress=lambda s: seen.append(s.done), backend=recording_backend
    )
    assert state.total == 2 and state.report.indexed == 2
    assert seen == [1, 2]
    assert [e[0] for e in recording_backend.events] == ["start", "commit"]
    assert len(recording_backend.rebuild_docs["product-new"]) == 2


def test_a_failing_rebuild_is_aborted(catalog, recording_backend, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexer, "index_rebuild_chunk", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        indexer.rebuild("product", chunk_size=10, backend=recording_backend)
    assert [e[0] for e in recording_backend.events] == ["start", "abort"]


def test_passages_are_encoded_once_through_the_same_cache(catalog, recording_backend, encode_calls):
    video = catalog["video"]
    video.transcript = "The Sony is lighter. " * 30
    video.save()

    first = indexer.index_objects("video", [video.pk], recording_backend)
    second = indexer.index_objects("video", [video.pk], recording_backend)

    doc = recording_backend.docs[f"video:{video.pk}"]
    assert first.passages == second.passages == len(doc.passages) > 1
    assert doc.passage_vectors.shape == (len(doc.passages), 384)
    # The document text and every distinct passage in one encoder call, then none.
    assert encode_calls == [[doc.embedding_text, *dict.fromkeys(doc.passages)]]
    assert (second.encoded, second.cached) == (0, first.encoded)
    assert float(doc.passage_vectors[0] @ doc.vector) < 0.999  # a passage is not the document
