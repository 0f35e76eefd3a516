"""Merchandiser boost rules (searchapp.models.BoostRule): for some queries, or every search,
the results of a brand, a category (with its subcategories), a shop or a result type are
lifted or sunk. Every process keeps the rules in memory, reloaded when one is saved
(cached.VersionedValue, as curations are); each rule's window is read at every search.

The Boost stage (after curation) picks the rules that apply to the query, as typed or as
spelling-corrected; the blend multiplies a matching result's expected utility by the rule's
factor (several rules: their product), so a boost works on whatever order the ranker served
and on the mixed row alike. It reaches every ranked candidate (the blend scores as deep as the
last one a rule lifts), never a pinned result, and not an explicit sort, which lists strictly
by its key. The ranker does not learn the boost: feature vectors are the results'
own, and position-bias correction discounts the clicks a lifted position brings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from catalog.models import Brand, Category, Shop
from indexing.backends.base import Filters, Hit

from .curations import curated_queries
from .models import BoostRule, Window
from .query.cached import VersionedValue
from .search_request import Sort


@dataclass(frozen=True)
class LoadedBoost:
    rule_id: int
    name: str
    factor: float
    doc_type: str  # "" = every result type
    # What a result must match, as the search filters read its indexed keywords: brand,
    # category_path (a subtree), shop; an AND of the conditions given, any value within one.
    condition: Filters
    window: Window

    def applies_to(self, hit: Hit) -> bool:
        return (not self.doc_type or hit.doc_type == self.doc_type) and self.condition.matches(
            hit.keywords, hit.numbers
        )


@dataclass(frozen=True)
class BoostTable:
    everywhere: tuple[LoadedBoost, ...]  # rules without queries
    by_query: dict[str, tuple[LoadedBoost, ...]]  # normalized query -> rules


def boost_condition(rule: BoostRule) -> Filters:
    terms = {
        "brand": tuple(brand.name for brand in rule.brands.all()),
        "category_path": tuple(category.path for category in rule.categories.all()),
        "shop": tuple(shop.slug for shop in rule.shops.all()),
    }
    return Filters(terms={name: values for name, values in terms.items() if values})


def load_boost_rules() -> BoostTable:
    everywhere: list[LoadedBoost] = []
    by_query: dict[str, list[LoadedBoost]] = {}
    rules = BoostRule.objects.filter(enabled=True).prefetch_related("brands", "categories", "shops")
    for rule in rules.order_by("pk"):
        loaded = LoadedBoost(
            rule.pk, rule.name, rule.factor, rule.doc_type, boost_condition(rule), rule.window
        )
        queries = curated_queries(rule.queries)
        if not queries:
            everywhere.append(loaded)
        for query in queries:
            by_query.setdefault(query, []).append(loaded)
    return BoostTable(tuple(everywhere), {query: tuple(rules) for query, rules in by_query.items()})


boost_table = VersionedValue("searchapp:boost_rules:version", load_boost_rules)


@receiver(post_save, sender=BoostRule)
@receiver(post_delete, sender=BoostRule)
@receiver(m2m_changed, sender=BoostRule.brands.through)
@receiver(m2m_changed, sender=BoostRule.categories.through)
@receiver(m2m_changed, sender=BoostRule.shops.through)
# A renamed brand or shop, or a moved category, changes the values a rule matches.
@receiver(post_save, sender=Brand)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Shop)
def boost_rules_changed(sender, **kwargs):
    boost_table.invalidate()


def rules_for(ctx) -> tuple[LoadedBoost, ...]:
    """The rules active now for the search: those for every search, and those naming its query
    as typed or as corrected (`ctx.query_keys`)."""
    table = boost_table.get()
    if not table.everywhere and not table.by_query:
        return ()
    now = timezone.now()
    found = {rule.rule_id: rule for rule in table.everywhere}
    for key in ctx.query_keys:
        found.update((rule.rule_id, rule) for rule in table.by_query.get(key, ()))
    return tuple(rule for rule in found.values() if rule.window.active_at(now))


def boost_factors(rules: Sequence[LoadedBoost], hits: Sequence[Hit]) -> np.ndarray:
    """Each hit's factor: the product of the factors of the rules it matches (1 for none)."""
    factors = np.ones(len(hits))
    for i, hit in enumerate(hits):
        for rule in rules:
            if rule.applies_to(hit):
                factors[i] *= rule.factor
    return factors


class Boost:
    """The pipeline stage: which boost rules apply to this search (the blend applies them)."""

    name = "boost"

    def run(self, ctx) -> None:
        if ctx.request.sort is not Sort.RELEVANCE:
            return
        ctx.boost_rules = rules_for(ctx)
