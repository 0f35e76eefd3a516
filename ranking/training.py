"""LightGBM lambdarank training, evaluation, cross-validation by query, and registration.

Splits are always by query (a query's whole candidate list is on one side), so a model is
scored on queries it never saw; nothing query-specific is a feature.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from django.conf import settings

from indexing.schema import DOC_TYPES
from searchapp.evaluation import condensed_ndcg_at_k, ndcg_at_k

from .datasets import QueryGroup, click_groups
from .features import FEATURE_GROUPS, FEATURE_NAMES, feature_manifest, first_stage_prior, group_columns
from .registry import (
    BOOSTED_FROM_FIRST_STAGE,
    CV_METRIC,
    FIRST_STAGE_CV_METRIC,
    GATE_METRIC,
    INCUMBENT_METRIC,
    decide,
    register,
    serving_ranker,
)

K = 10
VALIDATION_SHARE = 0.2
# Folds of the gate's cross-validation (train_and_register).
GATE_FOLDS = 5
MAX_ROUNDS = 600
EARLY_STOPPING_ROUNDS = 60
# Small trees and strong regularisation: a few hundred judged queries at most. Four leaves
# (interactions of two features) won 5-fold CV on the dev judgments over 15 and 7 leaves
# (NDCG@10 0.644 vs 0.623 and 0.637, mean of two fold seeds).
LAMBDARANK_PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [K],
    "lambdarank_truncation_level": 30,
    "learning_rate": 0.05,
    "num_leaves": 4,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}

# Logged clicks give many more (noisy) labelled rows per query than judgments: bigger trees
# with bigger leaves. Clicks-only on the dev judgments: NDCG@10 0.639 with these, 0.613 with
# 15 leaves / 50 rows, 0.593 with the judgment-sized trees above.
CLICK_PARAMS = {"num_leaves": 31, "min_data_in_leaf": 100}

ScoreFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Evaluation:
    ndcg: float
    ndcg_condensed: float
    per_query: dict[str, float] = field(default_factory=dict)


def evaluate(groups: Sequence[QueryGroup], score: ScoreFn) -> Evaluation:
    per_query, condensed = {}, []
    for group in groups:
        order = np.argsort(-score(group.features), kind="stable")
        ranking = [group.doc_ids[i] for i in order]
        per_query[group.query] = ndcg_at_k(ranking, group.ratings, K)
        condensed.append(condensed_ndcg_at_k(ranking, group.ratings, K))
    count = max(len(groups), 1)
    return Evaluation(sum(per_query.values()) / count, sum(condensed) / count, per_query)


def split_by_query(groups: Sequence[QueryGroup], share: float, seed: int) -> tuple[list, list]:
    shuffled = list(groups)
    random.Random(seed).shuffle(shuffled)
    cut = max(1, round(len(shuffled) * share))
    return shuffled[cut:], shuffled[:cut]


def masked(features: np.ndarray, dropped_groups: Sequence[str]) -> np.ndarray:
    """Ablation: a dropped group's columns become all-missing, so no tree can split on them."""
    if not dropped_groups:
        return features
    features = features.copy()
    for group in dropped_groups:
        features[:, group_columns(group)] = np.nan
    return features


def lgb_dataset(groups: Sequence[QueryGroup], dropped_groups: Sequence[str], reference=None) -> lgb.Dataset:
    weights = [g.weights if g.weights is not None else np.ones(len(g)) for g in groups]
    features = np.vstack([g.features for g in groups])
    return lgb.Dataset(
        masked(features, dropped_groups),
        label=np.concatenate([g.labels for g in groups]),
        group=[len(g) for g in groups],
        weight=np.concatenate(weights),
        # Boosted from the first stage (features.first_stage_prior), even when an ablation
        # hides the fusion features from the trees.
        init_score=first_stage_prior(features),
        feature_name=list(FEATURE_NAMES),
        reference=reference,
        free_raw_data=False,
    )


def train_lambdarank(
    train: Sequence[QueryGroup],
    valid: Sequence[QueryGroup],
    dropped_groups: Sequence[str] = (),
    seed: int = 0,
    params: dict | None = None,
) -> lgb.Booster:
    """Lambdarank with early stopping on NDCG@10 of the validation queries; `params`
    override LAMBDARANK_PARAMS (e.g. CLICK_PARAMS)."""
    train_set = lgb_dataset(train, dropped_groups)
    valid_set = lgb_dataset(valid, dropped_groups, reference=train_set)
    return lgb.train(
        {**LAMBDARANK_PARAMS, **(params or {}), "seed": seed},
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, first_metric_only=True, verbose=False)],
    )


def booster_scores(booster: lgb.Booster, dropped_groups: Sequence[str] = ()) -> ScoreFn:
    return lambda features: (
        first_stage_prior(features)
        + booster.predict(masked(features, dropped_groups), num_iteration=booster.best_iteration or None)
    )


@dataclass
class CrossValidation:
    model: Evaluation
    first_stage: Evaluation
    folds: int


