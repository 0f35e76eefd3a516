import gc
import logging

import pytest
from threadpoolctl import threadpool_info

from indexing.embeddings import get_embedder
from searchapp.warmup import warm_up


@pytest.mark.django_db
def test_warm_up_loads_the_model_and_runs_a_search(local_index_dir, caplog):
    # given a fresh process state: no embedder built yet
    get_embedder.cache_clear()
    # when a web worker warms up
    with caplog.at_level(logging.INFO, logger="searchapp.warmup"):
        warm_up()
    # then the search ran end to end (an empty index is fine) and the model is loaded
    assert "search warm-up took" in caplog.text
    assert get_embedder.cache_info().currsize == 1
    # and what it loaded is kept out of the garbage collector's passes
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    # and numpy's BLAS runs on this worker's thread alone
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and set(blas) == {1}
