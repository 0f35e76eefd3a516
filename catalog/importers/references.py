"""Resolve brand, shop and category names to primary keys, creating the missing rows.

Imports touch a few hundred distinct names across tens of thousands of products, so each
name costs one query the first time it is seen and nothing afterwards.
"""

from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Brand, Category, Shop

from .synthetic import SHOPS


def unique_slug(model: type[models.Model], text: str, max_length: int = 200) -> str:
    base = slugify(text)[: max_length - 6] or model._meta.model_name
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def upsert_synthetic_shops() -> None:
    """Create or refresh the synthetic shops (synthetic.py) with their trust signals."""
    now = timezone.now()
    existing = dict(Shop.objects.filter(name__in=[p.name for p in SHOPS]).values_list("name", "slug"))
    shops = [
        Shop(
            name=profile.name,
            slug=existing.get(profile.name) or unique_slug(Shop, profile.name),
            is_official=profile.is_official,
            is_verified=profile.is_verified,
            rating=profile.rating,
            fulfilment_rate=profile.fulfilment_rate,
            return_rate=profile.return_rate,
            followers=profile.followers,
        )
        for profile in SHOPS
    ]
    fields = [
        "is_official",
        "is_verified",
        "rating",
        "fulfilment_rate",
        "return_rate",
        "followers",
        "updated_at",
    ]
    Shop.objects.bulk_create(shops, update_conflicts=True, unique_fields=["name"], update_fields=fields)
    # created_at is auto_now_add; the shop's age on the marketplace is a trust signal, so set it after.
    for profile in SHOPS:
        Shop.objects.filter(name=profile.name).update(created_at=now - profile.age)


class References:
    def __init__(self):
        self._brands = dict(Brand.objects.values_list("name", "pk"))
        self._shops = dict(Shop.objects.values_list("name", "pk"))
        nodes = {
            pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name", "parent")
        }
        self._categories = {self._names(pk, nodes): pk for pk in nodes}

    @staticmethod
    def _names(pk, nodes) -> tuple[str, ...]:
        names = []
        while pk is not None:
            name, pk = nodes[pk]
            names.append(name)
        return tuple(reversed(names))

    def brand_id(self, name: str | None) -> int | None:
        return _named_id(Brand, self._brands, name)

    def shop_id(self, name: str | None) -> int | None:
        return _named_id(Shop, self._shops, name)

    def category_id(self, path: tuple[str, ...] | None) -> int | None:
        if not path:
            return None
        if path not in self._categories:
            parent_id = self.category_id(path[:-1])
            category = Category.objects.filter(parent_id=parent_id, name=path[-1]).first()
            if category is None:
                category = Category(parent_id=parent_id, name=path[-1], slug=unique_slug(Category, path[-1]))
                category.save()
            self._categories[path] = category.pk
        return self._categories[path]


def _named_id(model, known: dict[str, int], name: str | None) -> int | None:
    """The pk of the `model` row with this name, created (with a unique slug) the first time."""
    if name is None:
        return None
    if name not in known:
        row, _ = model.objects.get_or_create(name=name, defaults={"slug": unique_slug(model, name)})
        known[name] = row.pk
    return known[name]
