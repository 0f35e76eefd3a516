"""`manage.py rebuild_index` against the real local backend (tasks eager: the embedded default)."""

import io

import pytest
from django.core.management import CommandError, call_command

from indexing import indexer
from indexing.backends import get_backend
from indexing.backends.base import LexicalQuery

pytestmark = pytest.mark.django_db


def rebuild(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_index", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rebuild_indexes_every_type_and_reports(catalog, local_index_dir):
    # when every type is rebuilt in chunks of one
    out, err = rebuild("--chunk-size", "1")

    # then the active products, the video and the live are searchable
    backend = get_backend()
    assert backend.count("product") == 2 and backend.count("video") == 1 and backend.count("live") == 1
    hits = backend.search_lexical("product", LexicalQuery(text="headphones"))
    assert {h.id for h in hits} == {
        f"product:{catalog['sony_headphones'].pk}",
        f"product:{catalog['bose_headphones'].pk}",
    }
    # with progress on stderr and a summary on stdout
    assert "product: 2/2 docs" in err and "docs/s" in err
    assert "indexed 4 documents" in out and "encoded" in out and " s" in out

    # and a second rebuild takes every vector from the cache
    out, _ = rebuild("--type", "product")
    assert "embeddings: 0 encoded, 2 from cache" in out


def test_failed_rebuild_keeps_the_old_index_and_exits_non_zero(catalog, local_index_dir, monkeypatch):
    # given a product index built once
    rebuild("--type", "product")

    # when the next rebuild fails half way
    def broken(*args, **kwargs):
        raise RuntimeError("embedding service exploded")

    monkeypatch.setattr(indexer, "index_rebuild_chunk", broken)
    with pytest.raises(CommandError, match=r"rebuild of product failed.*embedding service exploded"):
        rebuild("--type", "product")

    # then searches still use the old index
    assert get_backend().count("product") == 2
