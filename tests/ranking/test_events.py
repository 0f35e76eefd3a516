import uuid

import pytest

from ranking.events import EventBatchSerializer, flatten_errors, ingest_events
from ranking.models import Event
from ranking.tasks import ingest_events as ingest_events_task

SEARCH_ID = str(uuid.uuid4())


def event(**overrides) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "kind": "click",
        "search_id": SEARCH_ID,
        "doc_id": "product:12",
        "position": 3,
        "occurred_at": "2024-05-01T10:00:00Z",
        **overrides,
    }


def test_a_valid_batch_passes_validation():
    batch = [event(), event(kind="order", value="19.90", position=None, search_id=None)]

    assert EventBatchSerializer(data={"events": batch}).is_valid()


def test_malformed_events_are_rejected_with_a_reason_per_event_and_field():
    # Given a batch with one good event and several bad ones
    batch = [
        event(),
        event(kind="purchase"),
        event(doc_id="12"),
        event(position=None),
        event(kind="order", value=None),
        event(occurred_at="2999-01-01T00:00:00Z"),
        event(position=0, search_id="not-a-uuid"),
    ]

    # When it is validated
    serializer = EventBatchSerializer(data={"events": batch})
    assert not serializer.is_valid()
    errors = flatten_errors(serializer.errors)

    # Then every bad value is named, and the good event is not
    assert set(errors) == {
        "events[1].kind",
        "events[2].doc_id",
        "events[3].position",
        "events[4].value",
        "events[5].occurred_at",
        "events[6].position",
        "events[6].search_id",
    }
    assert errors["events[3].position"] == ["Required for click events."]


def test_an_empty_or_oversized_batch_is_rejected():
    assert not EventBatchSerializer(data={"events": []}).is_valid()
    assert not EventBatchSerializer(data={"events": [event() for _ in range(501)]}).is_valid()


@pytest.mark.django_db
def test_replayed_events_are_not_counted_twice():
    # Given a batch that was ingested once
    batch = [event(), event(kind="impression"), event(kind="add_to_cart", position=None)]
    first = ingest_events(batch)

    # When it is replayed (a client retry), along with one new event and an in-batch repeat
    fresh = event()
    second = ingest_events_task.delay([*batch, fresh, fresh]).get()

    # Then only the new event is stored
    assert first.inserted == 3
    assert second == {"received": 5, "inserted": 1, "duplicates": 4}
    assert Event.objects.count() == 4
    assert Event.objects.filter(event_id=fresh["event_id"]).count() == 1
