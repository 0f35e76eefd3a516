"""What an event's document says about the shopper: the category, brand and price of the
products it stands for. A product stands for itself; a video or live stream for the products
it tags, which share a smaller credit (watching is weaker evidence than viewing a product)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import CharField, Value

from catalog.models import LiveStream, Product, Video

# An event on a video or live stream credits its tagged products this much in all.
MEDIA_CREDIT = 0.5


class ProductFacts(NamedTuple):
    category_path: str  # "" when uncategorised
    brand: str  # "" when unbranded
    price: float


def credited_products(doc_ids: Iterable[str]) -> dict[str, list[tuple[ProductFacts, float]]]:
    """doc id -> [(facts of a product it stands for, share of the event's weight)], in one
    query for every doc id. Unknown or deleted documents (and media tagging no product) are
    absent: an event on them credits nothing."""
    pks: dict[str, set[int]] = defaultdict(set)
    for doc_id in doc_ids:
        doc_type, _, pk = doc_id.partition(":")
        if pk.isdigit():
            pks[doc_type].add(int(pk))
    queries = [
        query(doc_type, pks[doc_type]) for doc_type in ("product", "video", "live") if pks.get(doc_type)
    ]
    if not queries:
        return {}
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    products: dict[str, list[ProductFacts]] = defaultdict(list)
    for doc_type, pk, category_path, brand, price in rows:
        products[f"{doc_type}:{pk}"].append(ProductFacts(category_path or "", brand or "", float(price)))
    return {
        doc_id: [
            (facts, (1.0 if doc_id.startswith("product:") else MEDIA_CREDIT) / len(tagged))
            for facts in tagged
        ]
        for doc_id, tagged in products.items()
    }


def query(doc_type: str, pks: set[int]):
    """(doc type, pk, category path, brand name, price) of the products `pks` stand for."""
    label = Value(doc_type, output_field=CharField())
    if doc_type == "product":
        return (
            Product.objects.filter(pk__in=pks)
            .order_by()
            .values_list(label, "pk", "category__path", "brand__name", "price")
        )
    through = (Video if doc_type == "video" else LiveStream).products.through
    owner = "video_id" if doc_type == "video" else "livestream_id"
    return (
        through.objects.filter(**{f"{owner}__in": pks})
        .order_by()
        .values_list(label, owner, "product__category__path", "product__brand__name", "product__price")
    )
