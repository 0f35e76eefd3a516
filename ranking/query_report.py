"""How each query performs, for merchandisers (the admin's search analytics): pages served,
the share of them that got a click, an add-to-cart, an order, and the revenue of those orders;
the same per day and for the whole period, to see whether a change moved them.

From the served-search log (SearchLog: one row per page served, the typed query normalised)
joined with shopper events by search id, grouped in the database whatever the log's size.
Simulated traffic (`simulate_traffic`) is left out unless asked for. Searches that found
nothing are not in the log: searchapp.models.UnmetQuery counts those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from .exploration import recent_searches
from .models import Event, SearchLog

TOP, LOW_CTR = "top", "low_ctr"
CENTS = Decimal("0.01")
ORDERINGS = (TOP, LOW_CTR)


@dataclass(frozen=True, kw_only=True)
class Outcomes:
    """What a set of served searches led to: how many, those with at least one click, add-to-
    cart and order (a search counts once however many it got), and the revenue of the orders."""

    searches: int = 0
    clicked: int = 0
    carted: int = 0
    ordered: int = 0
    revenue: Decimal = Decimal(0)

    @classmethod
    def counted(cls, row: dict, **key) -> Outcomes:
        """From one group of `outcomes_by`."""
        return cls(
            **key,
            **{name: row[name] for name in ("searches", "clicked", "carted", "ordered")},
            revenue=Decimal(row["revenue"] or 0).quantize(CENTS),
        )

    def share(self, count: int) -> float | None:
        return count / self.searches if self.searches else None

    @property
    def ctr(self) -> float | None:
        return self.share(self.clicked)

    @property
    def cart_rate(self) -> float | None:
        return self.share(self.carted)

    @property
    def order_rate(self) -> float | None:
        return self.share(self.ordered)

    @property
    def revenue_per_search(self) -> Decimal | None:
        return (self.revenue / self.searches).quantize(CENTS) if self.searches else None

    @staticmethod
    def total(parts: list[Outcomes]) -> Outcomes:
        """The sum of disjoint groups (the days of a period: a search falls on one day)."""
        return Outcomes(
            searches=sum(part.searches for part in parts),
            clicked=sum(part.clicked for part in parts),
            carted=sum(part.carted for part in parts),
            ordered=sum(part.ordered for part in parts),
            revenue=sum((part.revenue for part in parts), Decimal(0)),
        )


@dataclass(frozen=True, kw_only=True)
class QueryPerformance(Outcomes):
    query: str


def logged_searches(days: float, include_simulated: bool = False) -> QuerySet[SearchLog]:
    """The period's served searches that had words (exploration's window, less browsing)."""
    return recent_searches(days, include_simulated).exclude(normalized_query="")


def query_performance(
    searches: QuerySet[SearchLog], ordering: str = TOP, min_searches: int = 1, limit: int = 100
) -> list[QueryPerformance]:
    """Per normalised query, most searched first (TOP), or lowest click-through first among
    queries searched at least `min_searches` times (LOW_CTR: the ones that do not convert)."""
    if ordering not in ORDERINGS:
        raise ValueError(f"ordering must be one of {', '.join(ORDERINGS)}")

    rows = outcomes_by(searches, "normalized_query").filter(searches__gte=min_searches)
    if ordering == TOP:
        rows = rows.order_by("-searches", "normalized_query")
    else:
        ctr = Cast("clicked", FloatField()) / Cast("searches", FloatField())
        rows = rows.annotate(ctr=ctr).order_by("ctr", "-searches", "normalized_query")
    return [QueryPerformance.counted(row, query=row["normalized_query"]) for row in rows[:limit]]


@dataclass(frozen=True, kw_only=True)
class DayPerformance(Outcomes):
    day: date


def daily_performance(searches: QuerySet[SearchLog]) -> list[DayPerformance]:
    """Per day (the project's time zone), oldest first."""
    rows = outcomes_by(searches.annotate(day=TruncDate("created_at")), "day").order_by("day")
    return [DayPerformance.counted(row, day=row["day"]) for row in rows]


def outcomes_by(searches: QuerySet[SearchLog], key: str) -> QuerySet:
    """`searches` grouped by the SearchLog field `key`: per group the searches, those with at
    least one click, add-to-cart and order (a search counts once however many it got), and
    the revenue of their orders."""

    def engaged(kind: str) -> Exists:
        return Exists(Event.objects.filter(search_id=OuterRef("search_id"), kind=kind))

    money = DecimalField(max_digits=14, decimal_places=2)
    order_value = (
        Event.objects.filter(search_id=OuterRef("search_id"), kind=Event.Kind.ORDER)
        .values("search_id")
        .annotate(total=Sum("value"))
        .values("total")
    )
    return (
        searches.annotate(
            was_clicked=engaged(Event.Kind.CLICK),
            was_carted=engaged(Event.Kind.ADD_TO_CART),
            was_ordered=engaged(Event.Kind.ORDER),
            order_value=Coalesce(
                Subquery(order_value, output_field=money), Value(Decimal(0)), output_field=money
            ),
        )
        .values(key)
        .annotate(
            searches=Count("search_id"),
            clicked=Count("search_id", filter=Q(was_clicked=True)),
            carted=Count("search_id", filter=Q(was_carted=True)),
            ordered=Count("search_id", filter=Q(was_ordered=True)),
            revenue=Sum("order_value"),
        )
        .order_by()
    )
