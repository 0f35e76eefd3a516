import uuid

import pytest
from django.utils import timezone

from personalization.models import ShopperProfile
from personalization.profiles import load_profile, update_profiles
from ranking.events import ingest_events
from ranking.models import Event, SearchLog

from .conftest import event

pytestmark = pytest.mark.django_db


def search_log(shopper_id="", session_id="") -> SearchLog:
    return SearchLog.objects.create(
        query="headphones",
        normalized_query="headphones",
        doc_type="product",
        shopper_id=shopper_id,
        session_id=session_id,
        created_at=timezone.now(),
    )


@pytest.fixture
def ann(catalog):
    """Ann browsed anonymously in session s1, then logged in (session s2); Bob is someone else."""
    events = [
        event(catalog["cartridge"], session_id="s1"),
        event(catalog["headset"], shopper_id="ann", session_id="s1"),
        event(catalog["speaker"], shopper_id="ann", session_id="s2"),
        event(catalog["speaker"], shopper_id="bob", session_id="s3"),
    ]
    ingest_events(events)
    update_profiles(events)
    for shopper_id, session_id in (("ann", "s2"), ("", "s1"), ("bob", "s3")):
        search_log(shopper_id, session_id)
    assert load_profile(shopper_id="ann", session_id="s1") is not None  # now cached


def test_erasing_a_shopper_deletes_profiles_and_events_and_anonymises_searches(client, ann):
    response = client.delete("/api/shoppers/ann")

    assert response.status_code == 200
    assert response.json() == {"profiles_deleted": 2, "events_deleted": 2, "searches_anonymised": 2}
    assert set(ShopperProfile.objects.values_list("key", flat=True)) == {"shopper:bob"}
    assert not Event.objects.filter(shopper_id="ann").exists()
    assert SearchLog.objects.count() == 3  # kept for training, unlinked from Ann
    assert SearchLog.objects.filter(shopper_id="", session_id="").count() == 2
    assert load_profile(shopper_id="ann", session_id="s1") is None  # not served from the cache
    assert load_profile(shopper_id="bob") is not None


def test_erasing_twice_or_an_unknown_shopper_answers_zeros(client, ann):
    client.delete("/api/shoppers/ann")

    again = client.delete("/api/shoppers/ann")
    unknown = client.delete(f"/api/shoppers/{uuid.uuid4()}")

    zeros = {"profiles_deleted": 0, "events_deleted": 0, "searches_anonymised": 0}
    assert (again.status_code, again.json()) == (200, zeros)
    assert (unknown.status_code, unknown.json()) == (200, zeros)


@pytest.mark.parametrize("bad_id", ["x" * 101, "a%00b"])
def test_a_bad_shopper_id_gets_400_and_erases_nothing(client, ann, bad_id):
    response = client.delete(f"/api/shoppers/{bad_id}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["shopper_id"]
    assert ShopperProfile.objects.count() == 3


def test_an_id_with_a_slash_is_an_id_too(client, catalog):
    update_profiles([event(catalog["headset"], shopper_id="shop/42")])

    response = client.delete("/api/shoppers/shop/42")

    assert response.json()["profiles_deleted"] == 1


def test_erasing_a_session_deletes_only_its_profile(client, ann):
    first = client.delete("/api/sessions/s1")
    again = client.delete("/api/sessions/s1")
    too_long = client.delete("/api/sessions/" + "s" * 101)

    assert (first.status_code, first.json()) == (200, {"profiles_deleted": 1})
    assert again.json() == {"profiles_deleted": 0}
    assert (too_long.status_code, list(too_long.json()["errors"])) == (400, ["session_id"])
    assert load_profile(session_id="s1") is None
    assert Event.objects.count() == 4


def test_other_methods_are_not_allowed(client):
    response = client.get("/api/shoppers/ann")

    assert response.status_code == 405
    assert "errors" in response.json()
