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
    positions: Sequence[int] | None = None,
    explored_positions: Sequence[int] = (),
) -> dict:
    """`doc_ids[i]` was shown at `positions[i]` (default i + 1) with feature vector
    `features[i]`; `explored_positions` are the page positions exploration filled."""
    if len(doc_ids) != len(features):
        raise ValueError("one feature vector per shown document is required")
    positions = list(positions) if positions is not None else list(range(1, len(doc_ids) + 1))
    if len(positions) != len(doc_ids):
        raise ValueError("one position per shown document is required")
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
        "positions": positions,
        "explored_positions": list(explored_positions),
    }


def served_page_payload(
    ctx, doc_type: str = "product", order: Sequence[int] | None = None, **extra
) -> dict | None:
    """The payload for what a pipeline run (searchapp.pipeline.SearchContext) showed: its page
    (`ctx.page_hits`, every type, with the positions exploration filled), or, when `order` is
    given, those indexes into `doc_type`'s ranked candidates in that order (an offline
    reshuffle). Only hits the Rank stage computed vectors for are logged; None when there is
    nothing to log (an explicit sort, an empty page)."""
    if order is not None:
        features = ctx.features.get(doc_type)
        if features is None:
            return None
        rows = [(ctx.candidates[doc_type][i], features[i]) for i in order if i < len(features)]
        positions = list(range(1, len(rows) + 1))
        # A reshuffled page is exploration through and through: no position shows the
        # ranker's document of that rank (calibration must not read it as if it did).
        explored = positions
    else:
        start = (ctx.request.page - 1) * ctx.request.page_size
        row_of = {
            hit.id: features[i]
            for doc_type_, features in ctx.features.items()
            for i, hit in enumerate(ctx.candidates.get(doc_type_, [])[: len(features)])
        }
        shown = [(start + i, hit) for i, hit in enumerate(ctx.page_hits, start=1) if hit.id in row_of]
        rows = [(hit, row_of[hit.id]) for _, hit in shown]
        positions = [position for position, _ in shown]
        explored = ctx.explored_positions
    if not rows:
        return None
    logged_type = doc_type if order is not None else ctx.request.type
    return served_search_payload(
        search_id=ctx.search_id,
        query=ctx.request.query,
        normalized_query=ctx.parsed.normalized if ctx.parsed is not None else ctx.query,
        doc_type=logged_type,
        doc_ids=[hit.id for hit, _ in rows],
        features=np.stack([vector for _, vector in rows]),
        model_version=ctx.model_versions.get(rows[0][0].doc_type, ""),
        positions=positions,
        explored_positions=explored,
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
        explored_positions=payload.get("explored_positions", []),
    )
    ImpressionLog.objects.bulk_create(
        ImpressionLog(
            search=search,
            position=position,
            doc_id=doc_id,
            features=encode_vector(vector),
            feature_version=payload["feature_version"],
        )
        for position, doc_id, vector in zip(payload["positions"], doc_ids, matrix, strict=True)
    )
    return len(doc_ids)


FORGET_BATCH = 500


def forget_searches(search_ids: Sequence[str]) -> int:
    """Delete these logged searches and their impressions (the benchmark's own traffic, which
    must not count as shoppers' in analytics, exploration or training); returns how many
    searches were found."""
    forgotten = 0
    for start in range(0, len(search_ids), FORGET_BATCH):
        _, per_model = SearchLog.objects.filter(
            search_id__in=search_ids[start : start + FORGET_BATCH]
        ).delete()
        forgotten += per_model.get(SearchLog._meta.label, 0)
    return forgotten
