"""Ranker model versions: files under SEARCH_DATA_DIR/models, rows in RankerModel (admin).
Each document type (product, video, live) has its own promoted version.

A trained version is registered as a candidate and promoted only when it beats the served
one on the same validation queries (the NDCG gate) and, when it was cross-validated, the
first-stage order in that cross-validation. Serving loads the promoted version,
checks its manifest against the feature list, and otherwise falls back to the first-stage
order; `ranker_health()` says which of the two is happening and why.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from indexing.schema import DOC_TYPES

from .compiled_trees import Scorer, compiled_scorer
from .features import feature_manifest, first_stage_prior
from .models import RankerModel

GATE_METRIC = "validation_ndcg@10"
NO_PROMOTED_MODEL = "no promoted model"
INCUMBENT_METRIC = "incumbent_validation_ndcg@10"
CV_METRIC = "cv_ndcg@10"
FIRST_STAGE_CV_METRIC = "first_stage_cv_ndcg@10"
CANARY_STOPPED = "canary_stopped"  # why the canary guard stopped a version (ranking/canary.py)
# The share of shoppers a canary started from the admin serves (editable there).
DEFAULT_CANARY_SHARE = 0.1
MAX_CANARY_SHARE = 0.5  # beyond it the promoted version would be the experiment
# RankerModel.training_summary["boosted_from"] of a model that adds first_stage_prior back.
BOOSTED_FROM_FIRST_STAGE = "first_stage"


def models_dir() -> Path:
    path = Path(settings.SEARCH_DATA_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def compiled_dir() -> Path:
    return models_dir() / "compiled"


@dataclass
class LoadedRanker:
    version: str
    booster: lgb.Booster
    # Trained from the first stage's scores (features.first_stage_prior), which it adds back.
    boosted_from_first_stage: bool = False
    # The same trees compiled to native code (ranking/compiled_trees.py), when they could be.
    compiled: Scorer | None = None

    def predict(self, features: np.ndarray) -> np.ndarray:
        if self.compiled is not None:
            scores = self.compiled(features)
        else:
            # One thread: 200 rows are scored faster than threads can be woken up.
            scores = self.booster.predict(features, num_threads=1)
        if self.boosted_from_first_stage:
            scores = scores + first_stage_prior(features)
        return scores


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
    boosted = record.training_summary.get("boosted_from") == BOOSTED_FROM_FIRST_STAGE
    booster = lgb.Booster(model_file=str(path))
    return LoadedRanker(record.version, booster, boosted, compiled_scorer(path, compiled_dir()))


def register(
    booster: lgb.Booster, metrics: dict, training_summary: dict, doc_type: str = "product"
) -> RankerModel:
    version = f"{doc_type}-{timezone.now().strftime('%Y%m%d-%H%M%S-%f')}"
    path = models_dir() / f"ranker-{version}.txt"
    booster.save_model(str(path))
    # Compiled (and cached) here, so serving on this host loads machine code instead of
    # compiling on the first search's path after a promotion (~0.5 s for 124 trees).
    compiled_scorer(path, compiled_dir())
    return RankerModel.objects.create(
        version=version,
        file_path=str(path),
        feature_manifest=feature_manifest(),
        metrics=metrics,
        training_summary=training_summary,
        doc_type=doc_type,
    )


def promoted(doc_type: str = "product") -> RankerModel | None:
    return RankerModel.objects.filter(status=RankerModel.Status.PROMOTED, doc_type=doc_type).first()


def served_training_queries(doc_type: str = "product") -> tuple[str, frozenset[str]]:
    """(version, the queries it was trained on) of the served model; ("", empty) when the
    first stage is served (no model promoted, or the promoted one cannot be loaded)."""
    ranker = serving_ranker(doc_type)
    record = RankerModel.objects.filter(version=ranker.version).first() if ranker else None
    if record is None:
        return "", frozenset()
    return record.version, frozenset(record.training_summary.get("queries", ()))


def passes_gate(candidate: RankerModel) -> bool:
    """The candidate must beat the incumbent (or, without one, the first-stage order) on the
    validation queries both were scored on, and its training recipe must beat the first-stage
    order in cross-validation when it was cross-validated (too few queries: it was not)."""
    metrics = candidate.metrics
    beats_incumbent = metrics[GATE_METRIC] > metrics[INCUMBENT_METRIC]
    if CV_METRIC not in metrics:
        return beats_incumbent
    return beats_incumbent and metrics[CV_METRIC] > metrics[FIRST_STAGE_CV_METRIC]


def decide(candidate: RankerModel, canary_share: float = 0.0) -> bool:
    """Promote the candidate if it passes the gate, else reject it; returns whether promoted.
    With `canary_share` > 0 a candidate that passes serves that share of shoppers instead,
    beside the promoted version, until someone promotes or stops it (ranking/canary.py).
    Only the versions of the candidate's own document type are replaced."""
    if not passes_gate(candidate):
        candidate.status = RankerModel.Status.REJECTED
        candidate.save(update_fields=["status"])
    elif canary_share > 0:
        start_canary(candidate, canary_share)
    else:
        promote(candidate)
    return candidate.status == RankerModel.Status.PROMOTED


