"""The slot allocator: fills a result page, slot by slot, with the candidate of highest
expected utility that the merchandiser's constraints allow (ranking/marketplace_config.py
BlendConfig):

- at most `max_lives_in_top` live streams in the first `lives_top_k` slots (streams that
  are not live or about to start never reach here: the Blend stage drops them);
- no more than `max_consecutive_same_seller` consecutive items of one shop or one brand
  (mixed rows: in a one-type list of "hp toner" the brand rule would push relevant HP
  items below irrelevant ones);
- each further item of a shop already on the page counts `shop_repeat_decay` times less
  (spreads exposure across sellers: a soft rule, so one shop's better match still wins);
- each type's share of a page within its (minimum, maximum): a slot is reserved for a type
  still short of its minimum when the page has no other way left to meet it; the maximum
  holds for every first n slots too (rounded up), so a type worth more than the others is
  spread down the page instead of filling its top: with videos capped at 0.3, one video in
  the first three slots, two in the first six. (Rank calibration learned from simulated
  clicks put a video's first slot at twice a product's, and every mixed row opened with
  three videos.)
- exploration slots: the page positions given to cold-start exploration take the chosen
  documents (one page's worth each), whatever their utility; a chosen document that earned
  an earlier slot on its own keeps it, and its exploration slot takes the next choice.

Greedy, one pass per slot over the head of each type's queue, deterministic: ties go to the
earlier-ranked candidate, then to the type order. When no candidate satisfies every rule,
the seller rule gives way first, then the shares: a page is never left short while
candidates remain. Every page is computed from the first slot, so page 2 continues page 1.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from indexing.backends.base import Hit
from ranking.marketplace_config import BlendConfig
from ranking.stats import shop_of

# How far down a type's queue to look for a candidate that keeps the seller rule.
SELLER_LOOKAHEAD = 20
NO_STREAK = (None, None)


@dataclass(frozen=True)
class Slot:
    hit: Hit
    utility: float
    explored: bool = False


@dataclass
class _PageState:
    """What the page being filled holds so far, kept up to date slot by slot."""

    types: Counter = field(default_factory=Counter)
    shops: Counter = field(default_factory=Counter)

    def add(self, hit: Hit) -> None:
        self.types[hit.doc_type] += 1
        self.shops[seller_keys(hit)[0]] += 1


@dataclass
class _Queue:
    doc_type: str
    hits: Sequence[Hit]
    utilities: Sequence[float]
    next: int = 0

    def __post_init__(self):
        # Read once per candidate scanned, many times per page (callers cut queues to what
        # can reach the page).
        self.sellers = [seller_keys(hit) for hit in self.hits]


def seller_keys(hit: Hit) -> tuple[str, str]:
    brand = hit.keywords.get("brand") or ("",)
    return shop_of(hit), brand[0]


class SlotAllocator:
    def __init__(
        self,
        config: BlendConfig,
        page_size: int,
        exploration_positions: Sequence[int] = (),
        single_type: bool = False,
    ):
        self.config = config
        self.page_size = page_size
        self.exploration_positions = frozenset(p for p in exploration_positions if p <= page_size)
        # A single-type list has no shares to keep.
        self.single_type = single_type
        # Slots per page each type must have (when it can).
        self.min_slots = {t: math.ceil(low * page_size - 1e-9) for t, (low, _) in config.type_shares.items()}
        # Of the first n slots (n = 1..page_size) each type may take at most
        # ceil(max share x n), and never more than its page maximum, floor(max share x page).
        self.max_slots_by_prefix = {
            t: [
                min(math.ceil(high * n - 1e-9), math.floor(high * page_size + 1e-9))
                for n in range(page_size + 1)
            ]
            for t, (_, high) in config.type_shares.items()
        }

    def allocate(
        self,
        ranked: Mapping[str, tuple[Sequence[Hit], Sequence[float]]],
        explorations: Sequence[Sequence[Hit]] = (),
        slots: int = 20,
    ) -> list[Slot]:
        """`ranked`: doc_type -> (hits in utility order, their utilities), in type order.
        `explorations[p]`: the documents page p + 1 explores, in slot order."""
        queues = [_Queue(doc_type, hits, utilities) for doc_type, (hits, utilities) in ranked.items()]
        if not self.exploration_positions:
            explorations = ()
        placed: list[Slot] = []
        placed_ids: set[str] = set()
        page_state = _PageState()
        total = sum(len(queue.hits) for queue in queues)
        while len(placed) < min(slots, total):
            page, position = divmod(len(placed), self.page_size)
            if position == 0:
                page_state = _PageState()
            slot = None
            if position + 1 in self.exploration_positions and page < len(explorations):
                slot = self.exploration_slot(explorations[page], placed_ids)
            if slot is None:
                slot = self.best_slot(queues, placed, placed_ids, page_state)
            if slot is None:
                break
            placed.append(slot)
            placed_ids.add(slot.hit.id)
            page_state.add(slot.hit)
        return placed

    @staticmethod
    def exploration_slot(page_explorations: Sequence[Hit], placed_ids: set[str]) -> Slot | None:
        for hit in page_explorations:
            if hit.id not in placed_ids:
                return Slot(hit, 0.0, explored=True)
        return None

    def best_slot(
        self, queues: list[_Queue], placed: list[Slot], placed_ids: set[str], page: _PageState
    ) -> Slot | None:
        for queue in queues:
            while queue.next < len(queue.hits) and queue.hits[queue.next].id in placed_ids:
                queue.next += 1
        open_queues = [queue for queue in queues if queue.next < len(queue.hits)]
        if not open_queues:
            return None
        allowed = self.allowed_by_shares(open_queues, page)
        allowed = [q for q in allowed if self.live_allowed(q, placed)] or allowed
        for streak in (self.seller_streak(placed), NO_STREAK):
            best = None
            for order, queue in enumerate(allowed):
                found = self.best_in_queue(queue, placed_ids, page.shops, streak)
                if found is None:
                    continue
                index, utility = found
                key = (utility, -index, -order)
                if best is None or key > best[0]:
                    best = (key, queue, index)
            if best is not None:
                (utility, _, _), queue, index = best
                return Slot(queue.hits[index], utility)
        return None

    def allowed_by_shares(self, queues: list[_Queue], page: _PageState) -> list[_Queue]:
        if self.single_type:
            return queues
        counts = page.types
        needs = {
            queue.doc_type: max(0, self.min_slots.get(queue.doc_type, 0) - counts[queue.doc_type])
            for queue in queues
        }
        if sum(needs.values()) >= self.page_size - page.types.total():
            needy = [queue for queue in queues if needs[queue.doc_type] > 0]
            if needy:
                return needy
        # The slot being filled is the (placed + 1)-th of the page.
        prefix = page.types.total() + 1
        under_max = [
            queue
            for queue in queues
            if queue.doc_type not in self.max_slots_by_prefix
            or counts[queue.doc_type] < self.max_slots_by_prefix[queue.doc_type][prefix]
        ]
        return under_max or queues

    def live_allowed(self, queue: _Queue, placed: list[Slot]) -> bool:
        config = self.config
        if queue.doc_type != "live" or len(placed) >= config.lives_top_k:
            return True
        return sum(slot.hit.doc_type == "live" for slot in placed) < config.max_lives_in_top

    def seller_streak(self, placed: list[Slot]) -> tuple[str | None, str | None]:
        """The shop and the brand the last `max_consecutive_same_seller` items all share, if
        they do (mixed rows only): a candidate of either would make one too many in a row."""
        limit = 0 if self.single_type else self.config.max_consecutive_same_seller
        if not limit or len(placed) < limit:
            return NO_STREAK
        recent = [seller_keys(slot.hit) for slot in placed[-limit:]]
        shops, brands = {shop for shop, _ in recent}, {brand for _, brand in recent}
        return (
            next(iter(shops)) if len(shops) == 1 else None,
            next(iter(brands)) if len(brands) == 1 else None,
        )

    def best_in_queue(
        self,
        queue: _Queue,
        placed_ids: set[str],
        shop_counts: Counter,
        streak: tuple[str | None, str | None],
    ) -> tuple[int, float] | None:
        """(index, damped utility) of the queue's best candidate within the lookahead: its
        utility times `shop_repeat_decay` per item of its shop already on the page, among
        those that do not extend the seller `streak`."""
        recent_shop, recent_brand = streak
        decay = self.config.shop_repeat_decay
        utilities = queue.utilities
        best = None
        seen = 0
        for index in range(queue.next, len(queue.hits)):
            # Utilities only fall down the queue and damping only lowers them: nothing
            # further down can beat the best found.
            if best is not None and utilities[index] <= best[1]:
                break
            hit = queue.hits[index]
            if hit.id in placed_ids:
                continue
            seen += 1
            shop, brand = queue.sellers[index]
            if not ((shop and shop == recent_shop) or (brand and brand == recent_brand)):
                utility = float(utilities[index]) * (decay ** shop_counts[shop] if shop else 1.0)
                if best is None or utility > best[1]:
                    best = (index, utility)
            if seen >= SELLER_LOOKAHEAD:
                break
        return best
