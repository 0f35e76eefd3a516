"""The report of searches that found nothing as typed: counted once the response is sent,
one row per query and result type, and acted on in the admin."""

from datetime import datetime, time, timedelta
from urllib.parse import unquote_plus

import pytest
from django.utils import timezone

from searchapp.models import UnmetQuery, UnmetSearchDay
from searchapp.unmet_queries import record_unmet_search, unmet_by_day

SEARCH = "/api/search"


def search(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_searches_that_found_nothing_as_typed_are_counted_per_query_and_type(client, small_catalog):
    # when shoppers search for what the catalog lacks, and for what it holds
    search(client, q="HP toner under $5")
    search(client, q="HP Toner under $5")
    search(client, q="hp toner under $5", type="video")
    search(client, q="speaker", brand="Nobody")
    search(client, q="boombox")  # no word matches: its results are products near its meaning
    search(client, q="hp toner")

    # then each query that needed the recovery ladder has a row, counted per type, saying
    # which step answered it and how many results were shown
    rows = {(row.normalized_query, row.doc_type): row for row in UnmetQuery.objects.all()}
    assert set(rows) == {
        ("hp toner under $5", "product"),
        ("hp toner under $5", "video"),
        ("speaker", "product"),
        ("boombox", "product"),
    }
    toner = rows["hp toner under $5", "product"]
    assert toner.searches == 2 and toner.step == "relax_filters" and toner.results >= 1
    assert toner.example_query == "HP Toner under $5"
    nothing = rows["speaker", "product"]
    assert nothing.searches == 1 and nothing.step == "suggest" and nothing.results == 0
    related = rows["boombox", "product"]
    assert related.step == "dense_only" and related.results >= 1


def test_a_misspelt_query_keeps_its_correction(client, small_catalog):
    search(client, q="sony headphnes under $1")
    row = UnmetQuery.objects.get()
    assert row.normalized_query == "sony headphnes under $1"
    assert row.corrected_query == "sony headphones under $1"


def payload(search_id: str, searched_at, **fields) -> dict:
    return {
        "search_id": search_id,
        "query": "xbox contoller",
        "normalized_query": "xbox contoller",
        "corrected_query": "",
        "doc_type": "product",
        "step": "suggest",
        "results": 0,
        "searched_at": searched_at.isoformat(),
        **fields,
    }


@pytest.mark.django_db
def test_a_redelivered_search_is_counted_once():
    now = timezone.now()
    first = payload("00000000-0000-0000-0000-000000000001", now)
    record_unmet_search(first)
    record_unmet_search(first)
    assert UnmetQuery.objects.get().searches == 1
    record_unmet_search(payload("00000000-0000-0000-0000-000000000002", now))
    assert UnmetQuery.objects.get().searches == 2
    assert UnmetSearchDay.objects.get().searches == 2  # the day's count, deduplicated alike


@pytest.mark.django_db
def test_each_day_counts_the_searches_the_ladder_answered_and_those_that_found_nothing():
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.combine(today, time(12)))
    yesterday = noon - timedelta(days=1)
    searches = [
        (yesterday, "suggest", "xbox contoller"),
        (noon, "suggest", "xbox contoller"),
        (noon, "relax_terms", "xbox contoller"),  # found results once a word was made optional
        (noon, "suggest", "zune"),
        (noon - timedelta(days=9), "suggest", "zune"),  # before the period asked for
    ]
    for number, (at, step, query) in enumerate(searches, start=1):
        record_unmet_search(
            payload(f"00000000-0000-0000-0000-{number:012d}", at, step=step, normalized_query=query)
        )

    # day -> (answered with results by the ladder, found nothing at all), every query
    assert unmet_by_day(today - timedelta(days=1)) == {today - timedelta(days=1): (0, 1), today: (1, 2)}


@pytest.mark.django_db
def test_a_handled_query_reopens_only_when_searched_in_vain_after_it_was_handled():
    now = timezone.now()
    record_unmet_search(payload("00000000-0000-0000-0000-000000000001", now - timedelta(hours=2)))
    record_unmet_search(payload("00000000-0000-0000-0000-000000000002", now - timedelta(hours=1)))
    UnmetQuery.objects.update(handled_at=now - timedelta(minutes=30))

    # a search made before it was handled (a task delivered late) counts, but does not reopen it
    record_unmet_search(payload("00000000-0000-0000-0000-000000000003", now - timedelta(minutes=40)))
    row = UnmetQuery.objects.get()
    assert row.handled_at is not None and row.searches == 3

    # one after it was handled reopens it, counted from there
    record_unmet_search(payload("00000000-0000-0000-0000-000000000004", now, step="dense_only", results=7))
    row = UnmetQuery.objects.get()
    assert row.handled_at is None
    assert (row.searches, row.first_seen, row.last_seen) == (1, now, now)
    assert (row.step, row.results) == ("dense_only", 7)


def test_merchandisers_read_the_report_most_searched_first_and_act_on_it(admin_client, client, small_catalog):
    for _ in range(2):
        search(client, q="speaker", brand="Nobody")
    search(client, q="hp toner under $5")

    listing = admin_client.get("/admin/searchapp/unmetquery/")
    assert listing.status_code == 200
    rows = list(listing.context["cl"].result_list)
    assert [row.normalized_query for row in rows] == ["speaker", "hp toner under $5"]
    page = unquote_plus(listing.content.decode().replace("&amp;", "&"))
    assert "/admin/search-preview/?q=hp toner under $5&type=product" in page
    assert "/admin/searchapp/curation/add/?queries=hp toner under $5" in page

    # the synonym link opens the add form started from the query
    form = admin_client.get("/admin/searchapp/synonym/add/", {"rule": "speaker => "})
    assert form.context["adminform"].form.initial["rule"] == "speaker => "

    # marking one handled files it away from the open ones
    response = admin_client.post(
        "/admin/searchapp/unmetquery/",
        {"action": "mark_handled", "_selected_action": [rows[0].pk]},
    )
    assert response.status_code == 302
    open_rows = admin_client.get("/admin/searchapp/unmetquery/", {"handled_at__isempty": "1"})
    assert [row.normalized_query for row in open_rows.context["cl"].result_list] == ["hp toner under $5"]
    assert admin_client.get("/admin/searchapp/unmetquery/add/").status_code == 403