def promote(candidate: RankerModel) -> None:
    """Serve `candidate` to every shopper; the version it replaces is rejected."""
    with transaction.atomic():
        RankerModel.objects.filter(status=RankerModel.Status.PROMOTED, doc_type=candidate.doc_type).update(
            status=RankerModel.Status.REJECTED
        )
        candidate.status, candidate.canary_share = RankerModel.Status.PROMOTED, 0.0
        candidate.save(update_fields=["status", "canary_share"])
    reset_serving_ranker()


def start_canary(candidate: RankerModel, share: float) -> None:
    """Serve `candidate` to `share` of shoppers; a canary already running for the type stops."""
    with transaction.atomic():
        RankerModel.objects.filter(status=RankerModel.Status.CANARY, doc_type=candidate.doc_type).exclude(
            pk=candidate.pk
        ).update(status=RankerModel.Status.REJECTED, canary_share=0.0)
        candidate.status, candidate.canary_share = RankerModel.Status.CANARY, share
        candidate.canary_started_at = timezone.now()
        candidate.save(update_fields=["status", "canary_share", "canary_started_at"])
    reset_serving_ranker()


def stop_canary(candidate: RankerModel, reason: str = "") -> None:
    """Back to the promoted version for everyone; `reason` (kept in the version's metrics as
    CANARY_STOPPED, shown in the admin) when a guard rather than a person stopped it."""
    candidate.status, candidate.canary_share = RankerModel.Status.REJECTED, 0.0
    fields = ["status", "canary_share"]
    if reason:
        candidate.metrics = {**candidate.metrics, CANARY_STOPPED: reason}
        fields.append("metrics")
    candidate.save(update_fields=fields)
    reset_serving_ranker()


# --- Serving: the promoted model of each type, re-checked every RANKING_MODEL_CHECK_SECONDS.


def _not_loaded() -> dict:
    return {
        "checked_at": None,
        "ranker": None,
        "problem": "not loaded yet",
        "canary": None,
        "canary_problem": None,
    }


_serving: dict[str, dict] = {}


def serving_ranker(doc_type: str = "product", unit: str = "") -> LoadedRanker | None:
    """The model that orders `doc_type` for the shopper (or session) `unit`: the canary for
    the units in its share, the promoted version for everyone else ("" is nobody's: a search
    without a shopper or session id cannot be kept on one side of the split)."""
    state = _serving.setdefault(doc_type, _not_loaded())
    check_every = getattr(settings, "RANKING_MODEL_CHECK_SECONDS", 30)
    checked_at = state["checked_at"]
    if checked_at is None or time.monotonic() - checked_at >= check_every:
        refresh(state, doc_type)
    canary = state["canary"]
    if canary is not None and unit and in_canary(unit, canary.ranker.version, canary.share):
        return canary.ranker
    return state["ranker"]


