"""SIMULATED shopper traffic, so the learning loop (serve -> log -> events -> train) can run
and be measured end to end without real users. Nothing here is real behaviour: every
search it makes is marked `SearchLog.is_simulated`, and shopper/session ids start "sim-".

Click model (position-based, as in Joachims et al., 2017):
    P(examine position k) = (1 / k) ** eta                       (ranking/propensity.py)
    P(click | examined)   = 0.02 + 0.88 * (2 ** r - 1) / 7       r = hidden relevance 0..3
    P(add to cart | click) = 0.05 + 0.10 * r;  P(order | cart) = 0.5, value = the price
Hidden relevance: the judgment when the (query, product) pair is judged; otherwise from
how much of the query the product's title, brand and category cover (all words: 2, at
least half: 1, else 0), which is also how the generated queries (category names and
"brand category" pairs from the catalog) get theirs.

Every random draw comes from one seeded generator: the same seed, catalog and served
lists give the same traffic. The search itself is a callable, `search(query, shopper_id,
session_id) -> ServedSearch`, that serves and logs the features of what it showed.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from catalog.models import Product
from indexing.schema import document_id, parse_document_id

from .events import MAX_BATCH_EVENTS, ingest_events
from .models import SearchLog
from .propensity import examination_propensity

TOKEN = re.compile(r"\w+")
SECONDS_BETWEEN_SESSIONS = 30


@dataclass(frozen=True)
class ServedSearch:
    search_id: str
    doc_ids: list[str]  # the page shown, position 1 first


SearchFn = Callable[[str, str, str], ServedSearch]


@dataclass(frozen=True)
class ClickModel:
    eta: float = 1.0
    page_size: int = 20
    cart_base: float = 0.05
    cart_per_relevance: float = 0.10
    order_given_cart: float = 0.5

    @staticmethod
    def attractiveness(relevance: float) -> float:
        return 0.02 + 0.88 * (2**relevance - 1) / 7


@dataclass(frozen=True)
class CatalogDoc:
    words: frozenset[str]
    price: float


class HiddenRelevance:
    """relevance(query, doc_id) -> 0..3, from judgments first, else from word coverage."""

    def __init__(self, judgments: Mapping[str, Mapping[str, int]] | None = None):
        self.judgments = judgments or {}
        self.docs: dict[str, CatalogDoc] = {}

    def load(self, doc_ids: Sequence[str]) -> None:
        missing = [parse_document_id(d)[1] for d in doc_ids if d not in self.docs]
        rows = Product.objects.filter(pk__in=missing).values_list(
            "pk", "title", "brand__name", "category__name", "price"
        )
        for pk, title, brand, category, price in rows:
            words = TOKEN.findall(f"{title} {brand or ''} {category or ''}".casefold())
            self.docs[document_id("product", pk)] = CatalogDoc(frozenset(words), float(price))

    def __call__(self, query: str, doc_id: str) -> int:
        judged = self.judgments.get(query, {})
        if doc_id in judged:
            return judged[doc_id]
        doc = self.docs.get(doc_id)
        words = set(TOKEN.findall(query.casefold()))
        if doc is None or not words:
            return 0
        coverage = len(words & doc.words) / len(words)
        return 2 if coverage == 1 else 1 if coverage >= 0.5 else 0


def generated_queries(limit: int) -> list[str]:
    """Catalog-grounded queries: the biggest leaf categories, then "brand category" pairs."""
    active = Product.objects.filter(status=Product.Status.ACTIVE, category__isnull=False)
    categories = active.values_list("category__name").annotate(n=Count("id")).order_by("-n")[: limit // 2]
    pairs = (
        active.filter(brand__isnull=False)
        .values_list("brand__name", "category__name")
        .annotate(n=Count("id"))
        .filter(n__gte=5)
        .order_by("-n")[: limit - len(categories)]
    )
    queries = [name.casefold() for name, _ in categories] + [f"{b} {c}".casefold() for b, c, _ in pairs]
    return list(dict.fromkeys(queries))


def explored_order(ranked: int, page_size: int, depth: int, rng: random.Random) -> list[int]:
    """Exploration: a page drawn from the ranked top `depth`, the top half of the page kept
    from the top of the ranking and the rest sampled uniformly from below it, so every
    position of the top `depth` is shown now and then while most of the page stays good."""
    depth = min(depth, ranked)
    kept = list(range(min(page_size // 2, depth)))
    pool = list(range(len(kept), depth))
    sampled = rng.sample(pool, min(page_size - len(kept), len(pool)))
    order = kept + sampled
    rng.shuffle(order)
    return order


@dataclass
class SimulationReport:
    searches: int = 0
    events: Counter = field(default_factory=Counter)
    clicks_by_position: Counter = field(default_factory=Counter)
    inserted: int = 0


class TrafficSimulator:
    def __init__(
        self,
        search: SearchFn,
        relevance: HiddenRelevance,
        click_model: ClickModel | None = None,
        seed: int = 0,
        shoppers: int = 500,
    ):
        self.search = search
        self.relevance = relevance
        self.click_model = click_model or ClickModel()
        self.rng = random.Random(seed)
        self.shoppers = shoppers

    def run(self, queries: Sequence[str], sessions: int, start: datetime | None = None) -> SimulationReport:
        """Queries are drawn Zipf-like: the i-th query is 1 / (i + 1) as likely as the first."""
        start = start or timezone.now() - timedelta(seconds=sessions * SECONDS_BETWEEN_SESSIONS)
        weights = [1.0 / (i + 1) for i in range(len(queries))]
        report, pending, search_ids = SimulationReport(), [], []
        for session_number in range(sessions):
            shopper = f"sim-shopper-{self.rng.randrange(self.shoppers)}"
            session = f"sim-session-{uuid.UUID(int=self.rng.getrandbits(128))}"
            at = start + timedelta(seconds=session_number * SECONDS_BETWEEN_SESSIONS)
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                query = self.rng.choices(queries, weights)[0]
                served = self.search(query, shopper, session)
                search_ids.append(served.search_id)
                report.searches += 1
                pending += self.behave(query, served, shopper, session, at, report)
            if len(pending) >= MAX_BATCH_EVENTS:
                report.inserted += ingest_events(pending).inserted
                pending = []
        if pending:
            report.inserted += ingest_events(pending).inserted
        SearchLog.objects.filter(search_id__in=search_ids).update(is_simulated=True)
        return report

    def behave(self, query, served: ServedSearch, shopper, session, at, report) -> list[dict]:
        model, rng = self.click_model, self.rng
        page = served.doc_ids[: model.page_size]
        self.relevance.load(page)
        examined = examination_propensity(range(1, len(page) + 1), model.eta)
        events = []

        def event(kind: str, doc_id: str, position: int, value: float | None = None) -> None:
            report.events[kind] += 1
            events.append(
                {
                    # Derived from the search: a replay of this traffic is not counted twice.
                    "event_id": str(uuid.uuid5(uuid.UUID(served.search_id), f"{kind}:{doc_id}")),
                    "kind": kind,
                    "search_id": served.search_id,
                    "doc_id": doc_id,
                    "position": position,
                    "shopper_id": shopper,
                    "session_id": session,
                    "value": value,
                    "occurred_at": at.isoformat(),
                }
            )

        for position, doc_id in enumerate(page, start=1):
            event("impression", doc_id, position)
            relevance = self.relevance(query, doc_id)
            if rng.random() >= examined[position - 1] or rng.random() >= model.attractiveness(relevance):
                continue
            event("click", doc_id, position)
            report.clicks_by_position[position] += 1
            if rng.random() < model.cart_base + model.cart_per_relevance * relevance:
                event("add_to_cart", doc_id, position)
                if rng.random() < model.order_given_cart:
                    doc = self.relevance.docs.get(doc_id)
                    event("order", doc_id, position, round(doc.price, 2) if doc else 0.0)
        return events
