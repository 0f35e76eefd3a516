"""The EmbedQuery stage encodes what the model can read (the real bundled model)."""

import numpy as np

from indexing.embeddings import get_embedder
from searchapp.pipeline import EmbedQuery, SearchContext
from searchapp.query.analyzer import ParsedQuery
from searchapp.search_request import SearchRequest


def embedded(query: str, unreadable: tuple[str, ...]) -> np.ndarray | None:
    ctx = SearchContext(
        request=SearchRequest(query=query),
        query=query,
        parsed=ParsedQuery(original=query, normalized=query, unreadable_words=unreadable),
    )
    EmbedQuery().run(ctx)
    return ctx.query_vector


def test_words_in_a_script_the_catalog_lacks_are_left_out_of_the_query_vector():
    vector = embedded("中文 sony headphones", unreadable=("中文",))
    assert np.allclose(vector, get_embedder().encode_query("sony headphones"))


def test_a_query_of_unreadable_words_only_is_not_encoded():
    assert embedded("中文", unreadable=("中文",)) is None
    assert embedded("sony headphones", unreadable=()) is not None
