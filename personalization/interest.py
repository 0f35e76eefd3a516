"""A shopper's interests as the search pipeline sees them: normalised affinities (0..1, the
strongest 1) and the per-candidate feature columns computed from them.

Price bands are log-scale: band b holds prices in [2**b, 2**(b+1)) (band 0 also holds
everything under 2), so a band is "about this expensive" whatever the category: 30 and 60
are as far apart as 300 and 600. A candidate's price affinity also takes half the affinity
of the neighbouring bands, so 31.99 and 32.00 do not score apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_PRICE_BAND = 30  # 2**30: no catalog price is above it
# Index of an always-zero affinity: candidates without a (valid) price.
NO_PRICE_BAND = MAX_PRICE_BAND + 1
NEIGHBOUR_BAND_CREDIT = 0.5
# A candidate matches the profile's affinity for an ancestor of its category with this
# factor per level up, so the category the shopper engaged with beats its siblings.
ANCESTOR_MATCH_CREDIT = 0.5


def price_band(price: float) -> int:
    return int(price_bands(np.array([price], dtype=np.float64))[0])


def price_bands(prices: np.ndarray) -> np.ndarray:
    """Band index per price (see the module docstring); NO_PRICE_BAND for NaN or negatives."""
    prices = np.asarray(prices, dtype=np.float64)
    valid = np.isfinite(prices) & (prices >= 0)
    bands = np.floor(np.log2(np.maximum(np.where(valid, prices, 1.0), 1.0)))
    return np.where(valid, np.minimum(bands, MAX_PRICE_BAND), NO_PRICE_BAND).astype(np.intp)


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights divided by the largest; non-positive ones dropped."""
    top = max(weights.values(), default=0.0)
    if top <= 0:
        return {}
    return {name: weight / top for name, weight in weights.items() if weight > 0}


@dataclass(frozen=True)
class InterestProfile:
    categories: Mapping[str, float]  # category path -> 0..1 (ancestors credited less)
    brands: Mapping[str, float]  # Brand.name -> 0..1
    price_bands: Mapping[int, float]  # band (see price_bands()) -> 0..1
    _price_band_affinity: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # Indexed by band: one gather scores every candidate's price.
        # Padded by one zero on each side, so every band has two neighbours.
        exact = np.zeros(NO_PRICE_BAND + 3, dtype=np.float32)
        for band, weight in self.price_bands.items():
            if 0 <= band <= MAX_PRICE_BAND:
                exact[band + 1] = weight
        neighbours = NEIGHBOUR_BAND_CREDIT * np.maximum(exact[:-2], exact[2:])
        affinity = np.maximum(exact[1:-1], neighbours)
        affinity[NO_PRICE_BAND] = 0.0
        object.__setattr__(self, "_price_band_affinity", affinity)

    @classmethod
    def from_weights(
        cls, categories: Mapping[str, float], brands: Mapping[str, float], price_bands: Mapping[int, float]
    ) -> InterestProfile:
        return cls(normalised(categories), normalised(brands), normalised(price_bands))

    def affinity_columns(
        self, category_paths: Sequence[Sequence[str]], brands: Sequence[str], prices: np.ndarray
    ) -> np.ndarray:
        """(n, 3) float32: category, brand and price-band affinity of each candidate.
        `category_paths[i]` is candidate i's ancestor paths, leaf last (the documents'
        `category_path` keyword); an unknown category, brand or price scores 0."""
        columns = np.zeros((len(brands), 3), dtype=np.float32)
        if self.categories:
            columns[:, 0] = [self._category_affinity(paths) for paths in category_paths]
        if self.brands:
            columns[:, 1] = [self.brands.get(brand, 0.0) for brand in brands]
        if self.price_bands:
            columns[:, 2] = self._price_band_affinity[price_bands(prices)]
        return columns

    def _category_affinity(self, paths: Sequence[str]) -> float:
        best, credit = 0.0, 1.0
        for path in reversed(paths):
            best = max(best, credit * self.categories.get(path, 0.0))
            credit *= ANCESTOR_MATCH_CREDIT
        return best

    def top_categories(self, n: int) -> list[tuple[str, float]]:
        return top(self.categories, n)

    def top_brands(self, n: int) -> list[tuple[str, float]]:
        return top(self.brands, n)


def top(weights: Mapping, n: int) -> list[tuple]:
    return sorted(weights.items(), key=lambda item: item[1], reverse=True)[:n]
