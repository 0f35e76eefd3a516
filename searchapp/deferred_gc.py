"""Cyclic garbage collection between requests instead of during them.

A search allocates tens of thousands of short-lived objects, so the collector's young
generation fills up during most requests, and a collection there (1-6 ms with a search's
hits alive) lands on whichever stage happens to allocate next: measured with
`gc.callbacks`, they were a good part of the blend and rank p99 of mixed rows. This
middleware switches automatic collection off while requests are in flight and, once the
last response has been sent (`request_finished`, fired from the response's close(), after
the WSGI server wrote the body), runs the collection the allocations made due.

Reference counting still frees almost everything at once; only garbage in reference cycles
waits until the end of its request.

Long-lived data loaded again while serving (a rebuilt query vocabulary: query/file_cached.py)
is new to the collector, which warm-up's gc.freeze() kept everything loaded before out of:
every full collection would walk it. `refreeze_after_response()` asks for the permanent
generation to be rebuilt once the last response is sent: unfreeze (the replaced data's cycles
become collectable), collect, freeze again: ~0.5 s over a warmed Chorus worker's 1.1 million
objects, between requests, once per rebuild (a threaded server's next request waits for it).
"""

import gc
import threading

from django.core.signals import request_finished

_lock = threading.Lock()
_in_flight = 0
# Whether this middleware switched collection off (and so must switch it back on): a
# process that disabled the collector itself keeps it disabled.
_disabled_here = False
_refreeze_due = False


def refreeze_after_response() -> None:
    global _refreeze_due
    _refreeze_due = True


class DeferredGarbageCollection:
    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(collect_after_response, dispatch_uid="deferred-garbage-collection")

    def __call__(self, request):
        global _in_flight, _disabled_here
        with _lock:
            _in_flight += 1
            if _in_flight == 1 and gc.isenabled():
                gc.disable()
                _disabled_here = True
        try:
            return self.get_response(request)
        except BaseException:
            # No response, so no close() and no request_finished: settle the count here.
            collect_after_response()
            raise


def collect_after_response(**kwargs) -> None:
    global _in_flight, _disabled_here, _refreeze_due
    with _lock:
        _in_flight = max(_in_flight - 1, 0)
        if _in_flight or not _disabled_here:
            return
        _disabled_here = False
        if _refreeze_due:
            _refreeze_due = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        else:
            collect_due_generation()
        gc.enable()


def collect_due_generation() -> None:
    """What the automatic collector would have done by now: the oldest generation whose
    allocation count passed its threshold (and the younger ones with it)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return
