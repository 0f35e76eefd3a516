import numpy as np

from ranking.features import FEATURE_INDEX, FEATURES
from searchapp.blend import PRICE_PREFERENCE_WEIGHT, price_fit


def features_with_price_percentiles(*percentiles):
    features = np.zeros((len(percentiles), len(FEATURES)), dtype=np.float32)
    features[:, FEATURE_INDEX["price_percentile"]] = percentiles
    return features


def test_a_cheap_wish_favours_the_cheap_end_of_each_category_and_a_premium_one_the_dear_end():
    features = features_with_price_percentiles(0.25, 1.0, np.nan)
    low, high = price_fit(features, "low"), price_fit(features, "high")
    weight = PRICE_PREFERENCE_WEIGHT
    np.testing.assert_allclose(low, [1 + weight * 0.75, 1.0, 1.0])  # unknown price: no lift
    np.testing.assert_allclose(high, [1 + weight * 0.25, 1 + weight, 1.0])
    assert price_fit(features, None) is None
