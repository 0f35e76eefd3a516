"""Generate the demo short videos and live streams from the real catalog, deterministically.

All choices come from one `random.Random(seed)` walked in a fixed order over products in
pk order, so the same seed and catalog give the same rows. Popular products (sales) are
tagged more often; comparisons stay within one category; live streams are run by shops
about their own products. A rerun deletes the previously generated rows (`is_generated`)
and inserts afresh, so it never duplicates and never touches hand-made media.
"""

import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from catalog import media_scripts
from catalog.media_facts import ProductFacts
from catalog.models import LiveStream, Product, Shop, Video
from catalog.search_index import schedule_index

BATCH_SIZE = 1000
KIND_WEIGHTS = {Video.Kind.REVIEW: 4, Video.Kind.UNBOXING: 3, Video.Kind.HOWTO: 2, Video.Kind.COMPARISON: 2}
DURATION_RANGES = {  # seconds
    Video.Kind.REVIEW: (45, 600),
    Video.Kind.UNBOXING: (30, 300),
    Video.Kind.HOWTO: (40, 480),
    Video.Kind.COMPARISON: (90, 900),
}
SHOP_VIDEO_SHARE = 0.2  # videos posted by the selling shop itself rather than a creator
CREATOR_FIRST = ("tech", "gadget", "desk", "pixel", "cable", "home", "print", "audio", "byte", "setup")
CREATOR_LAST = ("guru", "lab", "daily", "reviews", "corner", "nerd", "studio", "talk")
HOSTS = ("Maya", "Jonas", "Priya", "Lucas", "Aiko", "Sam", "Elena", "Omar", "Chloe", "Ben")


@dataclass
class MediaReport:
    videos: int = 0
    lives: int = 0


class _Catalog:
    """Products as facts, with cumulative popularity weights for fast weighted picks."""

    def __init__(self, products: list[ProductFacts]):
        self.products = products
        self.by_category: dict[int, list[ProductFacts]] = defaultdict(list)
        self.by_shop: dict[int, list[ProductFacts]] = defaultdict(list)
        for product in products:
            if product.category_id:
                self.by_category[product.category_id].append(product)
            if product.shop_id:
                self.by_shop[product.shop_id].append(product)
        # Sub-linear in sales: bestsellers get many videos, the long tail still gets some.
        self.cumulative = list(itertools.accumulate((1 + p.popularity) ** 0.6 for p in products))

    @classmethod
    def load(cls) -> "_Catalog":
        queryset = (
            Product.objects.filter(status=Product.Status.ACTIVE, brand__isnull=False)
            .select_related("brand", "category")
            .only(
                "title",
                "attributes",
                "price",
                "sales_count",
                "shop_id",
                "brand__name",
                "category__name",
                "category__path",
            )
            .order_by("pk")
        )
        return cls([ProductFacts.of(product) for product in queryset.iterator(chunk_size=2000)])

    def popular(self, rng: random.Random) -> ProductFacts:
        return rng.choices(self.products, cum_weights=self.cumulative)[0]

    def popular_among(
        self, rng: random.Random, candidates: list[ProductFacts], count: int
    ) -> list[ProductFacts]:
        weights = [(1 + p.popularity) ** 0.6 for p in candidates]
        chosen: dict[int, ProductFacts] = {}
        for _ in range(count * 4):  # a few redraws, bounded, to collect distinct products
            product = rng.choices(candidates, weights=weights)[0]
            chosen.setdefault(product.pk, product)
            if len(chosen) == count:
                break
        return list(chosen.values())


def _long_tail(rng: random.Random, median: float, spread: float, cap: int) -> int:
    return min(int(rng.lognormvariate(0, spread) * median), cap)


def _video(rng: random.Random, catalog: _Catalog, shops: dict[int, str], now: datetime):
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    lead = catalog.popular(rng)
    if kind == Video.Kind.COMPARISON:
        peers = [p for p in catalog.by_category.get(lead.category_id, []) if p.pk != lead.pk]
        if not peers:
            kind = Video.Kind.REVIEW
    if kind == Video.Kind.COMPARISON:
        products = [lead, *catalog.popular_among(rng, peers, rng.choice((1, 1, 2)))]
        script = media_scripts.comparison(rng, products)
    else:
        products = [lead]
        script = getattr(media_scripts, kind)(rng, lead)
    by_shop = lead.shop_id in shops and rng.random() < SHOP_VIDEO_SHARE
    creator = shops[lead.shop_id] if by_shop else f"@{rng.choice(CREATOR_FIRST)}{rng.choice(CREATOR_LAST)}"
    views = _long_tail(rng, median=2_500, spread=1.8, cap=50_000_000)
    video = Video(
        creator=creator,
        shop_id=lead.shop_id if by_shop else None,
        kind=kind,
        title=script.title[:300],
        caption=script.caption,
        hashtags=script.hashtags,
        transcript=script.transcript,
        duration_seconds=rng.randint(*DURATION_RANGES[kind]),
        thumbnail_url=f"https://media.example.com/thumbnails/video-{rng.getrandbits(48):012x}.jpg",
        views=views,
        likes=int(views * rng.uniform(0.01, 0.09)),
        published_at=now - timedelta(seconds=rng.randint(60, 365 * 86_400)),
        is_generated=True,
    )
    return video, [p.pk for p in products]


