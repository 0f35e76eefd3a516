"""Rephrased searches in the search log: a shopper searched A, clicked nothing, and soon after
searched B and clicked. A pair seen in several sessions is what a synonym (or a spelling
rule) should have done for A, so the admin's search analytics offers it as a synonym rule.

A refinement is not a rephrasing: "toner" -> "hp toner" (every word of one in the other) is
left out. The log is read in session and time order, streamed: the work grows with the
period's searches, which is why it runs on a merchandiser's request only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from .models import Event, SearchLog

# B must follow A within this long to count as A rephrased.
REPHRASE_WINDOW = timedelta(minutes=10)
MIN_SESSIONS = 3


@dataclass(frozen=True)
class Rephrasing:
    typed: str  # what found nothing worth a click
    rephrased: str  # what the shopper searched next, and clicked
    sessions: int


def rephrasings(searches: QuerySet[SearchLog], min_sessions: int = MIN_SESSIONS) -> list[Rephrasing]:
    """Pairs seen in at least `min_sessions` sessions, the most frequent first."""
    clicked = set(
        Event.objects.filter(kind=Event.Kind.CLICK, search_id__in=searches.values("search_id")).values_list(
            "search_id", flat=True
        )
    )
    sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
    previous = None
    rows = (
        searches.exclude(session_id="")
        .order_by("session_id", "created_at")
        .values_list("session_id", "normalized_query", "created_at", "search_id")
    )
    for session, query, at, search_id in rows.iterator():
        if previous is not None:
            last_session, last_query, last_at, last_clicked = previous
            if (
                session == last_session
                and not last_clicked
                and search_id in clicked
                and at - last_at <= REPHRASE_WINDOW
                and not is_refinement(last_query, query)
            ):
                sessions[last_query, query].add(session)
        previous = (session, query, at, search_id in clicked)
    pairs = [Rephrasing(typed, rephrased, len(who)) for (typed, rephrased), who in sessions.items()]
    return sorted(
        (pair for pair in pairs if pair.sessions >= min_sessions),
        key=lambda p: (-p.sessions, p.typed, p.rephrased),
    )


def is_refinement(first: str, second: str) -> bool:
    """The same query, or one whose words all stand in the other ("toner" / "hp toner")."""
    a, b = set(first.split()), set(second.split())
    return a <= b or b <= a
