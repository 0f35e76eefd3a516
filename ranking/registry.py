"""Ranker model versions: files under SEARCH_DATA_DIR/models, rows in RankerModel (admin).

A trained version is registered as a candidate and promoted only when it beats the served
one on the same validation queries (the NDCG gate). Serving loads the promoted version,
checks its manifest against the feature list, and otherwise falls back to the first-stage
order; `ranker_health()` says which of the two is happening and why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .features import feature_manifest
from .models import RankerModel

GATE_METRIC = "validation_ndcg@10"
NO_PROMOTED_MODEL = "no promoted model"
INCUMBENT_METRIC = "incumbent_validation_ndcg@10"


def models_dir() -> Path:
    path = Path(settings.SEARCH_DATA_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class LoadedRanker:
    version: str
    booster: lgb.Booster

    def predict(self, features: np.ndarray) -> np.ndarray:
        # One thread: 200 rows are scored faster than threads can be woken up.
        return self.booster.predict(features, num_threads=1)


class IncompatibleModel(Exception):
    pass


def load_ranker(record: RankerModel) -> LoadedRanker:
    if record.feature_manifest != feature_manifest():
        raise IncompatibleModel(
            f"model {record.version} was trained on feature list "
            f"{record.feature_manifest.get('version')}, serving computes {feature_manifest()['version']}"
        )
    path = Path(record.file_path)
    if not path.is_file():
        raise IncompatibleModel(f"model file {path} is missing")
    return LoadedRanker(record.version, lgb.Booster(model_file=str(path)))


def register(booster: lgb.Booster, metrics: dict, training_summary: dict) -> RankerModel:
    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    path = models_dir() / f"ranker-{version}.txt"
    booster.save_model(str(path))
    return RankerModel.objects.create(
        version=version,
        file_path=str(path),
        feature_manifest=feature_manifest(),
        metrics=metrics,
        training_summary=training_summary,
    )


def promoted() -> RankerModel | None:
    return RankerModel.objects.filter(status=RankerModel.Status.PROMOTED).first()


def passes_gate(candidate: RankerModel) -> bool:
    """The candidate must beat the incumbent (or, without one, the first-stage order) on the
    validation queries both were scored on."""
    metrics = candidate.metrics
    return metrics[GATE_METRIC] > metrics[INCUMBENT_METRIC]


def decide(candidate: RankerModel) -> bool:
    """Promote the candidate if it passes the gate, else reject it; returns whether promoted."""
    with transaction.atomic():
        if passes_gate(candidate):
            RankerModel.objects.filter(status=RankerModel.Status.PROMOTED).update(
                status=RankerModel.Status.REJECTED
            )
            candidate.status = RankerModel.Status.PROMOTED
        else:
            candidate.status = RankerModel.Status.REJECTED
        candidate.save(update_fields=["status"])
    reset_serving_ranker()
    return candidate.status == RankerModel.Status.PROMOTED


# --- Serving: the promoted model, re-checked every RANKING_MODEL_CHECK_SECONDS.

_serving: dict = {"checked_at": None, "ranker": None, "problem": "not loaded yet"}


def serving_ranker() -> LoadedRanker | None:
    check_every = getattr(settings, "RANKING_MODEL_CHECK_SECONDS", 30)
    checked_at = _serving["checked_at"]
    if checked_at is not None and time.monotonic() - checked_at < check_every:
        return _serving["ranker"]
    record = promoted()
    current = _serving["ranker"]
    if record is None:
        _serving.update(ranker=None, problem=NO_PROMOTED_MODEL)
    elif current is None or current.version != record.version:
        try:
            _serving.update(ranker=load_ranker(record), problem=None)
        except (IncompatibleModel, lgb.basic.LightGBMError) as error:
            _serving.update(ranker=None, problem=str(error))
    _serving["checked_at"] = time.monotonic()
    return _serving["ranker"]


def reset_serving_ranker() -> None:
    _serving.update(checked_at=None, ranker=None, problem="not loaded yet")


def unusable_ranker_problem() -> str | None:
    """Why a promoted model cannot be served (incompatible manifest, missing or broken file),
    or None when it is served or none is promoted: a fresh install ranks by the first stage
    by design, and /api/health says so."""
    if serving_ranker() is not None or _serving["problem"] == NO_PROMOTED_MODEL:
        return None
    return _serving["problem"]


def ranker_health() -> dict:
    """{"status": "ok", "model_version", ...} or {"status": "degraded", "detail"} when the final
    ranker is missing or incompatible and searches are served in first-stage order."""
    ranker = serving_ranker()
    if ranker is None:
        return {"status": "degraded", "detail": f"serving the first-stage order: {_serving['problem']}"}
    return {"status": "ok", "model_version": ranker.version, "feature_version": feature_manifest()["version"]}
