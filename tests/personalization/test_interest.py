import numpy as np
import pytest

from personalization.interest import NO_PRICE_BAND, InterestProfile, price_bands


def test_price_bands_are_powers_of_two_and_invalid_prices_have_none():
    prices = np.array([0.0, 1.99, 2.0, 31.99, 32.0, 300.0, np.nan, -1.0])

    assert price_bands(prices).tolist() == [0, 0, 1, 4, 5, 8, NO_PRICE_BAND, NO_PRICE_BAND]


def test_affinity_columns_score_category_brand_and_price_band_per_candidate():
    profile = InterestProfile.from_weights(
        categories={"audio/headphones": 4.0, "audio": 2.0},
        brands={"Sony": 3.0, "HP": 1.5},
        price_bands={8: 2.0},
    )
    candidates = [
        (["audio", "audio/headphones"], "Sony", 300.0),  # the leaf engaged with, band 8
        (["audio", "audio/speakers"], "HP", 600.0),  # a sibling: the parent's affinity, halved; band 9
        (["printing", "printing/toner"], "Canon", 30.0),  # unrelated
        ([], "", np.nan),  # uncategorised, unbranded, no price
    ]
    paths, brands, prices = zip(*candidates, strict=True)

    columns = profile.affinity_columns(paths, brands, np.array(prices))

    assert columns.dtype == np.float32 and columns.shape == (4, 3)
    np.testing.assert_allclose(
        columns,
        [
            [1.0, 1.0, 1.0],
            [0.5 * 0.5, 0.5, 0.5],  # neighbouring price band: half
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0],
        ],
    )


def test_an_empty_candidate_list_gives_an_empty_matrix():
    profile = InterestProfile.from_weights({"audio": 1.0}, {"Sony": 1.0}, {3: 1.0})

    assert profile.affinity_columns([], [], np.array([])).shape == (0, 3)


def test_top_entries_are_ordered_by_affinity():
    profile = InterestProfile.from_weights({"a": 1.0, "b": 3.0, "c": 2.0}, {"X": 2.0, "Y": 4.0}, {})

    assert profile.top_categories(2) == [("b", 1.0), ("c", pytest.approx(2 / 3))]
    assert profile.top_brands(5) == [("Y", 1.0), ("X", 0.5)]
