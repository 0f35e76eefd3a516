import gc
import weakref

import pytest
from django.http import JsonResponse
from django.urls import path

from searchapp.deferred_gc import DeferredGarbageCollection, refreeze_after_response

seen = {}


class Cycle:
    def __init__(self):
        self.me = self


def observing_view(request):
    # Records what the collector's state was while the request ran, and leaves cyclic garbage.
    seen["enabled_during_request"] = gc.isenabled()
    seen["cycle"] = weakref.ref(Cycle())
    return JsonResponse({})


urlpatterns = [path("observe", observing_view)]


@pytest.fixture
def observing_urls(settings):
    settings.ROOT_URLCONF = __name__
    seen.clear()
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.enable()


def test_the_collector_is_off_during_a_request_and_collects_once_the_response_is_sent(client, observing_urls):
    # Given automatic collection on, and a young-generation threshold any request passes
    gc.enable()
    gc.set_threshold(1, *gc.get_threshold()[1:])
    # When a request runs and its response is sent
    client.get("/observe")
    # Then nothing was collected during the request, and the garbage it left is gone after
    assert seen["enabled_during_request"] is False
    assert seen["cycle"]() is None
    assert gc.isenabled()


def test_a_process_that_turned_the_collector_off_keeps_it_off(client, observing_urls):
    gc.disable()
    client.get("/observe")
    assert seen["enabled_during_request"] is False
    assert not gc.isenabled()


def test_a_request_that_fails_without_a_response_turns_the_collector_back_on(rf):
    # Given automatic collection on, and a view chain that raises instead of answering
    gc.enable()

    def failing(request):
        raise RuntimeError("no response")

    middleware = DeferredGarbageCollection(failing)
    # When a request goes through it, then the error propagates and collection is back on
    with pytest.raises(RuntimeError):
        middleware(rf.get("/"))
    assert gc.isenabled()


def test_data_loaded_again_is_frozen_once_the_response_is_sent_and_what_it_replaced_is_freed(
    client, observing_urls
):
    # Given a worker whose data was frozen at warm-up, some of it in a reference cycle
    gc.enable()
    replaced = Cycle()
    old = weakref.ref(replaced)
    gc.freeze()
    try:
        # when that data is replaced by a reload (the old copy is garbage, but frozen)
        del replaced
        kept = [Cycle()]
        gc.collect()
        assert old() is not None
        refreeze_after_response()
        client.get("/observe")
        # then once the response is sent the old copy is gone and the new one frozen
        assert old() is None
        assert gc.get_freeze_count() > 0 and kept
        assert gc.isenabled()
    finally:
        gc.unfreeze()
