"""GET /api/search with query understanding: what the response says was understood, filters
read from the query, synonyms from the admin, and the zero-result recovery ladder."""

import io

from django.core.management import call_command

from searchapp.models import Synonym
from searchapp.query.analyzer import reset_caches

SEARCH = "/api/search"


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[str]:
    return [hit["id"] for hit in body["results"]]


def test_the_response_says_what_was_understood(client, small_catalog):
    # when a shopper misspells a word and names a price
    body = search(client, q="Sony headphnes under $300")
    # then the query is searched corrected, the price is a filter, and the response says so
    understood = body["understood"]
    assert understood["normalized"] == "sony headphnes under $300"
    assert understood["corrected_query"] == "sony headphones under $300"
    assert understood["filters"]["price"] == {"gte": None, "lte": 300.0}
    assert understood["recovery"] is None and understood["suggestions"] == []
    assert set(understood) == {
        "normalized",
        "corrected_query",
        "did_you_mean",
        "filters",
        "boosts",
        "category_intent",
        "synonyms_applied",
        "spelling_alternatives",
        "unit_alternatives",
        "price_preference",
        "unreadable_words",
        "model_numbers",
        "recovery",
        "suggestions",
    }
    assert ids(body)[0] == f"product:{small_catalog['headphones'].pk}"
    assert all(hit["price"] <= 300 for hit in body["results"])


def test_a_last_word_left_unfinished_is_searched_finished(client, small_catalog):
    # the shopper pressed enter mid-word: "spea" is no word, "speaker" starts with it
    body = search(client, q="sony bluetooth spea")
    assert body["understood"]["corrected_query"] == "sony bluetooth speaker"
    assert ids(body)[0] == f"product:{small_catalog['speaker'].pk}"


def test_a_model_number_finds_its_product_first_whatever_brand_is_typed_with_it(client, small_catalog):
    headphones = f"product:{small_catalog['headphones'].pk}"
    # WH-1000XM4 is Sony's: "hp" beside it is no brand filter, and the model's holder leads
    body = search(client, q="hp wh-1000xm4")
    understood = body["understood"]
    assert understood["model_numbers"] == ["wh-1000xm4"] and "brand" not in understood["filters"]
    assert ids(body)[0] == headphones
    # the brand it belongs to still filters
    body = search(client, q="sony wh-1000xm4")
    assert body["understood"]["filters"]["brand"] == ["Sony"] and ids(body)[0] == headphones
    # a brand with no model number beside it filters as before
    assert search(client, q="hp headphones")["understood"]["filters"]["brand"] == ["HP"]


def test_a_model_number_typed_apart_or_joined_finds_its_product_first(client, brother_toners):
    tn3170 = brother_toners["tn3170"]
    for typed in ("brother tn 3170", "tn3170 toner"):
        body = search(client, q=typed)
        # then the code is read as titles write it, and its holder leads
        assert body["understood"]["model_numbers"] == ["tn-3170"], typed
        assert ids(body)[0] == f"product:{tn3170.pk}", typed


def test_a_filter_given_as_a_parameter_wins_over_one_read_from_the_query(client, small_catalog):
    body = search(client, q="printer under $100", price_min="100", price_max="200")
    assert ids(body) == [f"product:{small_catalog['printer'].pk}"]


def test_a_synonym_saved_by_a_merchandiser_changes_the_next_search(
    client, small_catalog, django_capture_on_commit_callbacks
):
    speaker = f"product:{small_catalog['speaker'].pk}"

    def lexical_matches(body):
        return {hit["id"] for hit in body["results"] if "lexical" in hit["channel_ranks"]}

    # given no synonym for "boombox", no product matches it lexically: what it shows are the
    # nearest products by meaning, and the response says so
    before = search(client, q="boombox")
    assert lexical_matches(before) == set() and before["understood"]["synonyms_applied"] == []
    assert before["results"] and before["understood"]["recovery"] == "dense_only"
    # when a merchandiser adds one (on commit, every process reloads at its next check)
    with django_capture_on_commit_callbacks(execute=True):
        Synonym.objects.create(rule="boombox => bluetooth speaker", weight=0.9)
    after = search(client, q="boombox")
    # then the very next search finds the speaker through it, and says so
    assert lexical_matches(after) == {speaker} and after["understood"]["recovery"] is None
    assert after["results"][0]["id"] == speaker
    assert after["understood"]["synonyms_applied"] == [
        {"from": "boombox", "to": "bluetooth speaker", "query": "bluetooth speaker", "weight": 0.9}
    ]


def test_filters_read_from_the_query_are_relaxed_when_nothing_passes_them(client, small_catalog):
    # when nothing costs under 5
    body = search(client, q="hp toner under $5")
    # then the price read from the query is dropped, and the response says so
    assert body["understood"]["recovery"] == "relax_filters"
    assert ids(body)[0] == f"product:{small_catalog['toner'].pk}"


def test_a_brand_read_from_the_query_that_sells_none_of_the_kind_asked_for_is_dropped(client, small_catalog):
    # given an intent model that reads "headphones" and "toner" as kinds of product
    call_command("train_intent", stdout=io.StringIO())
    reset_caches()
    headphones, toner = (f"product:{small_catalog[name].pk}" for name in ("headphones", "toner"))

    # when HP, which sells no headphones here, is asked for headphones
    body = search(client, q="hp headphones")
    # then the headphones there are come first instead of HP's toner and printer, and the
    # response says the brand was dropped
    assert body["understood"]["recovery"] == "relax_filters"
    assert ids(body)[0] == headphones

    # when nothing passes Sony and toner together, the toner shows, not Sony's other products
    body = search(client, q="sony toner")
    assert body["understood"]["recovery"] == "relax_filters"
    assert ids(body) == [toner]


def test_when_nothing_can_be_found_the_response_suggests(client, small_catalog):
    # when the user's own filter excludes everything, no step of the ladder can help
    body = search(client, q="speaker", brand="Nobody")
    assert body["results"] == [] and body["total"] == 0
    assert body["understood"]["recovery"] == "suggest"
    assert "Sony SRS-XB13 portable bluetooth speaker" in body["understood"]["suggestions"]


def test_the_recovery_ladder_and_every_part_can_be_switched_off_per_request(small_catalog):
    from searchapp.pipeline import SearchPipeline
    from searchapp.search_request import SearchFilters, SearchRequest

    request = SearchRequest(
        query="speaker",
        filters=SearchFilters(brands=("Nobody",)),
        disabled_understanding=frozenset({"recovery", "spelling"}),
    )
    ctx = SearchPipeline().run(request)
    assert ctx.recovery is None and ctx.total == 0


def test_a_query_in_a_script_the_catalog_is_not_written_in_finds_nothing_and_says_why(client, small_catalog):
    # "中文" matches no catalog word, and the model's nearest products to it would be arbitrary
    body = search(client, q="中文")
    assert body["results"] == [] and body["total"] == 0
    assert body["understood"]["unreadable_words"] == ["中文"]
    assert body["understood"]["recovery"] == "suggest"
    # a readable word beside it is searched, semantically too
    body = search(client, q="中文 sony headphones")
    assert body["understood"]["unreadable_words"] == ["中文"]
    assert ids(body)[0] == f"product:{small_catalog['headphones'].pk}"
    assert "dense" in body["results"][0]["channel_ranks"]
