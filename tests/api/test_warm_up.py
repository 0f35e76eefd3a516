import gc

from indexing.backends import get_backend
from ranking import features
from searchapp.warmup import warm_up


def test_warm_up_derives_the_ranking_terms_of_every_indexed_document(small_catalog):
    # Given an indexed catalog and no ranking terms derived yet
    features._document_terms.clear()
    # When a web worker warms up
    warm_up()
    gc.unfreeze()
    # Then every indexed product's terms are ready before its first search
    backend = get_backend()
    cached = {doc_id for doc_type, doc_id in features._document_terms if doc_type == "product"}
    assert cached == {hit.id for hit in backend.cached_documents("product")}
    assert len(cached) == backend.count("product") > 0
