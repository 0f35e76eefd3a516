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
    first_position: int = 1,
) -> dict:
    """`doc_ids[i]` was shown at position first_position + i with feature vector `features[i]`."""
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
        "first_position": first_position,
    }


def served_page_payload(ctx, doc_type: str, order: Sequence[int] | None = None, **extra) -> dict | None:
    """The payload for what a pipeline run (searchapp.pipeline.SearchContext) showed of
    `doc_type`: its page, or `order` (indexes into the ranked candidates, e.g. an exploration
    reshuffle) when given. Only candidates the Rank stage computed vectors for are logged;
    None when there is nothing to log (an explicit sort, an empty page)."""
    features = ctx.features.get(doc_type)
    if features is None or not len(features):
        return None
    hits = ctx.candidates.get(doc_type, [])
    if order is None:
        start = (ctx.request.page - 1) * ctx.request.page_size
        order = range(start, min(start + ctx.request.page_size, len(features)))
        extra.setdefault("first_position", start + 1)
    order = [i for i in order if i < len(features)]
    if not order:
        return None
    return served_search_payload(
        search_id=ctx.search_id,
        query=ctx.request.query,
        normalized_query=ctx.parsed.normalized if ctx.parsed is not None else ctx.query,
        doc_type=doc_type,
        doc_ids=[hits[i].id for i in order],
        features=features[order],
        model_version=ctx.model_version,
        **extra,
    )


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
        for position, (doc_id, vector) in enumerate(
            zip(doc_ids, matrix, strict=True), start=payload.get("first_position", 1)
        )
    )
    return len(doc_ids)
