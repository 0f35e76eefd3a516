import pytest

from personalization.models import ShopperProfile
from personalization.profiles import load_profile

from .conftest import event

pytestmark = pytest.mark.django_db


def post_events(client, events):
    response = client.post("/api/events", {"events": events}, content_type="application/json")
    assert response.status_code == 202, response.content
    return response


def test_posted_events_update_the_profile_once_even_when_the_batch_is_replayed(client, catalog):
    batch = [
        event(catalog["headset"], shopper_id="ann"),
        event(catalog["cartridge"], kind="add_to_cart", position=None, search_id=None, shopper_id="ann"),
        event(catalog["speaker"], kind="impression", shopper_id="ann"),
    ]

    post_events(client, batch)
    stored = ShopperProfile.objects.get(key="shopper:ann")
    post_events(client, batch)

    assert stored.event_count == 2  # the impression weighs nothing
    assert ShopperProfile.objects.get(key="shopper:ann").affinities == stored.affinities
    assert load_profile(shopper_id="ann").top_brands(1) == [("HP", 1.0)]
