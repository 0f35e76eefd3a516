import numpy as np
import pytest

from ranking.datasets import QueryGroup, click_label
from ranking.features import FEATURE_INDEX, FEATURE_NAMES
from ranking.models import RankerModel
from ranking.registry import CV_METRIC, FIRST_STAGE_CV_METRIC
from ranking.training import cross_validate, evaluate, split_by_query, train_and_register, train_lambdarank


def synthetic_groups(queries: int, docs: int = 30, seed: int = 0) -> list[QueryGroup]:
    """Relevance depends on two features (plus noise); the first-stage order is random."""
    rng = np.random.default_rng(seed)
    groups = []
    for q in range(queries):
        features = rng.random((docs, len(FEATURE_NAMES))).astype(np.float32)
        signal = features[:, FEATURE_INDEX["bm25_title"]] + 0.5 * features[:, FEATURE_INDEX["dense_cosine"]]
        labels = np.digitize(signal + rng.normal(0, 0.1, docs), [0.6, 1.0, 1.3]).astype(np.int32)
        features[:, FEATURE_INDEX["first_stage_rank"]] = rng.permutation(docs) + 1
        doc_ids = [f"product:{q * docs + i}" for i in range(docs)]
        groups.append(
            QueryGroup(f"q{q}", doc_ids, features, labels, dict(zip(doc_ids, labels.tolist(), strict=True)))
        )
    return groups


def test_lambdarank_on_a_small_synthetic_dataset_beats_a_random_order():
    # Given training and held-out queries
    train, test = split_by_query(synthetic_groups(80), 0.25, seed=1)
    train, valid = split_by_query(train, 0.2, seed=2)

    # When a model is trained with early stopping on the validation queries
    booster = train_lambdarank(train, valid)

    # Then on unseen queries it ranks far better than chance (a quality floor)
    rng = np.random.default_rng(3)
    random_order = evaluate(test, lambda features: rng.random(len(features)))
    model = evaluate(test, booster.predict)
    assert booster.best_iteration > 0
    assert model.ndcg >= 0.85
    assert model.ndcg >= random_order.ndcg + 0.25


def test_cross_validation_scores_every_query_once_with_a_model_that_never_saw_it():
    groups = synthetic_groups(40, seed=5)

    result = cross_validate(groups, folds=4)

    assert set(result.model.per_query) == {g.query for g in groups}
    assert result.model.ndcg > result.first_stage.ndcg + 0.2


@pytest.mark.django_db
def test_the_promotion_gate_cross_validates_the_recipe_against_the_first_stage():
    # Given queries whose relevance the features explain: a recipe that generalises
    learnable = train_and_register(synthetic_groups(30, seed=7), source="test")
    # and queries whose labels are noise: nothing to learn that holds on unseen queries
    rng = np.random.default_rng(9)
    noise = []
    for group in synthetic_groups(30, seed=8):
        labels = rng.integers(0, 4, len(group.labels)).astype(np.int32)
        ratings = dict(zip(group.doc_ids, labels.tolist(), strict=True))
        noise.append(QueryGroup(group.query, group.doc_ids, group.features, labels, ratings))
    unlearnable = train_and_register(noise, source="test")

    # Then both were cross-validated against the first stage, and the gate followed it
    assert learnable[CV_METRIC] > learnable[FIRST_STAGE_CV_METRIC] + 0.2
    assert learnable["promoted"]
    assert unlearnable[CV_METRIC] < unlearnable[FIRST_STAGE_CV_METRIC] + 0.05
    assert unlearnable["promoted"] == (
        unlearnable[CV_METRIC] > unlearnable[FIRST_STAGE_CV_METRIC]
        and unlearnable["validation_ndcg@10"] > unlearnable["incumbent_validation_ndcg@10"]
    )


@pytest.mark.parametrize(
    ("click_rate", "carts", "orders", "label"),
    [(0.0, 0, 0, 0), (0.1, 0, 0, 1), (0.3, 0, 0, 2), (0.9, 0, 0, 3), (0.1, 1, 0, 2), (0.0, 1, 1, 3)],
)
def test_click_labels_grade_the_debiased_click_rate_and_purchases(click_rate, carts, orders, label):
    assert click_label(click_rate, carts, orders) == label


@pytest.mark.django_db
def test_a_version_that_passes_the_gate_can_serve_a_canary_share_instead_of_being_promoted():
    report = train_and_register(synthetic_groups(30, seed=7), source="test", canary_share=0.2)

    assert (report["promoted"], report["canary_share"]) == (False, 0.2)
    record = RankerModel.objects.get(version=report["version"])
    assert record.status == RankerModel.Status.CANARY
