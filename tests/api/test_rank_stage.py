"""The Rank stage of GET /api/search: the promoted LightGBM model orders the first stage's
candidates, the first-stage order stands (and the response says so) without a usable model,
and feature logging stores exactly the vectors the model scored."""

import uuid
import weakref

import lightgbm as lgb
import numpy as np
import orjson
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory

from ranking.feature_log import forget_searches
from ranking.features import FEATURE_INDEX, FEATURE_NAMES, decode_vector
from ranking.models import ImpressionLog, SearchLog
from ranking.registry import decide, in_canary, register, reset_serving_ranker
from searchapp.marketplace_settings import marketplace_config
from searchapp.models import MarketplaceSettings

SEARCH = "/api/search"
QUERY = "sony hp speaker toner printer headphones"


@pytest.fixture(autouse=True)
def no_cached_model():
    reset_serving_ranker()
    yield
    reset_serving_ranker()


@pytest.fixture(autouse=True)
def relevance_only(db):
    """The page in the ranker's order: the marketplace layer (GMV, exploration, seller
    rules) switched off in the admin, as these tests are about the Rank stage alone."""
    marketplace_config.forget()
    MarketplaceSettings.objects.create(pk=1, enabled=False)
    yield
    marketplace_config.forget()


def search(client, **params):
    response = client.get(SEARCH, {"q": QUERY, "type": "product", **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[str]:
    return [hit["id"] for hit in body["results"]]


def reversing_model(sign: int = 1) -> lgb.Booster:
    """Scores grow with first_stage_rank: a model that turns the first-stage order around
    (`sign=-1`: one that keeps it)."""
    rng = np.random.default_rng(0)
    features = rng.random((200, len(FEATURE_NAMES)))
    features[:, FEATURE_INDEX["first_stage_rank"]] = np.tile(np.arange(1, 21), 10)
    labels = sign * features[:, FEATURE_INDEX["first_stage_rank"]]
    data = lgb.Dataset(features, label=labels, feature_name=list(FEATURE_NAMES))
    params = {"objective": "regression", "verbose": -1, "min_data_in_leaf": 1, "num_leaves": 31}
    return lgb.train(params, data, num_boost_round=30)


def promote(booster: lgb.Booster):
    record = register(booster, {"validation_ndcg@10": 1.0, "incumbent_validation_ndcg@10": 0.0}, {})
    assert decide(record)
    return record


def test_without_a_model_the_first_stage_order_stands_and_health_says_so(client, small_catalog):
    body = search(client, debug=1)

    assert len(body["results"]) >= 3
    assert body["debug"]["model_versions"]["product"] is None
    first_stage_ranks = [hit["stage_scores"]["first_stage_rank"] for hit in body["results"]]
    assert first_stage_ranks == sorted(first_stage_ranks)
    assert all(hit["stage_scores"]["rank"] is None for hit in body["results"])
    health = client.get("/api/health").json()
    assert health["ranker"]["status"] == "degraded"


def test_the_promoted_model_orders_the_candidates(client, small_catalog):
    # given the first-stage order, then a promoted model that reverses it
    first_stage = ids(search(client))
    record = promote(reversing_model())

    # when the same search is made
    body = search(client, debug=1)

    # then the Rank stage used the model and changed the order
    assert ids(body) == first_stage[::-1]
    assert body["debug"]["model_versions"]["product"] == record.version
    assert not any(reason.startswith("rank:") for reason in body.get("degraded", []))
    scores = [hit["stage_scores"]["rank"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(set(hit["features"]) == set(FEATURE_NAMES) for hit in body["results"])


def test_an_incompatible_model_falls_back_to_the_first_stage(client, small_catalog):
    first_stage = ids(search(client))
    record = promote(reversing_model())
    record.feature_manifest = {"version": "0ld", "names": ["bm25_title"]}
    record.save(update_fields=["feature_manifest"])
    reset_serving_ranker()

    body = search(client)

    assert ids(body) == first_stage
    assert any(
        reason.startswith("rank: product: serving the first-stage order")
        and "trained on feature list 0ld" in reason
        for reason in body["degraded"]
    )


def test_feature_logging_stores_the_vectors_the_ranker_scored(client, small_catalog):
    promote(reversing_model())

    body = search(client, debug=1)

    # then the served page and its feature vectors are logged under the response's search id
    search_log = SearchLog.objects.get(search_id=body["search_id"])
    impressions = list(ImpressionLog.objects.filter(search=search_log).order_by("position"))
    assert [i.doc_id for i in impressions] == ids(body)
    assert [i.position for i in impressions] == list(range(1, len(impressions) + 1))
    for impression, hit in zip(impressions, body["results"], strict=True):
        served = np.array([hit["features"][name] for name in FEATURE_NAMES], dtype=np.float32)
        np.testing.assert_array_equal(decode_vector(impression.features), served)
    assert search_log.model_version == body["debug"]["model_versions"]["product"]


def test_forgotten_searches_leave_no_search_log_or_impressions_and_the_others_stay(client, small_catalog):
    # Given three logged searches, two of them a benchmark's
    benchmark = [search(client)["search_id"] for _ in range(2)]
    shopper = search(client)
    assert ImpressionLog.objects.filter(search_id__in=benchmark).exists()

    # When the benchmark forgets its own, with an id never logged among them
    forgotten = forget_searches([*benchmark, str(uuid.uuid4())])

    # Then they and their impressions are gone, and the shopper's search is kept whole
    assert forgotten == 2
    assert not SearchLog.objects.filter(search_id__in=benchmark).exists()
    assert not ImpressionLog.objects.filter(search_id__in=benchmark).exists()
    assert ImpressionLog.objects.filter(search_id=shopper["search_id"]).count() == len(shopper["results"])


def test_the_feature_log_is_written_once_the_response_is_sent_not_before(small_catalog):
    # Given a search answered by the view (a WSGI server calls close() after sending the body)
    from searchapp.api.views import SearchView

    request = RequestFactory().get(SEARCH, {"q": QUERY, "type": "product"})
    response = SearchView.as_view()(request)
    search_id = orjson.loads(response.content)["search_id"]

    # Then nothing was written while the shopper waited
    assert not SearchLog.objects.filter(search_id=search_id).exists()

    # and the page is logged once the response has been sent (as django.test.Client does,
    # keep the test's database connection open through request_finished)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert ImpressionLog.objects.filter(search__search_id=search_id).count() == len(
        orjson.loads(response.content)["results"]
    )


def test_a_sent_response_lets_go_of_its_search_at_once():
    # Given a response holding after-response work over a search's context
    from searchapp.api.views import ThenResponse

    class Context:  # stands for a SearchContext: hundreds of hits
        pass

    ran = []

    def respond(context):
        return ThenResponse(b"{}", then=lambda: ran.append(context))

    context = Context()
    alive = weakref.ref(context)
    response = respond(context)
    del context
    ran_before_close = list(ran)

    # When the server has sent it and closed it, and the work's own result is dropped
    response.close()
    ran_at_close = len(ran)
    ran.clear()

    # Then the work ran once, after sending, and nothing keeps the context alive (no wait for
    # a full garbage collection), even though the response object itself lives on
    assert (ran_before_close, ran_at_close) == ([], 1)
    assert alive() is None
    response.close()
    assert ran == []


def test_expired_ranking_stats_are_reloaded_after_the_response_not_during_the_search(
    client, small_catalog, settings, monkeypatch
):
    # given stats loaded by a first search, then past their TTL
    from ranking import stats

    loads = []
    real_load = stats.load_ranking_stats

    def counted_load():
        # a reload while a search is served is one the shopper waits for
        loads.append("while serving" if getattr(stats._serving, "depth", 0) else "outside")
        return real_load()

    monkeypatch.setattr(stats, "load_ranking_stats", counted_load)
    stats.reset_ranking_stats()
    assert client.get(SEARCH, {"q": QUERY}).status_code == 200
    settings.RANKING_STATS_TTL_SECONDS = 0

    # when a shopper searches (the test client runs the after-response work inside get())
    response = client.get(SEARCH, {"q": QUERY})

    # then the search used the expired stats and the reload came once the response was sent
    assert response.status_code == 200
    assert loads == ["while serving", "outside"]  # the first: no stats were loaded at all
    # and outside a search (a worker, a command) expired stats reload on the spot
    stats.get_ranking_stats()
    assert loads == ["while serving", "outside", "outside"]


def test_a_canary_orders_the_searches_of_its_share_of_shoppers(client, small_catalog):
    # given a promoted model that keeps the first-stage order and a canary that reverses it
    first_stage = ids(search(client))
    kept = promote(reversing_model(sign=-1))
    canary = register(reversing_model(), {"validation_ndcg@10": 1.0, "incumbent_validation_ndcg@10": 0.0}, {})
    decide(canary, canary_share=0.5)
    shoppers = [f"shopper-{i}" for i in range(40)]
    inside = next(s for s in shoppers if in_canary(s, canary.version, 0.5))
    outside = next(s for s in shoppers if not in_canary(s, canary.version, 0.5))

    # then each shopper gets their side's order, every time, and the log says which ordered it
    for shopper, order, version in (
        (inside, first_stage[::-1], canary.version),
        (outside, first_stage, kept.version),
    ):
        for _ in range(2):
            body = search(client, shopper_id=shopper)
            assert ids(body) == order
            assert SearchLog.objects.get(search_id=body["search_id"]).model_version == version
    # a search by a session alone is split too; one with no id gets the promoted version
    assert ids(search(client, session_id=inside)) == first_stage[::-1]
    assert ids(search(client)) == first_stage


def test_the_search_preview_orders_by_any_registered_version_beside_the_served_order(
    admin_client, client, small_catalog
):
    first_stage = ids(search(client))
    promote(reversing_model(sign=-1))
    candidate = register(
        reversing_model(), {"validation_ndcg@10": 0.0, "incumbent_validation_ndcg@10": 1.0}, {}
    )
    preview = "/admin/search-preview/"
    params = {"q": QUERY, "type": "product"}

    page = admin_client.get(preview, {**params, "ranker": candidate.version}).context
    assert [row["id"] for row in page["rows"]] == first_stage[::-1]
    assert [row["served_position"] for row in page["rows"]] == list(range(len(first_stage), 0, -1))
    assert page["model_versions"] == {"product": candidate.version}
    assert (candidate.version, f"{candidate.version} (candidate)") in page["rankers"]

    by_first_stage = admin_client.get(preview, {**params, "ranker": "first-stage"}).context
    assert [row["id"] for row in by_first_stage["rows"]] == first_stage
    assert admin_client.get(preview, params).context["compared"] is False
    refused = admin_client.get(preview, {**params, "ranker": "product-nope"}).context
    assert refused["errors"] == {"ranker": ["no product ranker version 'product-nope'"]}
