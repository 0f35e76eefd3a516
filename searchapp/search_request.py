"""The typed search request the pipeline runs, independent of HTTP (the API validates query
parameters into it; `manage.py evaluate` and `bench_search` build it directly).

Filters are written once here and translated per document type into the backends' `Filters`,
because the same user-facing filter maps to different index fields per type: a video's
"price" is the lowest price of the products it tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from indexing.backends.base import Filters, Range
from indexing.schema import DOC_TYPES

ALL_TYPES = "all"
REQUEST_TYPES = (*DOC_TYPES, ALL_TYPES)

# The numeric field a price filter / price sort / price facet uses, per document type.
PRICE_FIELD = {"product": "price", "video": "min_product_price", "live": "min_product_price"}
# The timestamp "newest" sorts by, per document type.
RECENCY_FIELD = {"product": "created_ts", "video": "published_ts", "live": "scheduled_ts"}


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


def sort_key(sort: Sort):
    """The key an explicit sort orders hits by (stable: relevance order breaks ties);
    documents without the sort field go last. One key for every type, so types sorted with it
    merge into one list (the mixed row)."""
    descending = sort is not Sort.PRICE_ASC

    def key(hit) -> tuple[int, float]:
        field_name = RECENCY_FIELD[hit.doc_type] if sort is Sort.NEWEST else PRICE_FIELD[hit.doc_type]
        value = hit.numbers.get(field_name)
        if value is None:
            return (1, 0.0)
        return (0, -value if descending else value)

    return key


def normalize_category(value: str) -> str:
    """Category filters take a category path, the slash-joined slug chain the category facet
    returns ("printing" or "printing/toner-cartridges"); a path matches its whole subtree."""
    return "/".join(part for part in value.strip().casefold().split("/") if part)


@dataclass(frozen=True)
class SearchFilters:
    brands: tuple[str, ...] = ()
    category: str | None = None
    # Canonical colour names (catalog/colours.py): a document fits stating any of them.
    colours: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    # Products only: videos and live streams have no stock of their own and ignore it.
    in_stock: bool | None = None
    shop: str | None = None

    def __bool__(self):
        return bool(self.chosen())

    def chosen(self) -> dict[str, object]:
        """The filters set, by field name."""
        return {name: value for name, value in vars(self).items() if value not in (None, ())}

    def under(self, user: SearchFilters) -> SearchFilters:
        """These (extracted) filters with the user's on top: where both constrain the same
        thing (brand, category, price, ...), the user's choice stands alone."""
        user_price = user.price_min is not None or user.price_max is not None
        return SearchFilters(
            brands=user.brands or self.brands,
            category=user.category or self.category,
            colours=user.colours or self.colours,
            price_min=user.price_min if user_price else self.price_min,
            price_max=user.price_max if user_price else self.price_max,
            in_stock=self.in_stock if user.in_stock is None else user.in_stock,
            shop=user.shop or self.shop,
        )

    def for_doc_type(self, doc_type: str) -> Filters:
        terms: dict[str, tuple[str, ...]] = {}
        if self.brands:
            terms["brand"] = self.brands
        if self.category:
            # Documents index every ancestor path in category_path, so one term is a subtree.
            terms["category_path"] = (normalize_category(self.category),)
        if self.colours:
            terms["colour"] = self.colours
        if self.shop:
            terms["shop"] = (self.shop,)
        if self.in_stock is not None and doc_type == "product":
            terms["in_stock"] = ("true" if self.in_stock else "false",)
        ranges = {}
        if self.price_min is not None or self.price_max is not None:
            ranges[PRICE_FIELD[doc_type]] = Range(gte=self.price_min, lte=self.price_max)
        return Filters(terms=terms, ranges=ranges)


@dataclass(frozen=True)
class SearchRequest:
    query: str
    type: str = "product"
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20
    debug: bool = False
    # Who is searching: the personalisation profile to use (unknown ids simply have none).
    shopper_id: str = ""
    session_id: str = ""
    # Query-understanding parts switched off for this request (ablation, incidents): names
    # from searchapp.query.analyzer.PARTS, and "recovery".
    disabled_understanding: frozenset[str] = frozenset()

    def __post_init__(self):
        if self.type not in REQUEST_TYPES:
            raise ValueError(f"unknown type {self.type!r}; expected one of {', '.join(REQUEST_TYPES)}")

    @property
    def doc_types(self) -> tuple[str, ...]:
        return DOC_TYPES if self.type == ALL_TYPES else (self.type,)
