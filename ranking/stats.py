"""Precomputed, per-process statistics behind the query-independent features: price
distribution per category, shop trust, and position-debiased engagement rates with
Bayesian smoothing. Built from the catalog and the DocEngagement table, cached for
RANKING_STATS_TTL_SECONDS, so ranking a request reads dictionaries, never the database (the
search view reloads expired stats once its response is sent).

Smoothing: a rate observed on few trials is pulled towards its prior,
    rate = (successes + m * prior) / (trials + m)
with m (the prior's strength) in pseudo-trials. A document's prior is its category's rate,
which is itself smoothed towards the global rate: a new product starts at what its
category earns, not at 0 or at a lucky 1/1.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count

from catalog.models import Product, Shop
from indexing.backends.base import Hit
from indexing.schema import document_id, parse_document_id

from .calibration import EngagementCalibration, load_calibration
from .propensity import examination_propensity

if TYPE_CHECKING:
    from .engagement_model import EngagementModel

CTR_PRIOR_STRENGTH = 20.0  # examined impressions
CONVERSION_PRIOR_STRENGTH = 10.0  # clicks
CATEGORY_PRIOR_STRENGTH = 200.0
RATING_PRIOR_STRENGTH = 10.0  # reviews
DEFAULT_CTR = 0.05
DEFAULT_CONVERSION = 0.05
DEFAULT_MEAN_RATING = 4.0
# Weights of the shop trust score; each signal is scaled to 0..1 first.
AUTHORITY_WEIGHTS = {"official": 0.25, "verified": 0.15, "rating": 0.3, "fulfilment": 0.2, "returns": 0.1}
TOP_RATED_RATING, TOP_RATED_AUTHORITY = 4.5, 0.6


def leaf_category(hit: Hit) -> str:
    paths = hit.keywords.get("category_path")
    return paths[-1] if paths else ""


def shop_of(hit: Hit) -> str:
    """The slug of the shop selling or posting the document ("" when it has none)."""
    shops = hit.keywords.get("shop")
    return shops[0] if shops else ""


def bayesian_average(successes, trials, prior, strength):
    """(successes + strength * prior) / (trials + strength); numpy arrays or scalars."""
    return (np.asarray(successes, dtype=np.float64) + strength * prior) / (
        np.asarray(trials, dtype=np.float64) + strength
    )


def shop_badge(is_official: bool, is_verified: bool, rating: float, authority: float) -> str | None:
    """The label a shopper sees next to the shop: the strongest claim the shop can make."""
    if is_official:
        return "official"
    if is_verified:
        return "verified"
    if rating >= TOP_RATED_RATING and authority >= TOP_RATED_AUTHORITY:
        return "top_rated"
    return None


def shop_authority(
    is_official: bool, is_verified: bool, rating: float, fulfilment_rate: float, return_rate: float
) -> float:
    w = AUTHORITY_WEIGHTS
    return (
        w["official"] * is_official
        + w["verified"] * is_verified
        + w["rating"] * rating / 5.0
        + w["fulfilment"] * fulfilment_rate
        + w["returns"] * (1.0 - return_rate)
    )


@dataclass
class RankingStats:
    prices_by_category: dict[str, np.ndarray] = field(default_factory=dict)  # sorted prices
    authority_by_shop: dict[str, float] = field(default_factory=dict)
    badge_by_shop: dict[str, str | None] = field(default_factory=dict)
    rates_by_doc: dict[str, tuple[float, float]] = field(default_factory=dict)  # (ctr, conversion)
    rates_by_category: dict[str, tuple[float, float]] = field(default_factory=dict)
    # doc_id -> (examinations, clicks) as observed: cold-start exploration's evidence.
    counts_by_doc: dict[str, tuple[float, int]] = field(default_factory=dict)
    # product doc_id -> price: what a video or live stream's tagged products are worth.
    price_by_product: dict[str, float] = field(default_factory=dict)
    global_rates: tuple[float, float] = (DEFAULT_CTR, DEFAULT_CONVERSION)
    calibration: EngagementCalibration = field(default_factory=EngagementCalibration)
    # doc_type -> learned P(engage | examined) from match evidence; the rank curve without one.
    engagement_models: dict[str, EngagementModel] = field(default_factory=dict)
    _tagged_values: dict[tuple[str, ...], float] = field(default_factory=dict, repr=False)
    _economics: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    # (doc type, id) -> (its DocumentTerms, its query-independent features), kept for the life of
    # these stats by features.document_features.
    document_features_memo: dict[tuple[str, str], tuple[object, tuple[float, ...]]] = field(
        default_factory=dict, repr=False
    )
    mean_rating: float = DEFAULT_MEAN_RATING
    rating_prior_strength: float = RATING_PRIOR_STRENGTH

    def price_percentile(self, category: str, price: float) -> float:
        """Share of the category's prices at or below `price` (NaN when unknown)."""
        known = self.prices_by_category.get(category)
        if price != price or known is None or not len(known):
            return math.nan
        return float(np.searchsorted(known, price, side="right")) / len(known)

    def rates(self, doc_id: str, category: str | None = None) -> tuple[float, float]:
        """Smoothed (ctr, conversion) of a document; its category's when it has none, the
        global rates when the category has none either (or is not known: None)."""
        rates = self.rates_by_doc.get(doc_id)
        if rates:
            return rates
        return (
            self.global_rates if category is None else self.rates_by_category.get(category, self.global_rates)
        )

    def order_value(self, product_id: str) -> float:
        """Expected order value per click of a product: smoothed conversion x price."""
        return self.price_by_product.get(product_id, 0.0) * self.rates(product_id)[1]

    def tagged_order_value(self, product_ids: Sequence[str]) -> float:
        """The mean expected order value of a video's or live stream's tagged products;
        memoised: it depends on the stats alone, and popular videos come back query after query."""
        key = tuple(product_ids)
        if not key:
            return 0.0
        value = self._tagged_values.get(key)
        if value is None:
            value = self._tagged_values[key] = sum(map(self.order_value, key)) / len(key)
        return value

    def doc_economics(self, hit: Hit) -> tuple[float, float]:
        """(expected order value per engagement, shop trust score or NaN) of a document: what
        the marketplace objective needs of it beyond its rank. Query-independent, so memoised
        for the life of these stats. A product's is its own order value; a video's or live
        stream's the mean of its tagged products'."""
        economics = self._economics.get(hit.id)
        if economics is None:
            if hit.doc_type == "product":
                value = hit.numbers.get("price", 0.0) * self.rates(hit.id, leaf_category(hit))[1]
            else:
                value = self.tagged_order_value(hit.keywords.get("product", ()))
            trust = self.authority_by_shop.get(shop_of(hit), math.nan)
            economics = self._economics[hit.id] = (value, trust)
        return economics

    def category_ctr(self, category: str) -> float:
        return self.rates_by_category.get(category, self.global_rates)[0]


