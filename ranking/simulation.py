"""SIMULATED shopper traffic, so the learning loop (serve -> log -> events -> train) can run
and be measured end to end without real users. Nothing here is real behaviour: every
search it makes is marked `SearchLog.is_simulated`, and shopper/session ids start "sim-".

Click model (position-based, as in Joachims et al., 2017):
    P(examine position k) = (1 / k) ** eta                       (ranking/propensity.py)
    P(click | examined)   = a(r) x (1 + lift x preferred)        r = hidden relevance 0..3
        a(r) = 0.02 + 0.88 * (2 ** r - 1) / 7; preferred = 0..2: the shopper's category, brand
    P(add to cart | click) = 0.05 + 0.10 * r
    P(order | cart) = 0.5, x (band top / price) ** elasticity above the shopper's price band
    order value = the price
Hidden relevance: the judgment when the (query, product) pair is judged; otherwise from
how much of the query the product's title, brand and category cover (all words: 2, at
least half: 1, else 0), which is also how the generated queries (category names and
"brand category" pairs from the catalog) get theirs.

SIMULATED shoppers (`draw_shoppers`) have latent preferences drawn from the catalog: a few
categories and brands (weighted by how many products they have) and a price band. Half of
their searches (`interest_share`) are about those interests (a query naming a preferred
category or brand), as real shoppers mostly search for what they like; the rest are drawn
from all queries. Video and live-stream documents are judged by their title and their
tagged products' words.

Randomness is seeded per session (who shops, which queries) and per (session, search,
position) (examine, click, cart, order), never from one shared stream: two rankings shown
to the same simulated traffic (an A/B test) get the same shoppers, the same queries and the
same dice at every position, so their pages differing cannot desynchronise what follows.
The search itself is a callable, `search(query, shopper_id, session_id) -> ServedSearch`,
that serves and logs the features of what it showed.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Prefetch
from django.utils import timezone

from catalog.models import Category, LiveStream, Product, Video
from indexing.schema import document_id, parse_document_id
from searchapp.pipeline import SearchPipeline
from searchapp.search_request import SearchRequest

from .events import MAX_BATCH_EVENTS, ingest_events
from .feature_log import served_page_payload
from .models import SearchLog
from .propensity import examination_propensity
from .tasks import log_search

MEDIA_MODELS = {"video": Video, "live": LiveStream}
TOKEN = re.compile(r"\w+")
# Words of category names that say nothing about an interest ("cables & adapters").
STOP_WORDS = frozenset({"and", "for", "of", "the", "other", "accessories"})
SECONDS_BETWEEN_SESSIONS = 30
# Searches per session, drawn uniformly from this tuple.
SEARCHES_PER_SESSION = (1, 1, 2, 3)
# Uniform draws per shown position: examine, click, add to cart, order.
DRAWS_PER_POSITION = 4


@dataclass(frozen=True)
class ServedSearch:
    search_id: str
    doc_ids: list[str]  # the page shown, position 1 first
    shops: tuple[str, ...] = ()  # the seller of each shown document ("" when unknown)
    explored_positions: tuple[int, ...] = ()  # 1-based positions given to cold-start exploration


SearchFn = Callable[[str, str, str], ServedSearch]


@dataclass(frozen=True)
class CatalogDoc:
    words: frozenset[str]
    price: float
    category_path: str = ""
    brand: str = ""


@dataclass(frozen=True)
class SimulatedShopper:
    """A SIMULATED shopper's latent preferences (empty: a shopper without any)."""

    shopper_id: str
    categories: frozenset[str] = frozenset()  # category paths; their subtrees count too
    brands: frozenset[str] = frozenset()
    price_band: tuple[float, float] | None = None
    # The words of the preferred categories' names and brands: a query holding one of them is
    # about the shopper's interests.
    interest_words: frozenset[str] = frozenset()

    def interest_queries(self, queries: Sequence[str]) -> list[str]:
        return [query for query in queries if self.interest_words & set(TOKEN.findall(query.casefold()))]

    def preferred(self, doc: CatalogDoc) -> int:
        """How many of the shopper's preferences the document meets: 0, 1 or 2."""
        in_category = any(
            doc.category_path == path or doc.category_path.startswith(path + "/") for path in self.categories
        )
        return int(in_category) + int(doc.brand in self.brands)


