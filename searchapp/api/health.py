"""The parts a search needs, each checked without raising: the database, the Celery broker
(only when one is configured: without one, tasks run eagerly in-process), the search backend
and the embedder. The embedder is not required: without it searches go lexical-only."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection

from indexing.backends import get_backend
from indexing.embeddings import get_embedder
from ranking.registry import ranker_health

REQUIRED_PARTS = ("database", "broker", "backend")
BROKER_TIMEOUT_SECONDS = 2


def database_health() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


def broker_health() -> dict:
    if not settings.CELERY_BROKER_URL:
        return {"status": "eager"}
    from searchapp.celery import app

    with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1)
    return {"status": "ok"}


def backend_health() -> dict:
    return get_backend().health()


def embedder_health() -> dict:
    embedder = get_embedder()
    return {"status": "ok", "model": embedder.model_name, "dimension": embedder.dimension}


def checked(check: Callable[[], dict]) -> dict:
    try:
        return check()
    except Exception as error:  # a health check reports failures, never raises
        return {"status": "down", "detail": f"{type(error).__name__}: {error}"}


def health_report() -> dict:
    parts = {
        "database": checked(database_health),
        "broker": checked(broker_health),
        "backend": checked(backend_health),
        "embedder": checked(embedder_health),
    }
    if any(parts[name]["status"] == "down" for name in REQUIRED_PARTS):
        overall = "down"
    elif all(part["status"] in ("ok", "eager") for part in parts.values()):
        overall = "ok"
    else:
        overall = "degraded"
    # Reported, not counted in the overall status: without a usable model (a fresh install
    # has none) searches are still served, in first-stage order.
    return {"status": overall, **parts, "ranker": checked(ranker_health)}
