import uuid

import pytest

from ranking.models import Event


def click(**overrides) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "kind": "click",
        "search_id": str(uuid.uuid4()),
        "doc_id": "product:7",
        "position": 2,
        "occurred_at": "2024-05-01T10:00:00Z",
        **overrides,
    }


@pytest.mark.django_db
def test_a_valid_batch_is_accepted_and_a_replay_is_not_counted_twice(client):
    batch = {"events": [click(), click(kind="impression")]}

    first = client.post("/api/events", batch, content_type="application/json")
    replay = client.post("/api/events", batch, content_type="application/json")

    assert (first.status_code, replay.status_code) == (202, 202)
    assert first.json() == {"accepted": 2}
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_what_is_stored_is_what_was_validated(client):
    # an id padded with spaces is trimmed by validation: its unpadded replay is a replay
    event = click(event_id="  e-1 ", occurred_at="2024-05-01", value=None)
    client.post("/api/events", {"events": [event]}, content_type="application/json")
    client.post("/api/events", {"events": [{**event, "event_id": "e-1"}]}, content_type="application/json")

    stored = Event.objects.get()
    assert stored.event_id == "e-1"
    # a date alone is midnight UTC, stored with its zone
    assert stored.occurred_at.isoformat() == "2024-05-01T00:00:00+00:00"


@pytest.mark.django_db
def test_a_malformed_batch_gets_400_with_a_reason_per_bad_value_and_stores_nothing(client):
    batch = {"events": [click(), click(kind="like", doc_id="seven")]}

    response = client.post("/api/events", batch, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"events[1].kind", "events[1].doc_id"}
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_health_reports_the_ranker_falling_back_without_a_model(client):
    ranker = client.get("/api/health").json()["ranker"]

    assert ranker["status"] == "degraded"
    assert "first-stage order" in ranker["detail"]