def smoothed_rates(rows: Sequence[tuple[str, str, float, int, int]]) -> RankingStats:
    """rows: (doc_id, category, examinations, clicks, orders) -> the engagement part of the stats."""
    stats = RankingStats()
    if not rows:
        return stats
    examinations = sum(r[2] for r in rows)
    clicks = sum(r[3] for r in rows)
    orders = sum(r[4] for r in rows)
    global_ctr = float(bayesian_average(clicks, examinations, DEFAULT_CTR, CATEGORY_PRIOR_STRENGTH))
    global_cvr = float(bayesian_average(orders, clicks, DEFAULT_CONVERSION, CATEGORY_PRIOR_STRENGTH))
    stats.global_rates = (global_ctr, global_cvr)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for _, category, exams, doc_clicks, doc_orders in rows:
        total = totals[category]
        total[0] += exams
        total[1] += doc_clicks
        total[2] += doc_orders
    stats.rates_by_category = {
        category: (
            float(bayesian_average(c, e, global_ctr, CATEGORY_PRIOR_STRENGTH)),
            float(bayesian_average(o, c, global_cvr, CATEGORY_PRIOR_STRENGTH)),
        )
        for category, (e, c, o) in totals.items()
    }
    for doc_id, category, exams, doc_clicks, doc_orders in rows:
        stats.counts_by_doc[doc_id] = (exams, doc_clicks)
        prior_ctr, prior_cvr = stats.rates_by_category[category]
        stats.rates_by_doc[doc_id] = (
            float(bayesian_average(doc_clicks, exams, prior_ctr, CTR_PRIOR_STRENGTH)),
            float(bayesian_average(doc_orders, doc_clicks, prior_cvr, CONVERSION_PRIOR_STRENGTH)),
        )
    return stats


