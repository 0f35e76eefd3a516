"""Curations: results a merchandiser pins first or hides for some queries, live on save."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ranking.models import ImpressionLog, SearchLog
from searchapp import curations
from searchapp.models import Curation, UnmetQuery

SEARCH = "/api/search"


def search(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[str]:
    return [hit["id"] for hit in body["results"]]


def doc(obj) -> str:
    return f"{obj._meta.model_name.replace('livestream', 'live')}:{obj.pk}"


def curate(queries: str, pinned=(), hidden=(), **fields) -> Curation:
    curation = Curation(queries=queries, pinned="\n".join(pinned), hidden="\n".join(hidden), **fields)
    curation.full_clean()
    curation.save()
    # The test's transaction never commits, so the save's on-commit reload does not run.
    curations.curation_table.forget()
    return curation


def test_pinned_results_come_first_in_order_and_hidden_ones_never_show(client, small_catalog):
    speaker, headphones, toner = (doc(small_catalog[name]) for name in ("speaker", "headphones", "toner"))
    before = search(client, q="sony")

    # the printer supplies are pinned to "sony" (a promotion), the speaker hidden
    curate("Sony\nsony headphones", pinned=[toner, headphones], hidden=[speaker])
    body = search(client, q="SONY ")

    # then the pinned ones open the page in the order given, also the one the query does not
    # match, flagged; the hidden one is gone from the results and the counts
    assert ids(before) == [speaker, headphones]
    assert ids(body) == [toner, headphones]
    assert [hit.get("pinned") for hit in body["results"]] == [True, True]
    assert body["total"] == 2
    brands = {value["value"]: value["count"] for value in body["facets"]["brand"]}
    assert brands["HP"] >= 1 and brands["Sony"] == 1
    # every query of the curation, and a misspelling corrected to one, gets it
    assert ids(search(client, q="Sony headphones"))[:2] == [toner, headphones]
    misspelt = search(client, q="sony headphnes")
    assert misspelt["understood"]["corrected_query"] == "sony headphones"
    assert ids(misspelt)[:2] == [toner, headphones]


def test_an_explicit_sort_keeps_its_order_but_hidden_results_stay_hidden(client, small_catalog):
    speaker, headphones = doc(small_catalog["speaker"]), doc(small_catalog["headphones"])
    curate("sony", pinned=[speaker], hidden=[headphones])
    body = search(client, q="sony", sort="price_desc")
    assert headphones not in ids(body)
    prices = [hit["price"] for hit in body["results"]]
    assert prices == sorted(prices, reverse=True)
    assert not any(hit.get("pinned") for hit in body["results"])


def test_a_pinned_result_must_pass_the_shoppers_filters_and_type(client, small_catalog):
    toner, video = doc(small_catalog["toner"]), doc(small_catalog["video"])
    curate("speaker", pinned=[video, toner])
    assert ids(search(client, q="speaker", brand="Sony"))[0] != toner
    assert toner not in ids(search(client, q="speaker", brand="Sony"))
    products_only = search(client, q="speaker")
    assert ids(products_only)[0] == toner and video not in ids(products_only)
    assert ids(search(client, q="speaker", type="all"))[:2] == [video, toner]


def test_a_pinned_live_stream_shows_only_while_it_is_showable(client, small_catalog):
    live, toner = doc(small_catalog["live"]), doc(small_catalog["toner"])
    curate("speaker", pinned=[live, toner])
    # the fixture's stream was scheduled in 2024: long over
    assert ids(search(client, q="speaker", type="all"))[0] == toner
    assert live not in ids(search(client, q="speaker", type="all"))


def test_pages_after_the_first_do_not_repeat_the_pinned_results(client, small_catalog):
    toner = doc(small_catalog["toner"])
    curate("sony", pinned=[toner])
    whole = ids(search(client, q="sony", page_size=10))
    paged = ids(search(client, q="sony", page_size=1)) + ids(search(client, q="sony", page_size=1, page=2))
    assert paged == whole[:2] and whole.count(toner) == 1


def test_pinned_results_are_not_logged_as_ranked_impressions(client, small_catalog):
    toner = doc(small_catalog["toner"])
    curate("sony", pinned=[toner])
    body = search(client, q="sony")
    logged = ImpressionLog.objects.filter(search=SearchLog.objects.get(search_id=body["search_id"]))
    assert toner not in {impression.doc_id for impression in logged}
    assert min(impression.position for impression in logged) == 2


def test_a_curation_saved_in_the_admin_applies_to_the_next_search(
    admin_client, client, small_catalog, django_capture_on_commit_callbacks
):
    printer = doc(small_catalog["printer"])
    assert ids(search(client, q="headphones"))[0] != printer
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/searchapp/curation/add/",
            {"queries": "headphones", "pinned": printer, "hidden": "", "enabled": "on", "note": "promo"},
        )
    assert response.status_code == 302, response.content
    assert ids(search(client, q="headphones"))[0] == printer

    preview = admin_client.get("/admin/search-preview/", {"q": "headphones"})
    curation = Curation.objects.get()
    assert preview.context["curation_url"] == f"/admin/searchapp/curation/{curation.pk}/change/"
    assert preview.context["rows"][0]["pinned"] is True


@pytest.mark.django_db
def test_curations_are_refused_with_the_reason(small_catalog, monkeypatch):
    speaker, toner = doc(small_catalog["speaker"]), doc(small_catalog["toner"])
    curate("sony speaker", pinned=[speaker])

    cases = {
        "queries": Curation(queries=" \n  "),
        "pinned": Curation(queries="a", pinned="product:999999\nsku-12\nproduct:99999999999999999999999"),
        "hidden": Curation(queries="b", pinned=toner, hidden=f"{toner}\nvideo:999999"),
    }
    for field, curation in cases.items():
        with pytest.raises(ValidationError) as refused:
            curation.full_clean()
        assert set(refused.value.message_dict) == {field}
    with pytest.raises(ValidationError, match="is curated already"):
        Curation(queries="other\nSony  Speaker").full_clean()
    # a disabled curation may repeat a query: it applies once enabled alone
    Curation(queries="sony speaker", enabled=False).full_clean()
    monkeypatch.setattr(curations, "MAX_PINNED", 1)
    with pytest.raises(ValidationError, match="At most 1 pinned results"):
        Curation(queries="c", pinned=f"{toner}\n{speaker}").full_clean()


def test_a_campaign_curation_applies_within_its_window_only(admin_client, client, small_catalog):
    toner = doc(small_catalog["toner"])
    now = timezone.now()
    curate("sony", pinned=[toner], active_from=now + timedelta(days=1), note="next week's promo")
    assert toner not in ids(search(client, q="sony"))

    # another curation of the query may run before it, not at the same time
    with pytest.raises(ValidationError, match="at the same time"):
        Curation(queries="sony", active_until=now + timedelta(days=2)).full_clean()
    curate("sony", hidden=[doc(small_catalog["speaker"])], active_until=now + timedelta(hours=1))
    assert ids(search(client, q="sony")) == [doc(small_catalog["headphones"])]

    with pytest.raises(ValidationError, match="must start before it ends"):
        Curation(queries="x", active_from=now, active_until=now - timedelta(hours=1)).full_clean()
    listing = admin_client.get("/admin/searchapp/curation/").context["cl"]
    assert {row.note: listing.model_admin.status(row) for row in listing.result_list} == {
        "next week's promo": "scheduled",
        "": "applies",
    }


def test_a_curation_ends_on_time_without_a_reload(client, small_catalog, monkeypatch):
    toner = doc(small_catalog["toner"])
    now = timezone.now()
    curate("sony", pinned=[toner], active_until=now + timedelta(minutes=5))
    assert ids(search(client, q="sony"))[0] == toner
    later = now + timedelta(minutes=6)
    monkeypatch.setattr(curations.timezone, "now", lambda: later)
    assert toner not in ids(search(client, q="sony"))


def test_a_curation_can_send_the_shopper_to_a_page(client, admin_client, small_catalog):
    curate("returns\nreturn policy", redirect_url="/help/returns")
    body = search(client, q="Returns")
    assert body["redirect"] == "/help/returns"
    # a search that found nothing (recorded as unmet uncurated) is not a failure when a
    # curation answers it
    curate("speaker", redirect_url="/deals/speakers")
    body = search(client, q="speaker", brand="Nobody")
    assert body["understood"]["recovery"] == "suggest" and body["redirect"] == "/deals/speakers"
    assert not UnmetQuery.objects.exists()
    assert "redirect" not in search(client, q="toner")
    preview = admin_client.get("/admin/search-preview/", {"q": "return policy"})
    assert preview.context["redirect_url"] == "/help/returns"

    for unsafe in ("javascript:alert(1)", "//evil.example/x", "http://shop.example/sale", "ftp://x"):
        with pytest.raises(ValidationError) as refused:
            Curation(queries="sale", redirect_url=unsafe).full_clean()
        assert set(refused.value.message_dict) == {"redirect_url"}
    Curation(queries="sale", redirect_url="https://shop.example/black-friday").full_clean()


def test_facets_the_shopper_filtered_on_do_not_count_hidden_results(client, small_catalog):
    curate("sony", hidden=[doc(small_catalog["speaker"])])
    # a brand the shopper selected is counted over a recall without it (disjunctive facets)
    body = search(client, q="sony", brand="Sony")
    assert ids(body) == [doc(small_catalog["headphones"])]
    assert {value["value"]: value["count"] for value in body["facets"]["brand"]} == {"Sony": 1}
