import numpy as np
import pytest

from ranking.features import FEATURE_NAMES
from ranking.models import RankerModel
from ranking.registry import (
    BOOSTED_FROM_FIRST_STAGE,
    CV_METRIC,
    FIRST_STAGE_CV_METRIC,
    decide,
    load_ranker,
    ranker_health,
    register,
    serving_ranker,
)

from .conftest import tiny_booster


def candidate(
    ndcg: float, incumbent_ndcg: float, doc_type: str = "product", **cross_validated
) -> RankerModel:
    metrics = {"validation_ndcg@10": ndcg, "incumbent_validation_ndcg@10": incumbent_ndcg, **cross_validated}
    return register(tiny_booster(), metrics, {"source": "test"}, doc_type=doc_type)


@pytest.mark.django_db
def test_a_candidate_is_promoted_only_if_it_beats_the_incumbent_on_validation():
    # Given a promoted model
    first = candidate(0.70, 0.60)
    assert decide(first)

    # When a worse and then a better candidate are trained
    worse, better = candidate(0.65, 0.70), candidate(0.75, 0.70)
    promoted_worse, promoted_better = decide(worse), decide(better)

    # Then only the better one replaces it, and it is what serving loads
    assert (promoted_worse, promoted_better) == (False, True)
    statuses = dict(RankerModel.objects.values_list("version", "status"))
    assert statuses == {first.version: "rejected", worse.version: "rejected", better.version: "promoted"}
    assert serving_ranker().version == better.version
    assert ranker_health() == {
        "status": "ok",
        "model_version": better.version,
        "feature_version": better.feature_manifest["version"],
        "compiled": True,
        "by_type": {"product": better.version, "video": None, "live": None},
    }


@pytest.mark.django_db
def test_a_candidate_that_loses_to_the_first_stage_in_cross_validation_is_rejected():
    # Given two candidates that both win their validation split, one of whose training recipe
    # scored below the first-stage order on queries it never saw
    cv = {CV_METRIC: 0.65, FIRST_STAGE_CV_METRIC: 0.66}
    overfit = candidate(0.75, 0.70, **cv)
    general = candidate(0.75, 0.70, **{**cv, CV_METRIC: 0.67})

    # Then only the one that also wins the cross-validation is promoted
    assert (decide(overfit), decide(general)) == (False, True)


@pytest.mark.django_db
def test_a_ranker_boosted_from_the_first_stage_adds_that_order_back_when_it_scores():
    # Given a model trained as a correction to the first-stage order
    booster = tiny_booster()
    summary = {"source": "test", "boosted_from": BOOSTED_FROM_FIRST_STAGE}
    record = register(booster, {"validation_ndcg@10": 0.7, "incumbent_validation_ndcg@10": 0.6}, summary)
    features = np.random.default_rng(1).random((5, len(FEATURE_NAMES)))
    features[:, FEATURE_NAMES.index("first_stage_rank")] = [1, 2, 3, 4, 5]

    # Then its scores are the trees' corrections plus -ln(first-stage rank)
    expected = booster.predict(features) - np.log([1, 2, 3, 4, 5])
    assert np.allclose(load_ranker(record).predict(features), expected)


@pytest.mark.django_db
def test_each_document_type_has_its_own_promoted_ranker():
    # Given a promoted product ranker
    product = candidate(0.70, 0.60)
    assert decide(product)

    # When a video ranker is promoted
    video = candidate(0.50, 0.40, doc_type="video")
    assert decide(video)

    # Then both serve, each for its own type
    assert RankerModel.objects.get(version=product.version).status == "promoted"
    assert serving_ranker("product").version == product.version
    assert serving_ranker("video").version == video.version
    assert serving_ranker("live") is None
    assert ranker_health()["by_type"] == {"product": product.version, "video": video.version, "live": None}


@pytest.mark.django_db
def test_without_a_model_serving_falls_back_to_the_first_stage_and_says_so():
    assert serving_ranker() is None
    health = ranker_health()
    assert health["status"] == "degraded"
    assert "no promoted model" in health["detail"]


@pytest.mark.django_db
def test_a_model_trained_on_another_feature_list_is_not_served():
    # Given a promoted model whose manifest lists different features
    record = candidate(0.9, 0.5)
    decide(record)
    record.feature_manifest = {"version": "0ld", "names": ["bm25_title"]}
    record.save()

    # Then serving refuses it and reports why
    assert serving_ranker() is None
    health = ranker_health()
    assert health["status"] == "degraded"
    assert "feature list 0ld" in health["detail"]


@pytest.mark.django_db
def test_a_promoted_model_whose_file_is_gone_is_not_served(tmp_path):
    record = candidate(0.9, 0.5)
    decide(record)
    RankerModel.objects.filter(pk=record.pk).update(file_path=str(tmp_path / "gone.txt"))

    assert serving_ranker() is None
    assert "missing" in ranker_health()["detail"]
