"""Celery tasks: thin wrappers around indexer.py, taking ids (never model instances).

Every task is idempotent (it reads the committed rows and writes documents by id), so it is
acknowledged late and retried, with exponential backoff and jitter, but only for errors that
a retry can fix: an unreachable backend, database or network. Bad data fails at once.
"""

from dataclasses import asdict

from celery import shared_task
from django.db import OperationalError

from . import indexer
from .backends.base import BackendUnavailable

TRANSIENT_ERRORS = (BackendUnavailable, ConnectionError, OperationalError, TimeoutError)

RETRY_POLICY = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 5,
    "retry_backoff": 2,  # seconds before the first retry, doubling each time
    "retry_backoff_max": 120,
    "retry_jitter": True,
}


@shared_task(name="indexing.index_documents", **RETRY_POLICY)
def index_documents(doc_type: str, pks: list[int]) -> dict:
    return asdict(indexer.index_objects(doc_type, pks))


@shared_task(name="indexing.delete_documents", **RETRY_POLICY)
def delete_documents(doc_type: str, pks: list[int]) -> int:
    return indexer.delete_objects(doc_type, pks)


@shared_task(name="indexing.rebuild_chunk", **RETRY_POLICY)
def rebuild_chunk(doc_type: str, rebuild_name: str, pks: list[int]) -> dict:
    return asdict(indexer.index_rebuild_chunk(doc_type, rebuild_name, pks))


@shared_task(name="indexing.commit_rebuild", **RETRY_POLICY)
def commit_rebuild(doc_type: str, rebuild_name: str) -> None:
    indexer.commit_rebuild(doc_type, rebuild_name)
