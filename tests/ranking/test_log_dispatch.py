"""Served searches reach the feature log off the request path: a background thread when tasks
run eagerly (the embedded default), the Celery task otherwise; a failed write never raises."""

import logging
import threading
import uuid

import numpy as np
import pytest
from django.db import connections

from ranking import log_dispatch
from ranking.feature_log import served_search_payload
from ranking.features import FEATURE_NAMES
from ranking.models import ImpressionLog, SearchLog


def payload(search_id: str | None = None) -> dict:
    return served_search_payload(
        search_id=search_id or str(uuid.uuid4()),
        query="hp toner",
        normalized_query="hp toner",
        doc_type="product",
        doc_ids=["p1", "p2"],
        features=np.ones((2, len(FEATURE_NAMES)), dtype=np.float32),
    )


@pytest.fixture
def in_background(settings, transactional_db):
    """The embedded default's mode. The writer thread's own database connection is closed
    afterwards so the test database can be dropped."""
    settings.SEARCH_LOG_IN_BACKGROUND = True
    yield
    log_dispatch.wait_for_pending_logs(timeout=30)
    log_dispatch._background_writer().submit(connections.close_all).result(timeout=30)


@pytest.fixture
def writer_threads(monkeypatch):
    """Records which thread wrote each search (and still writes it)."""
    names = []
    real_write = log_dispatch.write_served_search

    def recording_write(served):
        names.append(threading.current_thread().name)
        return real_write(served)

    monkeypatch.setattr(log_dispatch, "write_served_search", recording_write)
    return names


def test_in_the_background_the_log_is_written_by_the_writer_thread(in_background, writer_threads):
    search_id = str(uuid.uuid4())

    log_dispatch.dispatch_served_search(payload(search_id))
    log_dispatch.wait_for_pending_logs(timeout=30)

    assert writer_threads and all(name.startswith("search-log") for name in writer_threads)
    assert threading.current_thread().name not in writer_threads
    logged = SearchLog.objects.get(search_id=search_id)
    assert list(
        ImpressionLog.objects.filter(search=logged).values_list("doc_id", flat=True).order_by("position")
    ) == [
        "p1",
        "p2",
    ]


def test_a_failed_background_write_is_reported_and_the_next_one_still_lands(in_background, caplog):
    broken = payload()
    del broken["doc_ids"]
    good_id = str(uuid.uuid4())

    with caplog.at_level(logging.ERROR, logger="ranking.log_dispatch"):
        log_dispatch.dispatch_served_search(broken)  # does not raise into the search
        log_dispatch.dispatch_served_search(payload(good_id))
        log_dispatch.wait_for_pending_logs(timeout=30)

    assert "served search not logged: KeyError" in caplog.text
    assert SearchLog.objects.filter(search_id=good_id).exists()
    assert SearchLog.objects.count() == 1


@pytest.mark.django_db
def test_without_background_writing_the_celery_task_writes_it(settings, writer_threads):
    settings.SEARCH_LOG_IN_BACKGROUND = False  # a broker is configured (here: eager tasks)
    search_id = str(uuid.uuid4())

    log_dispatch.dispatch_served_search(payload(search_id))

    assert SearchLog.objects.filter(search_id=search_id).exists()
    assert writer_threads == []  # the task wrote it, not the background writer
