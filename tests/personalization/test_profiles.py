from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category, Product
from personalization.doc_facts import MEDIA_CREDIT
from personalization.models import ShopperProfile
from personalization.profiles import load_profile, update_profiles

from .conftest import event

pytestmark = pytest.mark.django_db


def affinities(key: str) -> dict:
    return ShopperProfile.objects.get(key=key).affinities


def test_a_click_one_half_life_old_weighs_half_a_fresh_click(catalog, settings):
    settings.PERSONALIZATION_HALF_LIFE_DAYS = 14
    update_profiles(
        [
            event(catalog["headset"], shopper_id="fresh"),
            event(catalog["headset"], shopper_id="old", age=timedelta(days=14)),
        ]
    )

    fresh, old = affinities("shopper:fresh"), affinities("shopper:old")

    assert old["brands"]["Sony"] == pytest.approx(fresh["brands"]["Sony"] / 2, rel=1e-3)
    assert fresh["brands"]["Sony"] == pytest.approx(1.0, rel=1e-3)


def test_stored_weights_decay_before_new_events_are_added(catalog, settings):
    settings.PERSONALIZATION_HALF_LIFE_DAYS = 14
    update_profiles([event(catalog["cartridge"], shopper_id="ann")])
    ShopperProfile.objects.filter(key="shopper:ann").update(
        updated_at=ShopperProfile.objects.get(key="shopper:ann").updated_at - timedelta(days=28)
    )

    update_profiles([event(catalog["headset"], kind="add_to_cart", shopper_id="ann")])

    brands = affinities("shopper:ann")["brands"]
    assert brands["HP"] == pytest.approx(0.25, rel=1e-3)  # two half-lives
    assert brands["Sony"] == pytest.approx(3.0, rel=1e-3)  # add_to_cart weight
    assert ShopperProfile.objects.get(key="shopper:ann").event_count == 2


def test_categories_credit_the_leaf_and_less_its_ancestors(catalog):
    update_profiles([event(catalog["headset"], shopper_id="ann")])

    categories = affinities("shopper:ann")["categories"]

    assert categories["audio/headphones"] == pytest.approx(2 * categories["audio"])
    assert "printing" not in categories


def test_a_video_event_credits_its_tagged_products_with_a_smaller_share(catalog):
    update_profiles([event(catalog["video"], shopper_id="viewer")])

    stored = affinities("shopper:viewer")

    # Two tagged products share the media credit.
    assert stored["categories"]["audio/headphones"] == pytest.approx(MEDIA_CREDIT / 2, rel=1e-3)
    assert stored["categories"]["audio/speakers"] == pytest.approx(MEDIA_CREDIT / 2, rel=1e-3)
    assert stored["brands"]["Sony"] == pytest.approx(MEDIA_CREDIT, rel=1e-3)
    assert set(stored["price_bands"]) == {"8", "6"}


def test_deleted_and_unknown_documents_in_a_batch_are_skipped(catalog):
    Product.objects.filter(external_id="speaker").delete()

    result = update_profiles(
        [
            event(catalog["speaker"], shopper_id="ann"),
            event("product:999999", shopper_id="ann"),
            event(catalog["cartridge"], shopper_id="ann"),
            event(catalog["cartridge"], kind="impression", shopper_id="ann"),
            event(catalog["cartridge"]),  # neither shopper nor session
        ]
    )

    assert (result.profiles_updated, result.events_applied, result.events_skipped) == (1, 1, 4)
    assert set(affinities("shopper:ann")["brands"]) == {"HP"}


def test_a_profile_naming_a_deleted_category_still_loads_and_scores(catalog):
    update_profiles(
        [event(catalog["headset"], shopper_id="ann"), event(catalog["cartridge"], shopper_id="ann")]
    )
    Product.objects.filter(external_id="cartridge").delete()
    Category.objects.filter(path="printing/toner").delete()

    profile = load_profile(shopper_id="ann")
    columns = profile.affinity_columns(
        [["audio", "audio/headphones"], ["printing", "printing/ink"]],
        ["Sony", "Epson"],
        np.array([300.0, 20.0]),
    )

    assert "printing/toner" in dict(profile.top_categories(10))
    assert columns[0].tolist() == [1.0, 1.0, 1.0]
    assert columns[1, 0] == pytest.approx(0.5 * 0.5)  # the surviving parent "printing", one level up
    assert columns[1, 1] == 0.0


def test_an_unknown_shopper_has_no_profile_and_costs_no_query_once_cached(django_assert_num_queries):
    assert load_profile() is None
    assert load_profile(shopper_id="nobody") is None
    with django_assert_num_queries(0):
        assert load_profile(shopper_id="nobody") is None


