"""Recall beyond the text channels, through the API: a shopper's interest profile (from
their events) adds a personal channel and affinity features; videos are recalled and scored
through the products they tag."""

import uuid

from django.utils import timezone

from catalog.models import Video
from indexing.indexer import index_objects

SEARCH = "/api/search"


def search(client, **params) -> dict:
    response = client.get(SEARCH, {**params, "debug": "true"})
    assert response.status_code == 200, response.content
    return response.json()


def clicked(client, shopper: str, doc_id: str) -> None:
    event = {
        "event_id": str(uuid.uuid4()),
        "kind": "click",
        "search_id": str(uuid.uuid4()),
        "doc_id": doc_id,
        "position": 1,
        "shopper_id": shopper,
        "occurred_at": timezone.now().isoformat(),
    }
    response = client.post("/api/events", {"events": [event]}, content_type="application/json")
    assert response.status_code == 202, response.content


def test_a_shoppers_clicks_personalise_their_searches(client, small_catalog):
    headphones = f"product:{small_catalog['headphones'].pk}"
    clicked(client, "alice", headphones)

    mine = {hit["id"]: hit for hit in search(client, q="sony", shopper_id="alice")["results"]}
    anonymous = {hit["id"]: hit for hit in search(client, q="sony")["results"]}

    assert "personal" in mine[headphones]["channel_ranks"]
    assert mine[headphones]["features"]["category_affinity"] == 1.0
    assert mine[headphones]["features"]["brand_affinity"] == 1.0
    assert anonymous[headphones]["features"]["category_affinity"] == 0.0
    assert "personal" not in anonymous[headphones]["channel_ranks"]


def test_videos_are_recalled_and_scored_through_the_products_they_tag(client, small_catalog):
    video = f"video:{small_catalog['video'].pk}"
    # the video's own text never says "SRS-XB13"; the product it tags does
    results = search(client, q="srs-xb13", type="video")["results"]
    assert [hit["id"] for hit in results] == [video]
    assert "tagged" in results[0]["channel_ranks"]
    assert results[0]["features"]["propagated_relevance"] == 1.0


def test_a_transcript_far_from_the_query_is_no_passage_match(client, small_catalog):
    # Given two videos whose transcripts speak of a speaker and of toner
    shop = small_catalog["video"].shop
    near, far = (
        Video.objects.create(
            creator="gadgetgirl", shop=shop, title=title, transcript=transcript, published_at=timezone.now()
        )
        for title, transcript in (
            ("Weekend haul", "this little portable speaker has deep bass and a loud clear sound for parties"),
            ("Office restock", "replacing the black toner cartridge of a laser printer takes two minutes"),
        )
    )
    index_objects("video", [near.pk, far.pk])
    # When a shopper searches videos for a speaker
    ranks = {
        hit["id"]: hit["channel_ranks"]
        for hit in search(client, q="loud speaker deep bass", type="video")["results"]
    }
    # Then the near transcript is a passage match, the far one (far below the best) is not
    assert "passage" in ranks[f"video:{near.pk}"]
    assert "passage" not in ranks.get(f"video:{far.pk}", {})
