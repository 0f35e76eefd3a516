import lightgbm as lgb
import numpy as np
import pytest

from ranking.compiled_trees import compiled_scorer, content_hash
from ranking.features import FEATURE_NAMES
from ranking.registry import compiled_dir, load_ranker, register


def features_with_gaps(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Feature lists as serving builds them: float32, a channel that did not retrieve a hit
    NaN (here a fifth of the values, and one column missing for every hit)."""
    features = rng.random((rows, len(FEATURE_NAMES))).astype(np.float32)
    features[rng.random(features.shape) < 0.2] = np.nan
    features[:, 3] = np.nan
    return features


def ranker_with_missing_values() -> lgb.Booster:
    """A lambdarank model whose splits learned where missing values go."""
    rng = np.random.default_rng(7)
    features = features_with_gaps(rng, 400)
    labels = np.nan_to_num(features[:, 0] * 2 + features[:, 5] - features[:, 9], nan=-1.0)
    grades = np.digitize(labels, [0.5, 1.2, 2.0])
    data = lgb.Dataset(features, label=grades, group=[20] * 20)
    params = {"objective": "lambdarank", "verbose": -1, "min_data_in_leaf": 5, "num_leaves": 8}
    return lgb.train(params, data, num_boost_round=40)


@pytest.mark.django_db
def test_a_registered_ranker_is_served_by_its_compiled_trees_with_lightgbms_scores():
    # Given a registered model whose trees route missing values
    booster = ranker_with_missing_values()
    record = register(booster, {"validation_ndcg@10": 0.7}, {"source": "test"})

    # When serving loads it
    loaded = load_ranker(record)

    # Then it scores through compiled trees, exactly as LightGBM's predict does
    assert loaded.compiled is not None
    features = features_with_gaps(np.random.default_rng(11), 500)
    np.testing.assert_allclose(loaded.predict(features), booster.predict(features), rtol=0, atol=1e-9)


@pytest.mark.django_db
def test_a_registered_model_is_compiled_once_and_served_from_the_cache():
    # Given a model registered (which compiles it)
    record = register(ranker_with_missing_values(), {"validation_ndcg@10": 0.7}, {"source": "test"})
    cached = list(compiled_dir().glob("*.o"))
    assert len(cached) == 1
    written_at = cached[0].stat().st_mtime_ns

    # When serving loads it
    loaded = load_ranker(record)

    # Then the cached machine code serves it: nothing is compiled or written again
    assert loaded.compiled is not None
    assert [(p, p.stat().st_mtime_ns) for p in compiled_dir().iterdir()] == [(cached[0], written_at)]


@pytest.mark.django_db
def test_a_damaged_cache_file_is_compiled_again_not_run(caplog):
    # Given a registered model whose cached machine code was damaged (half of it lost)
    booster = ranker_with_missing_values()
    record = register(booster, {"validation_ndcg@10": 0.7}, {"source": "test"})
    (cached,) = compiled_dir().glob("*.o")
    cached.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])

    # When serving loads it
    loaded = load_ranker(record)

    # Then the damaged file was never run: the model was compiled again, scores as LightGBM does,
    # and an intact file took the damaged one's place
    assert "is damaged: compiling it again" in caplog.text
    features = features_with_gaps(np.random.default_rng(5), 100)
    np.testing.assert_allclose(loaded.predict(features), booster.predict(features), rtol=0, atol=1e-9)
    (replaced,) = compiled_dir().glob("*.o")
    assert content_hash(replaced.read_bytes()) == replaced.name.split(".")[1]


@pytest.mark.django_db
def test_without_compiled_trees_serving_keeps_lightgbms_predict(settings):
    # Given compiled trees switched off
    settings.RANKING_COMPILE_TREES = False
    booster = ranker_with_missing_values()
    record = register(booster, {"validation_ndcg@10": 0.7}, {"source": "test"})

    # Then the model loads and scores through LightGBM
    loaded = load_ranker(record)
    assert loaded.compiled is None
    features = features_with_gaps(np.random.default_rng(3), 50)
    np.testing.assert_array_equal(loaded.predict(features), booster.predict(features, num_threads=1))


def test_a_model_lleaves_cannot_read_is_left_to_lightgbm(tmp_path, caplog):
    # Given a model file lleaves cannot parse
    broken = tmp_path / "ranker.txt"
    broken.write_text("tree\nversion=v4\nnot a model\n")

    # Then there is no compiled scorer, and the log says why
    assert compiled_scorer(broken, tmp_path / "compiled") is None
    assert "served by LightGBM's predict: compiling failed" in caplog.text
