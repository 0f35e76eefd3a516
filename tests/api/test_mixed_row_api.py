"""The mixed row through the API: live streams only while live (even when one ends between
recall and blend), the seller badge, unknown shoppers, determinism."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from catalog.models import LiveStream
from indexing.backends.base import Hit
from ranking.features import FEATURE_INDEX, FEATURE_NAMES
from ranking.marketplace_config import ExplorationConfig, MarketplaceConfig, ObjectiveConfig
from searchapp.blend import Blend
from searchapp.live_status import open_streams
from searchapp.pipeline import PipelineConfig, SearchContext, SearchPipeline
from searchapp.search_request import SearchRequest

SEARCH = "/api/search"


@pytest.fixture(autouse=True)
def fresh_live_statuses():
    open_streams.forget()
    yield
    open_streams.forget()


def search(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def go_live(live: LiveStream, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        live.status = LiveStream.Status.LIVE
        live.started_at = timezone.now()
        live.save()


def test_a_live_stream_is_blended_in_while_it_is_live(
    client, small_catalog, django_capture_on_commit_callbacks
):
    go_live(small_catalog["live"], django_capture_on_commit_callbacks)
    body = search(client, q="printer deals live", type="all")
    ids = [hit["id"] for hit in body["results"]]
    assert f"live:{small_catalog['live'].pk}" in ids
    assert body["facets"]["type"]["live"] == 1


def test_a_stream_starting_soon_is_shown_and_a_later_one_is_not(
    client, small_catalog, django_capture_on_commit_callbacks
):
    live = small_catalog["live"]
    live_id = f"live:{live.pk}"
    for starts_in, shown in ((timedelta(minutes=10), True), (timedelta(hours=5), False)):
        with django_capture_on_commit_callbacks(execute=True):
            live.scheduled_at = timezone.now() + starts_in
            live.save()
        ids = [hit["id"] for hit in search(client, q="printer deals live", type="all")["results"]]
        assert (live_id in ids) is shown


def features_with(rows: int, **values: float) -> np.ndarray:
    """Feature rows, all missing but `values` and the personal affinities (0: no profile)."""
    matrix = np.full((rows, len(FEATURE_NAMES)), np.nan)
    no_profile = dict.fromkeys(("category_affinity", "brand_affinity", "price_affinity"), 0.0)
    for name, value in {**no_profile, **values}.items():
        matrix[:, FEATURE_INDEX[name]] = value
    return matrix


@pytest.mark.parametrize(("title_coverage", "live_first"), [(1.0, True), (0.0, False)])
def test_a_stream_on_air_must_match_the_query_to_compete_for_slots(
    small_catalog, django_capture_on_commit_callbacks, title_coverage, live_first
):
    # Given a stream on air whose engagement is worth far more than any product's
    go_live(small_catalog["live"], django_capture_on_commit_callbacks)
    products = [
        Hit("product", f"product:{small_catalog[name].pk}", 1.0, numbers={"price": 10.0})
        for name in ("toner", "printer", "speaker")
    ]
    live = Hit("live", f"live:{small_catalog['live'].pk}", 1.0, keywords={"status": ["live"]})
    ctx = SearchContext(
        request=SearchRequest(query="speaker", type="all"),
        candidates={"product": products, "live": [live]},
        features={
            "product": features_with(3, title_coverage=1.0),
            "live": features_with(1, title_coverage=title_coverage, dense_similarity=0.1),
        },
    )
    marketplace = MarketplaceConfig(
        objective=ObjectiveConfig(gmv_weight=1.0, live_engagement_value=1000.0),
        exploration=ExplorationConfig(positions=()),
    )
    # When the mixed row is blended
    Blend(marketplace).run(ctx)
    # Then it leads when it matches the query, and below the relevance floor (no query word
    # in its title, far in meaning, tagging none of the top products) it only fills the end
    assert [hit.doc_type for hit in ctx.page_hits] == (
        ["live", "product", "product", "product"] if live_first else ["product", "product", "product", "live"]
    )


def test_a_stream_that_ends_between_recall_and_blend_is_dropped(
    small_catalog, django_capture_on_commit_callbacks
):
    live = small_catalog["live"]
    go_live(live, django_capture_on_commit_callbacks)
    pipeline = SearchPipeline()
    blend_at = next(i for i, stage in enumerate(pipeline.stages) if stage.name == "blend")
    from searchapp.pipeline import SearchContext

    ctx = SearchContext(request=SearchRequest(query="printer deals live", type="all"))
    for stage in pipeline.stages[:blend_at]:
        stage.run(ctx)
    assert f"live:{live.pk}" in [hit.id for hit in ctx.candidates["live"]]  # recalled and ranked while live

    with django_capture_on_commit_callbacks(execute=True):
        live.status = LiveStream.Status.ENDED
        live.ended_at = timezone.now()
        live.save()
    for stage in pipeline.stages[blend_at:]:
        stage.run(ctx)

    assert f"live:{live.pk}" not in [hit.id for hit in ctx.page_hits]
    assert ctx.candidates["live"] == [] and ctx.facets["type"]["live"] == 0
    assert all(result["type"] != "live" for result in ctx.results)


def test_results_carry_the_shops_trust_badge(client, small_catalog):
    shop = small_catalog["toner"].shop
    shop.is_official, shop.rating = True, 4.8
    shop.save()
    from ranking.stats import reset_ranking_stats

    reset_ranking_stats()
    first = search(client, q="toner")["results"][0]
    assert first["shop_trust"]["badge"] == "official"
    assert 0 < first["shop_trust"]["score"] <= 1


def test_an_unknown_shopper_gets_the_anonymous_results(client, small_catalog):
    anonymous = search(client, q="sony")
    unknown = search(client, q="sony", shopper_id="nobody-we-know", session_id="fresh-session")
    assert [hit["id"] for hit in unknown["results"]] == [hit["id"] for hit in anonymous["results"]]
    assert "degraded" not in unknown


def test_a_too_long_shopper_id_is_a_400_naming_the_field(client, small_catalog):
    response = client.get(SEARCH, {"q": "sony", "shopper_id": "x" * 101})
    assert response.status_code == 400
    assert "shopper_id" in response.json()["errors"]


def test_the_same_request_gives_the_same_blended_page(client, small_catalog):
    first = search(client, q="sony speaker headphones", type="all")
    again = search(client, q="sony speaker headphones", type="all")
    assert [hit["id"] for hit in first["results"]] == [hit["id"] for hit in again["results"]]


def test_an_exploration_slot_is_marked_in_the_response_and_logged(client, small_catalog):
    from ranking.models import SearchLog
    from searchapp.marketplace_settings import marketplace_config
    from searchapp.models import MarketplaceSettings

    MarketplaceSettings.objects.create(pk=1, exploration_positions="1")
    marketplace_config.forget()
    body = search(client, q="sony")
    marketplace_config.forget()

    flags = [bool(hit.get("explored")) for hit in body["results"]]
    assert flags[0] and sum(flags) == 1
    # the explored document is a relevant one (the floor), never a stranger to the query
    assert "Sony" in body["results"][0]["title"]
    assert SearchLog.objects.get(search_id=body["search_id"]).explored_positions == [1]


def test_a_broken_visual_model_degrades_the_search_instead_of_failing_it(
    client, small_catalog, settings, tmp_path
):
    from indexing.visual import reset_visual_encoder

    settings.VISUAL_MODEL_PATH = str(tmp_path / "no-such-model")
    reset_visual_encoder()
    try:
        body = search(client, q="sony")
    finally:
        reset_visual_encoder()
    assert body["results"]
    assert any(reason.startswith("visual: ") for reason in body["degraded"])


def test_a_mixed_row_ranks_videos_and_lives_only_to_their_own_depth(small_catalog):
    """In type=all the media lists stop at mixed_media_rank_depth (they fill a few slots);
    a video search ranks its full depth, and products keep theirs in a mixed row."""
    pipeline = SearchPipeline(PipelineConfig.from_settings(mixed_media_rank_depth=0))
    mixed = pipeline.run(SearchRequest(query="printer toner", type="all"))
    videos_only = pipeline.run(SearchRequest(query="printer toner", type="video"))

    assert mixed.candidates["video"]  # still recalled, blended in first-stage order
    assert len(mixed.features["video"]) == 0
    assert len(videos_only.features["video"]) == len(videos_only.candidates["video"]) > 0
    assert len(mixed.features["product"]) == len(mixed.candidates["product"]) > 0