def load_ranking_stats() -> RankingStats:
    from .engagement_model import load_engagement_models
    from .models import DocEngagement

    rows = DocEngagement.objects.values_list("doc_id", "category", "examinations", "clicks", "orders")
    stats = smoothed_rates(list(rows))
    prices = defaultdict(list)
    active = Product.objects.filter(status=Product.Status.ACTIVE, category__isnull=False)
    for pk, path, price in active.values_list("pk", "category__path", "price").iterator(chunk_size=5000):
        prices[path].append(float(price))
        stats.price_by_product[document_id("product", pk)] = float(price)
    stats.prices_by_category = {path: np.sort(np.array(values)) for path, values in prices.items()}
    shops = Shop.objects.values_list(
        "slug", "is_official", "is_verified", "rating", "fulfilment_rate", "return_rate"
    )
    for slug, official, verified, rating, fulfilment, returns in shops:
        authority = shop_authority(official, verified, rating, fulfilment, returns)
        stats.authority_by_shop[slug] = authority
        stats.badge_by_shop[slug] = shop_badge(official, verified, rating, authority)
    stats.calibration = load_calibration()
    stats.engagement_models = load_engagement_models()
    mean_rating = active.filter(review_count__gt=0).aggregate(mean=Avg("rating"))["mean"]
    stats.mean_rating = mean_rating or DEFAULT_MEAN_RATING
    return stats


_cached: tuple[float, RankingStats] | None = None
# Set while a search is served: expired stats are served as they are, and the search view
# reloads them once its response is sent (reload_expired_ranking_stats).
_serving = threading.local()


def _expired() -> bool:
    ttl = getattr(settings, "RANKING_STATS_TTL_SECONDS", 300)
    return _cached is None or time.monotonic() - _cached[0] > ttl


def get_ranking_stats() -> RankingStats:
    if _cached is None or not getattr(_serving, "depth", 0):
        reload_expired_ranking_stats()
    return _cached[1]


@contextmanager
def expired_ranking_stats_allowed():
    """Within it, stats past their TTL are still served instead of reloaded: a reload reads
    every engagement row (~90 ms on the demo's data), which one search every TTL per worker
    used to wait for. Whoever enters it reloads them afterwards."""
    _serving.depth = getattr(_serving, "depth", 0) + 1
    try:
        yield
    finally:
        _serving.depth -= 1


def reload_expired_ranking_stats() -> None:
    global _cached
    if _expired():
        _cached = (time.monotonic(), load_ranking_stats())


def reset_ranking_stats() -> None:
    global _cached
    _cached = None


def refresh_engagement() -> int:
    """Re-aggregate all events into DocEngagement and refit the engagement models; returns
    the number of documents."""
    from .engagement_model import refit_engagement_models
    from .models import DocEngagement, Event

    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    impressions = Event.objects.filter(kind=Event.Kind.IMPRESSION, position__isnull=False)
    for doc_id, position, n in impressions.values_list("doc_id", "position").annotate(n=Count("id")):
        counts[doc_id]["impression"] += n
        counts[doc_id]["examinations"] += n * float(examination_propensity([position])[0])
    others = Event.objects.exclude(kind=Event.Kind.IMPRESSION)
    for doc_id, kind, n in others.values_list("doc_id", "kind").annotate(n=Count("id")):
        counts[doc_id][kind] += n
    product_pks = [
        pk for doc_id in counts for doc_type, pk in [parse_document_id(doc_id)] if doc_type == "product"
    ]
    category_by_doc = {
        document_id("product", pk): path
        for pk, path in Product.objects.filter(pk__in=product_pks).values_list("pk", "category__path")
    }
    rows = [
        DocEngagement(
            doc_id=doc_id,
            category=category_by_doc.get(doc_id) or "",
            impressions=int(c["impression"]),
            examinations=c["examinations"],
            clicks=int(c["click"]),
            carts=int(c["add_to_cart"]),
            orders=int(c["order"]),
        )
        for doc_id, c in counts.items()
    ]
    with transaction.atomic():
        DocEngagement.objects.all().delete()
        DocEngagement.objects.bulk_create(rows, batch_size=2000)
    refit_engagement_models()
    reset_ranking_stats()
    return len(rows)