@dataclass(frozen=True)
class ClickModel:
    eta: float = 1.0
    page_size: int = 20
    cart_base: float = 0.05
    cart_per_relevance: float = 0.10
    order_given_cart: float = 0.5
    # Attractiveness x (1 + preference_lift) per met preference (category, brand).
    preference_lift: float = 0.5
    # P(order | cart) x (band top / price) ** price_elasticity above the shopper's band: mild.
    price_elasticity: float = 0.5

    @staticmethod
    def attractiveness(relevance: float) -> float:
        return 0.02 + 0.88 * (2**relevance - 1) / 7

    def click_given_examined(
        self, relevance: float, doc: CatalogDoc | None, shopper: SimulatedShopper
    ) -> float:
        lift = 1 + self.preference_lift * shopper.preferred(doc) if doc else 1
        return min(1.0, self.attractiveness(relevance) * lift)

    def order_given_added(self, doc: CatalogDoc | None, shopper: SimulatedShopper) -> float:
        top = shopper.price_band[1] if shopper.price_band else None
        if doc is None or top is None or doc.price <= top:
            return self.order_given_cart
        return self.order_given_cart * (top / doc.price) ** self.price_elasticity


class HiddenRelevance:
    """relevance(query, doc_id) -> 0..3, from judgments first, else from word coverage."""

    def __init__(self, judgments: Mapping[str, Mapping[str, int]] | None = None):
        self.judgments = judgments or {}
        self.docs: dict[str, CatalogDoc] = {}

    def load(self, doc_ids: Sequence[str]) -> None:
        missing: dict[str, list[str]] = {}
        for doc_id in doc_ids:
            if doc_id not in self.docs:
                doc_type, pk = parse_document_id(doc_id)
                missing.setdefault(doc_type, []).append(pk)
        if missing.get("product"):
            rows = Product.objects.filter(pk__in=missing["product"]).values_list(
                "pk", "title", "brand__name", "category__name", "category__path", "price"
            )
            for pk, title, brand, category, path, price in rows:
                words = TOKEN.findall(f"{title} {brand or ''} {category or ''}".casefold())
                self.docs[document_id("product", pk)] = CatalogDoc(
                    frozenset(words), float(price), path or "", brand or ""
                )
        for doc_type, model in MEDIA_MODELS.items():
            if missing.get(doc_type):
                self.load_media(doc_type, model, missing[doc_type])

    def load_media(self, doc_type: str, model, pks: Sequence[str]) -> None:
        """A video or live stream is about its title and the products it tags: it covers their
        words, costs their lowest price and belongs to its first product's category and brand."""
        tagged = Product.objects.select_related("brand", "category")
        for media in model.objects.filter(pk__in=pks).prefetch_related(Prefetch("products", queryset=tagged)):
            products = list(media.products.all())
            words = TOKEN.findall(
                " ".join(
                    [media.title]
                    + [
                        f"{p.title} {p.brand.name if p.brand else ''} {p.category.name if p.category else ''}"
                        for p in products
                    ]
                ).casefold()
            )
            first = products[0] if products else None
            self.docs[document_id(doc_type, media.pk)] = CatalogDoc(
                frozenset(words),
                min((float(p.price) for p in products), default=0.0),
                first.category.path if first and first.category else "",
                first.brand.name if first and first.brand else "",
            )

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


def anonymous_shoppers(count: int) -> list[SimulatedShopper]:
    """SIMULATED shoppers without preferences: clicks follow relevance and position alone."""
    return [SimulatedShopper(f"sim-shopper-{n}") for n in range(count)]


def draw_shoppers(count: int, seed: int, categories: int = 2, brands: int = 2) -> list[SimulatedShopper]:
    """A seeded SIMULATED population: each shopper prefers `categories` categories and
    `brands` brands of the active catalog (drawn as likely as their share of products) and
    the price band [p / 2, 2p] around the price p of a random active product."""
    active = Product.objects.filter(status=Product.Status.ACTIVE)
    by_category = dict(
        active.filter(category__isnull=False).values_list("category__path").annotate(n=Count("id")).order_by()
    )
    by_brand = dict(
        active.filter(brand__isnull=False).values_list("brand__name").annotate(n=Count("id")).order_by()
    )
    prices = [float(price) for price in active.order_by("pk").values_list("price", flat=True)]
    names = dict(Category.objects.values_list("path", "name"))
    rng = np.random.default_rng(seed)

    def pick(counts: dict[str, int], n: int) -> frozenset[str]:
        names = sorted(counts)
        if not names:
            return frozenset()
        weights = np.array([counts[name] for name in names], dtype=np.float64)
        chosen = rng.choice(len(names), size=min(n, len(names)), replace=False, p=weights / weights.sum())
        return frozenset(names[i] for i in chosen)

    shoppers = []
    for n in range(count):
        price = prices[rng.integers(len(prices))] if prices else None
        liked_categories, liked_brands = pick(by_category, categories), pick(by_brand, brands)
        words = " ".join([*(names.get(path, "") for path in liked_categories), *liked_brands])
        shoppers.append(
            SimulatedShopper(
                f"sim-shopper-{n}",
                liked_categories,
                liked_brands,
                (price / 2, price * 2) if price else None,
                frozenset(TOKEN.findall(words.casefold())) - STOP_WORDS,
            )
        )
    return shoppers


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


