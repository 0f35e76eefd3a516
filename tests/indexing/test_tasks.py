"""Task contract: stable names, late acks, retries for transient errors only."""

from unittest import mock

import pytest
from django.db import OperationalError

from indexing import tasks
from indexing.backends.base import BackendUnavailable
from searchapp.celery import app


@pytest.fixture(autouse=True)
def failures_as_results(monkeypatch):
    """Eager tasks report failure in their result instead of raising at the first retry."""
    monkeypatch.setattr(app.conf, "task_eager_propagates", False)


@pytest.mark.parametrize(
    ("task", "name"),
    [
        (tasks.index_documents, "indexing.index_documents"),
        (tasks.delete_documents, "indexing.delete_documents"),
        (tasks.rebuild_chunk, "indexing.rebuild_chunk"),
        (tasks.commit_rebuild, "indexing.commit_rebuild"),
    ],
)
def test_task_names_and_delivery(task, name):
    assert task.name == name
    assert task.acks_late is True
    assert task.max_retries == 5
    assert task.retry_backoff and task.retry_jitter


@pytest.mark.parametrize(
    "error",
    [BackendUnavailable("es down"), ConnectionError("reset"), OperationalError("db gone"), TimeoutError()],
)
def test_transient_errors_are_retried_then_give_up(error):
    # given a backend that keeps failing transiently
    with mock.patch("indexing.indexer.index_objects", side_effect=error) as index_objects:
        # when the task runs (eagerly: retries run at once, without the backoff sleep)
        result = tasks.index_documents.apply(args=("product", [1]))

    # then it was tried 1 + max_retries times before failing with the error
    assert result.failed() and isinstance(result.result, type(error))
    assert index_objects.call_count == 1 + tasks.index_documents.max_retries


@pytest.mark.parametrize(
    "error", [ValueError("unknown document type"), KeyError("title"), TypeError("bad pk")]
)
def test_bad_data_fails_at_once(error):
    with mock.patch("indexing.indexer.index_objects", side_effect=error) as index_objects:
        result = tasks.index_documents.apply(args=("product", [1]))
    assert result.failed() and isinstance(result.result, type(error))
    assert index_objects.call_count == 1
