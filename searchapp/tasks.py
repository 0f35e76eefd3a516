"""Celery tasks of the search app (see indexing/tasks.py for the retry policy). Retention runs
daily under `celery -A searchapp beat` (searchapp/beat_schedule.py)."""

from celery import shared_task
from django.conf import settings

from indexing.tasks import RETRY_POLICY

from . import log_retention, unmet_queries


@shared_task(name="searchapp.record_unmet_search", **RETRY_POLICY)
def record_unmet_search(payload: dict) -> int:
    return unmet_queries.record_unmet_search(payload).searches


@shared_task(name="searchapp.prune_logs", acks_late=True)
def prune_logs() -> dict:
    return dict(log_retention.prune_logs(settings.SEARCH_LOG_RETENTION_DAYS))