class FunnelSearch:
    """Serve a search of `doc_type` (products by default) through the real SearchPipeline (rankers and marketplace layer
    included) as `shopper_id` in `session_id`, and log what was shown with its features, as
    the API does (`log`: the `ranking.log_search` task by default). On `explore_rate` of the
    searches the page is a random draw from the ranked top `explore_depth` instead
    (exploration), so lower positions get seen and clicked."""

    def __init__(
        self,
        page_size: int,
        explore_rate: float = 0.0,
        explore_depth: int = 100,
        seed: int = 0,
        pipeline=None,
        log: Callable[[dict], object] = log_search.delay,
        doc_type: str = "product",
    ):
        self.pipeline = pipeline or SearchPipeline()
        self.doc_type = doc_type
        self.page_size = page_size
        self.explore_rate = explore_rate
        self.explore_depth = explore_depth
        self.rng = random.Random(seed)
        self.log = log

    def __call__(self, query: str, shopper_id: str, session_id: str) -> ServedSearch:
        request = SearchRequest(
            query=query,
            type=self.doc_type,
            page_size=self.page_size,
            shopper_id=shopper_id,
            session_id=session_id,
        )
        ctx = self.pipeline.run(request)
        identity = {"shopper_id": shopper_id, "session_id": session_id, "is_simulated": True}
        if self.explore_rate and self.rng.random() < self.explore_rate:
            ranked = ctx.candidates.get(self.doc_type, [])
            order = explored_order(
                len(ctx.features.get(self.doc_type, ())), self.page_size, self.explore_depth, self.rng
            )
            hits, explored = [ranked[i] for i in order], ()
            payload = served_page_payload(ctx, self.doc_type, order, **identity)
        else:
            hits, explored = ctx.page_hits, tuple(ctx.explored_positions)
            payload = served_page_payload(ctx, self.doc_type, **identity)
        if payload is not None:
            self.log(payload)
        return ServedSearch(
            ctx.search_id,
            [hit.id for hit in hits],
            tuple((hit.keywords.get("shop") or [""])[0] for hit in hits),
            explored,
        )


@dataclass(frozen=True)
class SearchOutcome:
    """What one simulated search showed and earned."""

    session: int  # the session's number in the run, 0 first
    served: ServedSearch
    clicks: int
    orders: int
    gmv: float
    # What the click model expects of the page shown, before the dice are thrown: the same
    # quantities without the draws' noise (one $1,000 order swings GMV per search by +-5).
    expected_clicks: float
    expected_gmv: float


@dataclass
class SimulationReport:
    searches: int = 0
    events: Counter = field(default_factory=Counter)
    clicks_by_position: Counter = field(default_factory=Counter)
    inserted: int = 0
    outcomes: list[SearchOutcome] = field(default_factory=list)


def store_events(batch: list[dict]) -> int:
    return ingest_events(batch).inserted


