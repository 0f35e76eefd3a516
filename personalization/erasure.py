"""Erasing a shopper on request: their profile, their events and the profiles of the
sessions they used are deleted; their logged searches are anonymised instead (the ranker
still trains on what was served and clicked, but nothing links it to the person)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from ranking.models import Event, SearchLog

from .models import ShopperProfile, profile_key
from .profiles import forget_cached


@dataclass(frozen=True)
class Erasure:
    profiles_deleted: int
    events_deleted: int
    searches_anonymised: int


def erase_shopper(shopper_id: str) -> Erasure:
    """Idempotent: erasing an unknown or already erased shopper erases nothing."""
    with transaction.atomic():
        events = Event.objects.filter(shopper_id=shopper_id)
        searches = SearchLog.objects.filter(shopper_id=shopper_id)
        sessions = set(events.values_list("session_id", flat=True).distinct())
        sessions |= set(searches.values_list("session_id", flat=True).distinct())
        sessions.discard("")
        keys = [profile_key(shopper_id=shopper_id), *(profile_key(session_id=s) for s in sorted(sessions))]
        profiles_deleted, _ = ShopperProfile.objects.filter(key__in=keys).delete()
        events_deleted, _ = events.delete()
        # The sessions' anonymous searches were the same person's too.
        searches_anonymised = SearchLog.objects.filter(
            Q(shopper_id=shopper_id) | Q(session_id__in=sessions)
        ).update(shopper_id="", session_id="")
    forget_cached(keys)
    return Erasure(profiles_deleted, events_deleted, searches_anonymised)


def erase_session(session_id: str) -> int:
    """Delete an anonymous session's profile; returns how many were deleted (0 or 1)."""
    key = profile_key(session_id=session_id)
    deleted, _ = ShopperProfile.objects.filter(key=key).delete()
    forget_cached([key])
    return deleted