def cross_validate(
    groups: Sequence[QueryGroup],
    folds: int = 5,
    dropped_groups: Sequence[str] = (),
    seed: int = 0,
    params: dict | None = None,
) -> CrossValidation:
    """Train on folds-1 parts of the queries (early stopping on a share of those), score the
    held-out part's candidate lists; every query is held out exactly once."""
    shuffled = list(groups)
    random.Random(seed).shuffle(shuffled)
    held_out_scores: dict[str, tuple[QueryGroup, ScoreFn]] = {}
    for fold in range(folds):
        test = shuffled[fold::folds]
        rest = [g for i, g in enumerate(shuffled) if i % folds != fold]
        train, valid = split_by_query(rest, VALIDATION_SHARE, seed + fold)
        booster = train_lambdarank(train, valid, dropped_groups, seed, params)
        for group in test:
            held_out_scores[group.query] = (group, booster_scores(booster, dropped_groups))
    model = evaluate_each(held_out_scores.values())
    return CrossValidation(model, evaluate(shuffled, first_stage_prior), folds)


def evaluate_each(scored: Iterable[tuple[QueryGroup, ScoreFn]]) -> Evaluation:
    """Evaluate groups that each come with their own scorer (their fold's model)."""
    per_query, condensed = {}, []
    for group, score in scored:
        result = evaluate([group], score)
        per_query.update(result.per_query)
        condensed.append(result.ndcg_condensed)
    count = max(len(per_query), 1)
    return Evaluation(sum(per_query.values()) / count, sum(condensed) / count, per_query)


def feature_group_gains(groups: Sequence[QueryGroup], folds: int = 5, seed: int = 0) -> dict[str, float]:
    """NDCG@10 lost when each feature group is dropped (positive = the group helps)."""
    full = cross_validate(groups, folds, seed=seed).model.ndcg
    return {
        group: full - cross_validate(groups, folds, dropped_groups=[group], seed=seed).model.ndcg
        for group in FEATURE_GROUPS
    }


def train_and_register(
    groups: Sequence[QueryGroup],
    source: str,
    seed: int = 0,
    params: dict | None = None,
    doc_type: str = "product",
    canary_share: float = 0.0,
) -> dict:
    """Train on 80% of the queries, gate on the other 20% against the served model of
    `doc_type` (or the first-stage order when none is served) and, with enough queries, on
    k-fold cross-validation against the first-stage order; register, and promote or reject
    (or, with `canary_share`, serve a version that passes to that share of shoppers)."""
    train, valid = split_by_query(groups, VALIDATION_SHARE, seed)
    booster = train_lambdarank(train, valid, seed=seed, params=params)
    candidate = evaluate(valid, booster_scores(booster))
    incumbent = serving_ranker(doc_type)
    first_stage = evaluate(valid, first_stage_prior).ndcg
    metrics = {
        GATE_METRIC: candidate.ndcg,
        "validation_ndcg@10_condensed": candidate.ndcg_condensed,
        INCUMBENT_METRIC: evaluate(valid, incumbent.predict).ndcg if incumbent is not None else first_stage,
        "incumbent": incumbent.version if incumbent is not None else "first-stage",
        "first_stage_validation_ndcg@10": first_stage,
        "best_iteration": booster.best_iteration,
    }
    if len(groups) >= 2 * GATE_FOLDS:
        # ~16 validation queries are a noisy judge: on the dev judgments a model won that split
        # by 0.00003 while 5-fold CV put it 0.011 below the first stage. So the way of learning
        # must also beat the first-stage order on queries it never saw, every query held out once.
        cv = cross_validate(groups, GATE_FOLDS, seed=seed, params=params)
        metrics[CV_METRIC] = cv.model.ndcg
        metrics[FIRST_STAGE_CV_METRIC] = cv.first_stage.ndcg
    summary = {
        "source": source,
        "train_queries": len(train),
        "validation_queries": len(valid),
        "train_rows": sum(len(g) for g in train),
        "label_counts": np.bincount(np.concatenate([g.labels for g in groups]), minlength=4).tolist(),
        "feature_version": feature_manifest()["version"],
        "doc_type": doc_type,
        "boosted_from": BOOSTED_FROM_FIRST_STAGE,
        # What the model has seen (trained or early-stopped on): `evaluate` on these queries
        # is partly in-sample and says so.
        "queries": sorted({g.query for g in groups}),
    }
    record = register(booster, metrics, summary, doc_type=doc_type)
    promoted = decide(record, canary_share)
    return {
        "version": record.version,
        "promoted": promoted,
        "canary_share": record.canary_share,
        **metrics,
        **summary,
    }


def retrain_from_logs() -> dict:
    """The scheduled retrain: learn each document type's ranker from its logged traffic
    (ranking.retrain_ranker); a version that passes the gate is promoted, or served to
    RANKING_RETRAIN_CANARY_SHARE of shoppers first when that is set."""
    reports = {}
    for doc_type in DOC_TYPES:
        groups = click_groups(doc_type=doc_type)
        if len(groups) < 10:
            reports[doc_type] = {"skipped": f"only {len(groups)} queries with enough logged traffic"}
        else:
            reports[doc_type] = train_and_register(
                groups,
                source="logged clicks",
                params=CLICK_PARAMS,
                doc_type=doc_type,
                canary_share=settings.RANKING_RETRAIN_CANARY_SHARE,
            )
    return reports
