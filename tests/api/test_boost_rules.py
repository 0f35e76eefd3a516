"""Boost rules: merchandisers lift or sink a brand's, a category's, a shop's or a result type's
results, for some queries or every search, live on save."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Brand, Category
from indexing.backends.base import Filters, Hit
from ranking.marketplace_config import ExplorationConfig, MarketplaceConfig
from searchapp import boost_rules
from searchapp.blend import Blend
from searchapp.models import BoostRule, Window
from searchapp.pipeline import SearchContext
from searchapp.search_request import SearchRequest

from .test_curations import doc, ids, search
from .test_mixed_row_api import features_with


def boost(name: str, factor: float, queries: str = "", doc_type: str = "", **related) -> BoostRule:
    rule = BoostRule.objects.create(name=name, factor=factor, queries=queries, doc_type=doc_type)
    for field, objects in related.items():
        getattr(rule, field).set(objects)
    # The test's transaction never commits, so the save's on-commit reload does not run.
    boost_rules.boost_table.forget()
    return rule


def test_a_boost_lifts_the_named_category_for_its_queries_only(client, small_catalog):
    speaker, headphones = doc(small_catalog["speaker"]), doc(small_catalog["headphones"])
    before = ids(search(client, q="sony"))
    assert before == [speaker, headphones]

    headphones_category = Category.objects.get(slug="headphones")
    boost("headphones week", 5.0, queries="Sony\nsony headphones", categories=[headphones_category])
    body = search(client, q="SONY", debug=1)

    assert ids(body) == [headphones, speaker]
    assert [hit.get("boost") for hit in body["results"]] == [5.0, None]
    # a misspelling corrected to one of its queries gets it; another query does not
    misspelt = search(client, q="sony headphnes", debug=1)
    assert misspelt["understood"]["corrected_query"] == "sony headphones"
    assert {hit["id"]: hit.get("boost") for hit in misspelt["results"]}[headphones] == 5.0
    assert "boost" not in search(client, q="bluetooth", debug=1)["results"][0]
    # an explicit sort lists strictly by its key
    prices = [hit["price"] for hit in search(client, q="sony", sort="price_asc")["results"]]
    assert prices == sorted(prices)


def test_a_rule_without_queries_applies_to_every_search_and_can_sink(client, small_catalog):
    speaker, headphones, video = (doc(small_catalog[name]) for name in ("speaker", "headphones", "video"))
    for query in ("sony speaker", "bluetooth"):
        assert ids(search(client, q=query, type="all"))[0] != video

    boost("more videos", 10.0, doc_type="video")
    # a video matches a category by its tagged products: this one sinks products only
    boost("fewer speakers", 0.1, doc_type="product", categories=[Category.objects.get(slug="speakers")])

    for query in ("sony speaker", "bluetooth"):
        assert ids(search(client, q=query, type="all"))[0] == video
    assert ids(search(client, q="sony")) == [headphones, speaker]


@pytest.mark.django_db
@pytest.mark.parametrize(("factor", "shown"), [(10.0, True), (1.0, False)])
def test_a_boost_reaches_a_candidate_ranked_far_below_the_page(factor, shown):
    # Given 200 ranked products, the merchandiser's brand only 150th in the ranker's order
    hits = [
        Hit("product", f"product:{i}", 1.0, keywords={"brand": ["Acme" if i == 150 else "Other"]})
        for i in range(200)
    ]
    rule = boost_rules.LoadedBoost(1, "acme week", factor, "", Filters(terms={"brand": ("Acme",)}), Window())
    ctx = SearchContext(
        request=SearchRequest(query="speaker", page_size=20),
        candidates={"product": hits},
        features={"product": features_with(len(hits))},
        boost_rules=(rule,),
    )
    # When the page is blended
    Blend(MarketplaceConfig(exploration=ExplorationConfig(positions=()))).run(ctx)
    # Then the lifted product competes with the page's own (it used to be left unscored,
    # past the first 60), and without a lift the tail stays where it was
    assert ("product:150" in [hit.id for hit in ctx.page_hits]) is shown
    assert len(ctx.page_hits) == 20


def test_every_condition_given_must_match(client, small_catalog):
    speaker, headphones = doc(small_catalog["speaker"]), doc(small_catalog["headphones"])
    # Sony AND the printing tree: no result is both
    boost(
        "impossible",
        10.0,
        brands=[Brand.objects.get(name="Sony")],
        categories=[Category.objects.get(slug="printing")],
    )
    assert ids(search(client, q="sony")) == [speaker, headphones]
    # the printing tree alone: its subcategories' results are lifted
    boost("printing", 10.0, queries="hp", categories=[Category.objects.get(slug="printing")])
    body = search(client, q="hp", debug=1)
    assert {hit["boost"] for hit in body["results"] if hit["type"] == "product"} == {10.0}


def test_a_campaign_boost_applies_within_its_window_only(client, small_catalog, monkeypatch):
    speaker, headphones = doc(small_catalog["speaker"]), doc(small_catalog["headphones"])
    now = timezone.now()
    rule = boost("weekend", 5.0, queries="sony", categories=[Category.objects.get(slug="headphones")])
    rule.active_from, rule.active_until = now + timedelta(days=1), now + timedelta(days=3)
    rule.save()
    boost_rules.boost_table.forget()

    assert ids(search(client, q="sony")) == [speaker, headphones]
    monkeypatch.setattr(boost_rules.timezone, "now", lambda: now + timedelta(days=2))
    assert ids(search(client, q="sony")) == [headphones, speaker]
    monkeypatch.setattr(boost_rules.timezone, "now", lambda: now + timedelta(days=4))
    assert ids(search(client, q="sony")) == [speaker, headphones]


def test_a_rule_saved_in_the_admin_applies_to_the_next_search_and_shows_in_the_preview(
    admin_client, client, small_catalog, django_capture_on_commit_callbacks
):
    speaker, headphones = doc(small_catalog["speaker"]), doc(small_catalog["headphones"])
    assert ids(search(client, q="sony")) == [speaker, headphones]
    form = {
        "name": "Headphones week",
        "factor": "5",
        "queries": "sony",
        "doc_type": "",
        "categories": [Category.objects.get(slug="headphones").pk],
        "enabled": "on",
        "note": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/searchapp/boostrule/add/", form)
    assert response.status_code == 302, response.content
    assert ids(search(client, q="sony")) == [headphones, speaker]

    preview = admin_client.get("/admin/search-preview/", {"q": "sony"})
    rule = BoostRule.objects.get()
    # the preview starts a new rule from the query
    started = admin_client.get(preview.context["new_boost_rule_url"])
    assert started.context["adminform"].form.initial["queries"] == "sony"
    assert preview.context["boost_rules"] == [
        {"name": "Headphones week", "factor": 5.0, "url": f"/admin/searchapp/boostrule/{rule.pk}/change/"}
    ]
    assert [row.get("boost") for row in preview.context["rows"]] == [5.0, None]
    listing = admin_client.get("/admin/searchapp/boostrule/").context["cl"]
    admin_view = listing.model_admin
    assert (admin_view.effect(rule), admin_view.applies_to(rule), admin_view.status(rule)) == (
        "lift x5",
        "category: Headphones",
        "applies",
    )

    # removing its category in the admin (a many-to-many change) applies at once too
    form["categories"], form["doc_type"] = [], "video"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/searchapp/boostrule/{rule.pk}/change/", form)
    assert ids(search(client, q="sony")) == [speaker, headphones]


def test_rules_are_refused_with_the_reason(admin_client, small_catalog):
    base = {"name": "x", "factor": "2", "queries": "", "doc_type": "", "enabled": "on", "note": ""}
    cases = {
        "nothing to match": ({}, "Say which results to lift or sink"),
        "factor 1": ({"doc_type": "video", "factor": "1"}, "A factor of 1 changes nothing"),
        "factor too high": ({"doc_type": "video", "factor": "50"}, "less than or equal to 10"),
        "not a number": ({"doc_type": "video", "factor": "lots"}, "Enter a number"),
        "window backwards": (
            {
                "doc_type": "video",
                "active_from_0": "2026-12-10",
                "active_from_1": "10:00",
                "active_until_0": "2026-12-01",
                "active_until_1": "10:00",
            },
            "The window must start before it ends",
        ),
    }
    for case, (fields, message) in cases.items():
        response = admin_client.post("/admin/searchapp/boostrule/add/", {**base, **fields})
        assert response.status_code == 200, case
        assert message in response.content.decode(), case
    assert not BoostRule.objects.exists()
