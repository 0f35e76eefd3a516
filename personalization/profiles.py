"""Interest profiles: updated from batches of events (the `personalization.update_profiles`
task) and loaded, cached, on every search.

A profile keeps raw weights decayed to its `updated_at`: an event adds its kind's weight
(EVENT_WEIGHTS) times 0.5 ** (age / half-life) to the category (and, less, each ancestor),
brand and price band of every product its document stands for (doc_facts.py). Shoppers'
interests change over weeks, an anonymous session's intent over hours, hence two half-lives.
Decay multiplies every weight of a profile alike, so it never changes the normalised
affinities served; it matters when new events are added and when a shopper's profile is
blended with a session's.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .doc_facts import ProductFacts, credited_products
from .interest import InterestProfile, price_band
from .models import SESSION_PREFIX, ShopperProfile, profile_key

logger = logging.getLogger(__name__)

# Impressions say what the ranker showed, not what the shopper wanted: they weigh nothing.
EVENT_WEIGHTS = {"impression": 0.0, "click": 1.0, "add_to_cart": 3.0, "order": 5.0}
# Each level up the category tree gets this share of the level below's credit.
ANCESTOR_CREDIT = 0.5
# Decayed weights below this are dropped, so long-idle entries leave the profile.
MIN_WEIGHT = 1e-3
AFFINITY_MAPS = ("categories", "brands", "price_bands")
CACHE_PREFIX = "personalization:profile:"


def cache_key(key: str) -> str:
    """A profile's cache key: shopper and session ids are the client's (spaces, any script,
    100 characters), which memcached-style caches refuse in keys; a digest is safe anywhere."""
    return CACHE_PREFIX + hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ProfileUpdate:
    profiles_updated: int
    events_applied: int
    events_skipped: int  # no weight, no shopper/session, or a document no longer in the catalog


def half_life(key: str) -> timedelta:
    if key.startswith(SESSION_PREFIX):
        return timedelta(hours=settings.PERSONALIZATION_SESSION_HALF_LIFE_HOURS)
    return timedelta(days=settings.PERSONALIZATION_HALF_LIFE_DAYS)


def decay(age: timedelta, half: timedelta) -> float:
    """The share of its weight an event keeps after `age` (a future time, clock skew, keeps all)."""
    return 0.5 ** (max(age.total_seconds(), 0.0) / half.total_seconds())


class Credit(NamedTuple):
    key: str  # the profile
    doc_id: str
    weight: float  # the event kind's
    at: datetime


def update_profiles(events: Iterable[Mapping]) -> ProfileUpdate:
    """Add a batch of events (plain JSON values, as ranking.ingest_events receives them) to
    their profiles: one query for the documents' facts, one read and one write of the
    touched profiles. The rows are locked while updated, so concurrent batches for the
    same shopper do not lose each other's events."""
    credits, skipped = [], 0
    for event in events:
        key = profile_key(event.get("shopper_id") or "", event.get("session_id") or "")
        weight = EVENT_WEIGHTS.get(event.get("kind"), 0.0)
        at = occurred_at(event.get("occurred_at"))
        if key and weight and at:
            credits.append(Credit(key, str(event.get("doc_id")), weight, at))
        else:
            skipped += 1
    facts = credited_products({c.doc_id for c in credits}) if credits else {}
    applied = [c for c in credits if c.doc_id in facts]
    skipped += len(credits) - len(applied)
    if not applied:
        return ProfileUpdate(profiles_updated=0, events_applied=0, events_skipped=skipped)
    keys = sorted({c.key for c in applied})
    with transaction.atomic():
        # Locked in key order: two batches never wait on each other crosswise.
        stored = {
            profile.key: profile
            for profile in ShopperProfile.objects.select_for_update().filter(key__in=keys).order_by("key")
        }
        now = timezone.now()  # after the lock: no stored profile is newer
        profiles = {key: decayed_weights(stored.get(key), now) for key in keys}
        counts = {key: stored[key].event_count if key in stored else 0 for key in keys}
        for c in applied:
            share = c.weight * decay(now - c.at, half_life(c.key))
            for product, product_share in facts[c.doc_id]:
                credit(profiles[c.key], product, share * product_share)
            counts[c.key] += 1
        rows = [
            ShopperProfile(
                key=key, affinities=bounded(profiles[key]), event_count=counts[key], updated_at=now
            )
            for key in keys
        ]
        ShopperProfile.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["affinities", "event_count", "updated_at"],
        )
    forget_cached(keys)
    return ProfileUpdate(profiles_updated=len(rows), events_applied=len(applied), events_skipped=skipped)