def _live(rng: random.Random, catalog: _Catalog, shops: dict[int, str], shop_ids, shop_weights, now):
    shop_id = rng.choices(shop_ids, weights=shop_weights)[0]
    products = catalog.popular_among(rng, catalog.by_shop[shop_id], rng.randint(2, 6))
    title, description = media_scripts.live(rng, shops[shop_id], products)
    roll = rng.random()
    if roll < 0.15:  # live now
        started_at = now - timedelta(minutes=rng.randint(2, 120))
        times = {"status": LiveStream.Status.LIVE, "scheduled_at": started_at - timedelta(minutes=rng.randint(0, 10)),
                 "started_at": started_at, "ended_at": None}  # fmt: skip
        viewers = _long_tail(rng, median=400, spread=1.3, cap=500_000)
    elif roll < 0.5:  # scheduled
        times = {"status": LiveStream.Status.SCHEDULED, "started_at": None, "ended_at": None,
                 "scheduled_at": now + timedelta(minutes=rng.randint(30, 14 * 24 * 60))}  # fmt: skip
        viewers = 0
    else:  # ended
        started_at = now - timedelta(minutes=rng.randint(3 * 60, 60 * 24 * 60))
        times = {"status": LiveStream.Status.ENDED, "scheduled_at": started_at, "started_at": started_at,
                 "ended_at": started_at + timedelta(minutes=rng.randint(20, 180))}  # fmt: skip
        viewers = _long_tail(rng, median=1_500, spread=1.4, cap=2_000_000)
    live = LiveStream(
        shop_id=shop_id,
        host=f"{rng.choice(HOSTS)} from {shops[shop_id]}",
        title=title[:300],
        description=description,
        viewer_count=viewers,
        is_generated=True,
        **times,
    )
    return live, [p.pk for p in products]


def _insert(model, rows: list[tuple], index: bool, doc_type: str) -> list[int]:
    """Bulk-insert (instance, product pks) pairs and their product links in one transaction."""
    through = model.products.through
    link_field = f"{model._meta.model_name}_id"
    with transaction.atomic():
        instances = model.objects.bulk_create([instance for instance, _ in rows])
        through.objects.bulk_create(
            [
                through(**{link_field: instance.pk, "product_id": product_pk})
                for instance, (_, product_pks) in zip(instances, rows, strict=True)
                for product_pk in product_pks
            ]
        )
        pks = [instance.pk for instance in instances]
        if index:
            schedule_index(doc_type, pks)
    return pks


def generate_media(
    *,
    videos: int,
    lives: int,
    seed: int,
    now: datetime,
    index: bool = True,
    progress: Callable[[str], None] = lambda message: None,
) -> MediaReport:
    rng = random.Random(seed)
    catalog = _Catalog.load()
    if not catalog.products:
        raise ValueError("the catalog has no active branded products; run load_catalog first")
    shops = dict(Shop.objects.filter(pk__in=list(catalog.by_shop)).values_list("pk", "name"))
    with transaction.atomic():
        Video.objects.filter(is_generated=True).delete()
        LiveStream.objects.filter(is_generated=True).delete()

    report = MediaReport()
    for start in range(0, videos, BATCH_SIZE):
        batch = [_video(rng, catalog, shops, now) for _ in range(min(BATCH_SIZE, videos - start))]
        report.videos += len(_insert(Video, batch, index, "video"))
        progress(f"videos: {report.videos:,}/{videos:,}")

    shop_ids = sorted(shops)
    # Shops with bigger ranges go live more often.
    shop_weights = [len(catalog.by_shop[pk]) ** 0.5 for pk in shop_ids]
    if shop_ids:
        for start in range(0, lives, BATCH_SIZE):
            batch = [
                _live(rng, catalog, shops, shop_ids, shop_weights, now)
                for _ in range(min(BATCH_SIZE, lives - start))
            ]
            report.lives += len(_insert(LiveStream, batch, index, "live"))
            progress(f"live streams: {report.lives:,}/{lives:,}")
    return report