class TrafficSimulator:
    """`ingest(batch) -> events inserted` stores events, once `events_per_batch` are pending
    (1: as they happen, so what a search's clicks teach serves the next search);
    `on_session(done, total)` is told after every session."""

    def __init__(
        self,
        search: SearchFn,
        relevance: HiddenRelevance,
        click_model: ClickModel | None = None,
        seed: int = 0,
        shoppers: Sequence[SimulatedShopper] | None = None,
        ingest: Callable[[list[dict]], int] = store_events,
        events_per_batch: int = MAX_BATCH_EVENTS,
        on_session: Callable[[int, int], None] | None = None,
        interest_share: float = 0.5,
    ):
        self.search = search
        self.relevance = relevance
        self.click_model = click_model or ClickModel()
        self.seed = seed
        self.shoppers = shoppers or anonymous_shoppers(500)
        self.ingest = ingest
        self.events_per_batch = events_per_batch
        self.on_session = on_session
        self.interest_share = interest_share

    def run(self, queries: Sequence[str], sessions: int, start: datetime | None = None) -> SimulationReport:
        """Queries are drawn Zipf-like: the i-th query is 1 / (i + 1) as likely as the first."""
        start = start or timezone.now() - timedelta(seconds=sessions * SECONDS_BETWEEN_SESSIONS)
        weights = [1.0 / (i + 1) for i in range(len(queries))]
        report, pending, search_ids = SimulationReport(), [], []
        for session_number in range(sessions):
            rng = random.Random(f"{self.seed}:session:{session_number}")
            shopper = rng.choice(self.shoppers)
            session = f"sim-session-{uuid.UUID(int=rng.getrandbits(128))}"
            at = start + timedelta(seconds=session_number * SECONDS_BETWEEN_SESSIONS)
            session_queries = self.session_queries(rng, shopper, queries, weights)
            for search_number, query in enumerate(session_queries):
                served = self.search(query, shopper.shopper_id, session)
                search_ids.append(served.search_id)
                report.searches += 1
                dice = random.Random(f"{self.seed}:search:{session_number}:{search_number}")
                pending += self.behave(query, served, shopper, session, at, dice, report, session_number)
                if len(pending) >= self.events_per_batch:
                    report.inserted += self.ingest(pending)
                    pending = []
            if self.on_session:
                self.on_session(session_number + 1, sessions)
        if pending:
            report.inserted += self.ingest(pending)
        SearchLog.objects.filter(search_id__in=search_ids).update(is_simulated=True)
        return report

    def session_queries(
        self, rng: random.Random, shopper: SimulatedShopper, queries: Sequence[str], weights: Sequence[float]
    ) -> list[str]:
        """Each search is about the shopper's interests with probability `interest_share`
        (a query naming a preferred category or brand, when there is one), else any query."""
        count = rng.choice(SEARCHES_PER_SESSION)
        own = shopper.interest_queries(queries)
        chosen = []
        for _ in range(count):
            pool = own if own and rng.random() < self.interest_share else queries
            chosen.append(rng.choices(pool, weights[: len(pool)])[0])
        return chosen

    def behave(
        self,
        query,
        served: ServedSearch,
        shopper: SimulatedShopper,
        session,
        at,
        dice,
        report,
        session_number,
    ) -> list[dict]:
        model = self.click_model
        page = served.doc_ids[: model.page_size]
        self.relevance.load(page)
        examined = examination_propensity(range(1, len(page) + 1), model.eta)
        # Every position's dice are drawn whatever is shown, so position k's draws are the
        # same for any page.
        draws = [[dice.random() for _ in range(DRAWS_PER_POSITION)] for _ in range(model.page_size)]
        events, clicks, orders, gmv = [], 0, 0, 0.0
        expected_clicks = expected_gmv = 0.0

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
                    "shopper_id": shopper.shopper_id,
                    "session_id": session,
                    "value": value,
                    "occurred_at": at.isoformat(),
                }
            )

        for position, doc_id in enumerate(page, start=1):
            event("impression", doc_id, position)
            relevance = self.relevance(query, doc_id)
            doc = self.relevance.docs.get(doc_id)
            examine, click, cart, order = draws[position - 1]
            p_examine = examined[position - 1]
            p_click = model.click_given_examined(relevance, doc, shopper)
            p_cart = model.cart_base + model.cart_per_relevance * relevance
            p_order = model.order_given_added(doc, shopper)
            value = round(doc.price, 2) if doc else 0.0
            expected_clicks += p_examine * p_click
            expected_gmv += p_examine * p_click * p_cart * p_order * value
            if examine >= p_examine or click >= p_click:
                continue
            event("click", doc_id, position)
            clicks += 1
            report.clicks_by_position[position] += 1
            if cart < p_cart:
                event("add_to_cart", doc_id, position)
                if order < p_order:
                    event("order", doc_id, position, value)
                    orders += 1
                    gmv += value
        report.outcomes.append(
            SearchOutcome(session_number, served, clicks, orders, gmv, expected_clicks, expected_gmv)
        )
        return events
