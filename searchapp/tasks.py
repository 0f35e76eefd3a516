"""Celery tasks of the search app (see indexing/tasks.py for the retry policy)."""

from celery import shared_task

from indexing.tasks import RETRY_POLICY

from . import unmet_queries


@shared_task(name="searchapp.record_unmet_search", **RETRY_POLICY)
def record_unmet_search(payload: dict) -> int:
    return unmet_queries.record_unmet_search(payload).searches
