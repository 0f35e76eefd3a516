"""The Elasticsearch backend against a real server: the shared backend contract. Skipped
when ELASTICSEARCH_URL is unset; the request bodies are tested without a server in
test_es_bodies.py."""

from __future__ import annotations

import os
import secrets

import numpy as np
import pytest
from django.conf import settings

from indexing.backends.base import LexicalQuery, VectorQuery
from indexing.backends.elasticsearch import SearchBackend

from .contract import DOC_TYPE, BackendContract, catalog, ids, unit_vector

pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"),
        reason="ELASTICSEARCH_URL not set: no Elasticsearch server on this machine",
    ),
]


@pytest.fixture
def backend():
    """A backend on its own random index prefix, its indices deleted afterwards. No replicas,
    so that a single-node test cluster stays green."""
    prefix = f"test-{secrets.token_hex(4)}"
    params = {**settings.SEARCH_BACKENDS["elasticsearch"], "INDEX_PREFIX": prefix, "NUMBER_OF_REPLICAS": 0}
    backend = SearchBackend("elasticsearch", params)
    yield backend
    # Deleting by wildcard is refused by default (action.destructive_requires_name).
    created = list(backend.client.indices.get(index=f"{prefix}-*").body)
    if created:
        backend.client.indices.delete(index=",".join(created))


class TestElasticsearchBackend(BackendContract):
    def test_search_channels_answers_as_the_separate_searches(self, backend):
        self.index(backend, catalog(20))
        lexical, vector = LexicalQuery("item", limit=5), VectorQuery(unit_vector(3), limit=5)

        both = backend.search_channels(DOC_TYPE, lexical, vector)

        assert ids(both["lexical"]) == ids(backend.search_lexical(DOC_TYPE, lexical))
        assert ids(both["dense"]) == ids(backend.search_vector(DOC_TYPE, vector))
        assert np.allclose(
            [hit.score for hit in both["dense"]], [h.score for h in backend.search_vector(DOC_TYPE, vector)]
        )

    def test_searching_a_doc_type_never_indexed_finds_nothing(self, backend):
        assert backend.search_channels(DOC_TYPE, LexicalQuery("item"), VectorQuery(unit_vector(1))) == {
            "lexical": [],
            "dense": [],
        }
        assert backend.count(DOC_TYPE) == 0
        assert backend.suggest("it", [DOC_TYPE]) == []
