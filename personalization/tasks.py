"""Celery tasks: thin wrappers around profiles.py (retry policy: see indexing/tasks.py)."""

from dataclasses import asdict

from celery import shared_task

from indexing.tasks import RETRY_POLICY

from . import profiles


@shared_task(name="personalization.update_profiles", **RETRY_POLICY)
def update_profiles(events: list[dict]) -> dict:
    return asdict(profiles.update_profiles(events))
