"""Celery tasks: thin wrappers around the ranking modules (see indexing/tasks.py for the
retry policy: late acknowledgement, backoff, retries for transient errors only).

Retraining, the engagement refresh and the canary guard run on a schedule under
`celery -A searchapp beat` (searchapp/beat_schedule.py). A retrained version only replaces
the served one when it beats it on the validation NDCG gate (ranking/registry.py).
"""

import logging

from celery import shared_task

from indexing.tasks import RETRY_POLICY
from personalization.tasks import update_profiles

from . import events, feature_log, stats
from .canary import guard_canary
from .models import RankerModel

logger = logging.getLogger(__name__)


@shared_task(name="ranking.ingest_events", **RETRY_POLICY)
def ingest_events(batch: list[dict]) -> dict:
    result = events.ingest_events(batch)
    # Only the events stored now: replayed ones (retries, at-least-once delivery) are in the
    # profiles already.
    if result.new_events:
        update_profiles.delay(list(result.new_events))
    return result.as_dict()


@shared_task(name="ranking.log_search", **RETRY_POLICY)
def log_search(payload: dict) -> int:
    return feature_log.write_served_search(payload)


@shared_task(name="ranking.refresh_engagement", **RETRY_POLICY)
def refresh_engagement() -> int:
    return stats.refresh_engagement()


@shared_task(name="ranking.retrain_ranker", acks_late=True)
def retrain_ranker() -> dict:
    # Imported here: training pulls in LightGBM, which web processes never need.
    from .training import retrain_from_logs

    return retrain_from_logs()


@shared_task(name="ranking.guard_canaries", acks_late=True)
def guard_canaries() -> dict[str, str]:
    """Stop every running canary that is clearly behind (ranking/canary.py): version -> why."""
    stopped = {}
    for canary in RankerModel.objects.filter(status=RankerModel.Status.CANARY):
        reason = guard_canary(canary)
        if reason:
            logger.warning("canary %s %s", canary.version, reason)
            stopped[canary.version] = reason
    return stopped