@dataclass(frozen=True)
class ServedCanary:
    ranker: LoadedRanker
    share: float


def refresh(state: dict, doc_type: str) -> None:
    """Load what the registry now serves for `doc_type`: its promoted version and its canary,
    each only when it changed."""
    records = {
        record.status: record
        for record in RankerModel.objects.filter(
            doc_type=doc_type, status__in=[RankerModel.Status.PROMOTED, RankerModel.Status.CANARY]
        )
    }
    promoted_record = records.get(RankerModel.Status.PROMOTED)
    current = state["ranker"]
    if promoted_record is None:
        state.update(ranker=None, problem=NO_PROMOTED_MODEL)
    elif current is None or current.version != promoted_record.version:
        state["ranker"], state["problem"] = try_load(promoted_record)
    canary_record = records.get(RankerModel.Status.CANARY)
    served = state["canary"]
    if canary_record is None:
        state.update(canary=None, canary_problem=None)
    elif served is None or (served.ranker.version, served.share) != (
        canary_record.version,
        canary_record.canary_share,
    ):
        ranker, state["canary_problem"] = try_load(canary_record)
        state["canary"] = ServedCanary(ranker, canary_record.canary_share) if ranker else None
    state["checked_at"] = time.monotonic()


def try_load(record: RankerModel) -> tuple[LoadedRanker | None, str | None]:
    """(the loaded model, None), or (None, why it cannot be served)."""
    try:
        return load_ranker(record), None
    except (IncompatibleModel, lgb.basic.LightGBMError) as error:
        return None, str(error)


def in_canary(unit: str, version: str, share: float) -> bool:
    """Whether `unit` falls in the version's share: a hash salted with the version, so each
    canary draws its own shoppers and a shopper stays on one side for its whole run."""
    digest = hashlib.sha256(f"{version}|{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def reset_serving_ranker() -> None:
    _serving.clear()


def unusable_ranker_problem(doc_type: str = "product") -> str | None:
    """Why a promoted model cannot be served (incompatible manifest, missing or broken file),
    or None when it is served or none is promoted: a fresh install ranks by the first stage
    by design, and /api/health says so."""
    if serving_ranker(doc_type) is not None or _serving[doc_type]["problem"] == NO_PROMOTED_MODEL:
        return None
    return _serving[doc_type]["problem"]


def ranker_health() -> dict:
    """{"status": "ok", "model_version", ...} or {"status": "degraded", "detail"} when the
    product ranker is missing or incompatible and searches are served in first-stage order.
    `by_type` says which version orders each document type (None: the first stage);
    `canaries` which version serves what share of shoppers beside it, or why it cannot;
    `compiled` whether the product ranker scores through compiled trees (ranking/compiled_trees.py)."""
    by_type = {doc_type: serving_ranker(doc_type) for doc_type in DOC_TYPES}
    versions = {doc_type: ranker.version if ranker else None for doc_type, ranker in by_type.items()}
    health = {"by_type": versions}
    canaries = {doc_type: canary_health(_serving[doc_type]) for doc_type in DOC_TYPES}
    if any(canaries.values()):
        health["canaries"] = {doc_type: canary for doc_type, canary in canaries.items() if canary}
    ranker = by_type["product"]
    if ranker is None:
        problem = _serving["product"]["problem"]
        return {"status": "degraded", "detail": f"serving the first-stage order: {problem}", **health}
    return {
        "status": "ok",
        "model_version": ranker.version,
        "feature_version": feature_manifest()["version"],
        "compiled": ranker.compiled is not None,
        **health,
    }


def canary_health(state: dict) -> dict | None:
    canary = state["canary"]
    if canary is not None:
        return {"version": canary.ranker.version, "share": canary.share}
    if state["canary_problem"]:
        return {"problem": f"the canary is not served: {state['canary_problem']}"}
    return None
