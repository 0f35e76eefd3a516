"""Position bias: the chance that a shopper looks at the hit at a position at all.

The examination model is the usual power law of position-based click models (Joachims et
al., 2017; Wang et al., 2018): P(examined | position k) = (1 / k) ** eta, k from 1. The
simulator clicks with it, the engagement stats use it to count "expected clicks" per
impression, and training weights clicks by its inverse (inverse propensity weighting).
eta comes from RANKING_PROPENSITY_ETA: with real traffic it is estimated from intervention
data (randomly swapping results and comparing click rates per position); for the
simulated traffic it is the simulator's own parameter.
"""

import numpy as np
from django.conf import settings


def propensity_eta() -> float:
    return getattr(settings, "RANKING_PROPENSITY_ETA", 1.0)


def examination_propensity(positions, eta: float | None = None) -> np.ndarray:
    positions = np.asarray(positions, dtype=np.float64)
    return (1.0 / positions) ** (propensity_eta() if eta is None else eta)