def occurred_at(value: str | datetime | None) -> datetime | None:
    """An event's time, aware (a time without zone is UTC, as Django stores it); None when
    missing or unreadable: the event is skipped rather than failing its whole batch."""
    if not isinstance(value, datetime):
        try:
            value = parse_datetime(value or "")
        except (TypeError, ValueError):
            return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def decayed_weights(profile: ShopperProfile | None, now: datetime) -> dict[str, dict[str, float]]:
    """A stored profile's weights decayed from its `updated_at` to `now` (a new one: empty)."""
    weights: dict[str, dict[str, float]] = {name: defaultdict(float) for name in AFFINITY_MAPS}
    if profile is not None:
        factor = decay(now - profile.updated_at, half_life(profile.key))
        for name in AFFINITY_MAPS:
            for entry, weight in profile.affinities.get(name, {}).items():
                weights[name][entry] = weight * factor
    return weights


def credit(weights: dict[str, dict[str, float]], product: ProductFacts, amount: float) -> None:
    if product.category_path:
        parts = product.category_path.split("/")
        share = amount
        for depth in range(len(parts), 0, -1):  # the leaf first, then each ancestor
            weights["categories"]["/".join(parts[:depth])] += share
            share *= ANCESTOR_CREDIT
    if product.brand:
        weights["brands"][product.brand] += amount
    # JSON object keys are strings.
    weights["price_bands"][str(price_band(product.price))] += amount


def bounded(weights: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each map cut to its PERSONALIZATION_MAX_ENTRIES strongest entries (rows stay small)."""
    limit = settings.PERSONALIZATION_MAX_ENTRIES
    return {
        name: {
            entry: round(weight, 6)
            for entry, weight in sorted(entries.items(), key=lambda item: item[1], reverse=True)[:limit]
            if weight >= MIN_WEIGHT
        }
        for name, entries in weights.items()
    }


# --- Serving: called on every search.


def load_profile(shopper_id: str = "", session_id: str = "") -> InterestProfile | None:
    """The shopper's interests blended with the current session's, or None when neither has
    a profile (an unknown shopper is no error: there is nothing to personalise on).
    One cache round trip when cached (PERSONALIZATION_CACHE_SECONDS)."""
    keys = [key for key in (profile_key(shopper_id=shopper_id), profile_key(session_id=session_id)) if key]
    if not keys:
        return None
    stored = cached_profiles(keys)
    now = timezone.now()
    maps: dict[str, dict] = {name: defaultdict(float) for name in AFFINITY_MAPS}
    found = False
    for key in keys:
        entry = stored.get(key)
        if not entry:
            continue
        found = True
        updated_at, affinities = entry
        # A session's part fades with its age: yesterday's session says little about now.
        weight = 1.0
        if key.startswith(SESSION_PREFIX):
            weight = settings.PERSONALIZATION_SESSION_WEIGHT * decay(now - updated_at, half_life(key))
        for name in AFFINITY_MAPS:
            entries = affinities.get(name, {})
            top = max(entries.values(), default=0.0)
            for entry_name, value in entries.items():
                maps[name][entry_name] += weight * value / top
    if not found:
        return None
    return InterestProfile.from_weights(
        maps["categories"], maps["brands"], {int(band): value for band, value in maps["price_bands"].items()}
    )


def cached_profiles(keys: list[str]) -> dict[str, tuple[datetime, dict] | None]:
    """key -> (updated_at, affinities), None for a key without a profile (cached too, so
    unknown shoppers cost one cache read). A cache outage falls back to the database:
    personalisation must never fail a search."""
    cache_keys = {cache_key(key): key for key in keys}
    try:
        hits = {cache_keys[stored]: value for stored, value in cache.get_many(list(cache_keys)).items()}
    except Exception:  # any cache failure, whatever the cache backend
        logger.warning("profile cache unavailable; reading profiles from the database", exc_info=True)
        hits = {}
    missing = [key for key in keys if key not in hits]
    if missing:
        loaded = {
            key: (updated_at, affinities)
            for key, updated_at, affinities in ShopperProfile.objects.filter(key__in=missing).values_list(
                "key", "updated_at", "affinities"
            )
        }
        fresh = {key: loaded.get(key) for key in missing}
        try:
            cache.set_many(
                {cache_key(key): value for key, value in fresh.items()},
                timeout=settings.PERSONALIZATION_CACHE_SECONDS,
            )
        except Exception:
            logger.warning("profile cache unavailable; profiles not cached", exc_info=True)
        hits.update(fresh)
    return hits


def forget_cached(keys: Iterable[str]) -> None:
    """Called after profiles are written or deleted, so the next search reads them anew. A
    cache outage only delays that by the TTL: failing here, after the commit, would make the
    task retry and count its events twice."""
    try:
        cache.delete_many([cache_key(key) for key in keys])
    except Exception:
        logger.warning("profile cache unavailable; cached profiles expire by their TTL", exc_info=True)