def test_an_anonymous_shopper_gets_a_session_profile_blended_in_after_login(catalog):
    update_profiles([event(catalog["cartridge"], session_id="s1")])
    update_profiles([event(catalog["headset"], shopper_id="ann", session_id="s2")])

    anonymous = load_profile(session_id="s1")
    logged_in = load_profile(shopper_id="ann", session_id="s1")

    assert ShopperProfile.objects.filter(key="session:s2").exists() is False  # a known shopper's own profile
    assert dict(anonymous.top_brands(5)) == {"HP": 1.0}
    assert dict(logged_in.top_brands(5)) == {
        "Sony": pytest.approx(1.0, rel=1e-3),
        "HP": pytest.approx(1.0, rel=1e-3),
    }


def test_an_old_session_fades_out_of_the_blend(catalog, settings):
    settings.PERSONALIZATION_SESSION_HALF_LIFE_HOURS = 2
    update_profiles(
        [event(catalog["headset"], shopper_id="ann"), event(catalog["cartridge"], session_id="s1")]
    )
    session = ShopperProfile.objects.get(key="session:s1")
    ShopperProfile.objects.filter(pk=session.pk).update(updated_at=session.updated_at - timedelta(hours=4))

    brands = dict(load_profile(shopper_id="ann", session_id="s1").top_brands(5))

    assert brands["Sony"] == 1.0
    assert brands["HP"] == pytest.approx(0.25, rel=1e-3)


def test_an_update_replaces_the_cached_profile(catalog):
    update_profiles([event(catalog["headset"], shopper_id="ann")])
    assert dict(load_profile(shopper_id="ann").top_brands(5)) == {"Sony": 1.0}

    update_profiles([event(catalog["cartridge"], kind="order", value="30.00", shopper_id="ann")])

    assert dict(load_profile(shopper_id="ann").top_brands(5)) == {
        "HP": 1.0,
        "Sony": pytest.approx(0.2, rel=1e-3),
    }


def test_any_client_id_is_a_safe_cache_key(catalog, recwarn):
    # ids come from clients: spaces, other scripts, punctuation; a memcached-style cache
    # refuses such keys (Django warns, CacheKeyWarning), so profiles are cached by digest
    shopper = "ann smith: 中文 / 1"
    update_profiles([event(catalog["headset"], shopper_id=shopper)])
    assert dict(load_profile(shopper_id=shopper).top_brands(5)) == {"Sony": 1.0}
    assert dict(load_profile(shopper_id=shopper).top_brands(5)) == {"Sony": 1.0}  # from the cache
    assert not [w for w in recwarn if w.category.__name__ == "CacheKeyWarning"]


def test_affinity_maps_keep_only_their_strongest_entries(catalog, settings):
    settings.PERSONALIZATION_MAX_ENTRIES = 2
    update_profiles(
        [
            event(catalog["headset"], kind="order", value="1", shopper_id="ann"),
            event(catalog["speaker"], kind="add_to_cart", shopper_id="ann"),
            event(catalog["cartridge"], shopper_id="ann"),
        ]
    )

    stored = affinities("shopper:ann")

    assert all(len(entries) <= 2 for entries in stored.values())
    assert set(stored["categories"]) == {"audio/headphones", "audio"}
    assert set(stored["price_bands"]) == {"8", "6"}


def test_a_batch_costs_one_facts_query_one_read_and_one_write(catalog):
    batch = [
        event(catalog[name], shopper_id=f"shopper-{i}") for i, name in enumerate(["headset", "video", "live"])
    ]
    batch += [event(catalog["speaker"], session_id="s1")]

    with CaptureQueriesContext(connection) as queries:
        result = update_profiles(batch)

    statements = [query["sql"].lstrip("(").split()[0] for query in queries.captured_queries]
    # The rest are the transaction savepoints; a union query starts with "(".
    assert [s for s in statements if s in ("SELECT", "INSERT", "UPDATE")] == ["SELECT", "SELECT", "INSERT"]
    assert (result.profiles_updated, result.events_applied) == (4, 4)
    assert affinities("shopper:shopper-2")["brands"] == {"HP": pytest.approx(MEDIA_CREDIT, rel=1e-3)}


def test_an_unreadable_time_skips_only_its_event_and_a_time_without_zone_is_utc(catalog):
    naive = (timezone.now() - timedelta(days=14)).replace(tzinfo=None).isoformat()

    result = update_profiles(
        [
            event(catalog["headset"], shopper_id="ann", occurred_at="yesterday"),
            event(catalog["cartridge"], shopper_id="ann", occurred_at=naive),
        ]
    )

    assert (result.events_applied, result.events_skipped) == (1, 1)
    assert affinities("shopper:ann")["brands"] == {"HP": pytest.approx(0.5, rel=1e-3)}
