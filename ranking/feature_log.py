"""Feature logging: every served search and the feature vector of every hit it showed.

Serving builds a JSON payload (the vectors as base64 float32) and enqueues the
`ranking.log_search` task after computing the response, so the write is off the request
path; training later reads exactly what the ranker saw.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .features import FEATURE_VERSION, encode_vector
from .models import ImpressionLog, SearchLog


def served_search_payload(
    *,
    search_id: str,
    query: str,
    normalized_query: str,
    doc_type: str,
    doc_ids: Sequence[str],
    features: np.ndarray,
    model_version: str = "",
    filters: Mapping | None = None,
    shopper_id: str = "",
    session_id: str = "",
    is_simulated: bool = False,
    created_at: datetime | None = None,
) -> dict:
    """`doc_ids[i]` was shown at position i + 1 with feature vector `features[i]`."""
    if len(doc_ids) != len(features):
        raise ValueError("one feature vector per shown document is required")
    return {
        "search_id": str(search_id),
        "query": query,
        "normalized_query": normalized_query,
        "doc_type": doc_type,
        "filters": dict(filters or {}),
        "model_version": model_version,
        "shopper_id": shopper_id,
        "session_id": session_id,
        "is_simulated": is_simulated,
        "created_at": (created_at or timezone.now()).isoformat(),
        "doc_ids": list(doc_ids),
        "features": base64.b64encode(np.asarray(features, dtype="<f4").tobytes()).decode(),
        "feature_version": FEATURE_VERSION,
    }


def write_served_search(payload: Mapping) -> int:
    """Store one served search and its impressions; returns the number of impressions."""
    doc_ids = payload["doc_ids"]
    matrix = np.frombuffer(base64.b64decode(payload["features"]), dtype="<f4").reshape(len(doc_ids), -1)
    search = SearchLog.objects.create(
        search_id=payload["search_id"],
        query=payload["query"],
        normalized_query=payload["normalized_query"],
        doc_type=payload["doc_type"],
        filters=payload["filters"],
        model_version=payload["model_version"],
        shopper_id=payload["shopper_id"],
        session_id=payload["session_id"],
        is_simulated=payload["is_simulated"],
        created_at=parse_datetime(payload["created_at"]),
    )
    ImpressionLog.objects.bulk_create(
        ImpressionLog(
            search=search,
            position=position,
            doc_id=doc_id,
            features=encode_vector(vector),
            feature_version=payload["feature_version"],
        )
        for position, (doc_id, vector) in enumerate(zip(doc_ids, matrix, strict=True), start=1)
    )
    return len(doc_ids)
