"""GET /api/suggest, /api/health and the OpenAPI schema."""

import io

from django.core.management import call_command

from indexing.backends import get_backend
from searchapp.query.analyzer import reset_caches
from searchapp.query.vocabulary import vocabulary_path


def test_suggest_completes_brands_and_titles(client, small_catalog):
    response = client.get("/api/suggest", {"q": "son"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "son"
    assert any(s["text"] == "Sony" and s["field"] == "brand" for s in body["suggestions"])


def test_suggest_offers_searches_the_typed_words_can_become(client, small_catalog):
    def suggest(q, **params):
        return client.get("/api/suggest", {"q": q, **params}).json()["suggestions"]

    # words in any order, the last one completed; the count is the products it finds
    searches = [s for s in suggest("toner h") if s["field"] == "query"]
    assert searches == [{"text": "toner hp", "field": "query", "doc_type": "product", "count": 1}]
    # a trailing space ends the word: the next word is offered, as titles write it
    assert {"text": "hp laserjet", "field": "query", "doc_type": "product", "count": 1} in suggest("hp ")
    # searches count products, so they are offered only when products are asked for
    assert not [s for s in suggest("toner h", type="video") if s["field"] == "query"]
    # they take at most half the list: brands, categories and titles keep the rest
    mixed = suggest("s", limit=4)
    assert len(mixed) == 4 and 0 < sum(s["field"] == "query" for s in mixed) <= 2


def test_the_first_search_offered_names_the_category_search_is_sure_of(client, small_catalog):
    call_command("train_intent", stdout=io.StringIO())
    reset_caches()

    def first(q):
        return client.get("/api/suggest", {"q": q}).json()["suggestions"][0]

    toner = first("toner h")
    assert toner["text"] == "toner hp"
    assert toner["category"] == {"path": "printing/toner-cartridges", "name": "Toner cartridges"}
    # "sony" makes speakers and headphones: no category is sure enough
    sony = first("son")
    assert sony["text"] == "sony" and "category" not in sony


def test_a_prefix_that_completes_nothing_completes_as_search_would_read_it(client, small_catalog):
    def suggest(q):
        return client.get("/api/suggest", {"q": q}).json()

    # typed on a Cyrillic keyboard: "тон" is "ton", which the catalog's "toner" completes
    body = suggest("тон")
    assert body["query"] == "тон" and body["corrected_query"] == "ton"
    assert any(s["text"].lower().startswith("toner") for s in body["suggestions"]), body
    # misspelled: "snoy" is corrected to "sony" first
    body = suggest("snoy")
    assert body["corrected_query"] == "sony"
    assert any(s["text"] == "Sony" for s in body["suggestions"]), body
    # a slip in the word being typed, which no spelling of a whole word fixes
    body = suggest("portable blutoo")
    assert body["corrected_query"] == "portable bluetooth"
    assert body["suggestions"][0] == {
        "text": "portable bluetooth", "field": "query", "doc_type": "product", "count": 1
    }  # fmt: skip
    # a prefix that completes as typed is not read otherwise
    body = suggest("son")
    assert body["corrected_query"] is None
    assert not any("toner" in s["text"].lower() for s in body["suggestions"])


def test_suggest_serves_the_backends_completions_when_the_vocabulary_cannot_be_read(client, small_catalog):
    path = vocabulary_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    reset_caches()
    response = client.get("/api/suggest", {"q": "son"})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert {"text": "Sony", "field": "brand", "doc_type": "product", "count": 2} in suggestions
    assert not [s for s in suggestions if s["field"] == "query"]


def test_suggest_validates_its_parameters(client, db):
    assert client.get("/api/suggest", {"q": ""}).status_code == 400
    assert "q" in client.get("/api/suggest", {"q": "x" * 101}).json()["errors"]
    assert "prefix" in client.get("/api/suggest", {"q": "so", "prefix": "x"}).json()["errors"]


def test_health_reports_every_part(client, small_catalog):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok"}
    assert body["broker"] == {"status": "eager"}
    assert body["backend"]["status"] == "ok"
    assert body["embedder"]["status"] == "ok" and body["embedder"]["model"]


def test_health_is_503_when_the_backend_is_down(client, small_catalog, monkeypatch):
    monkeypatch.setattr(get_backend(), "health", lambda: {"status": "down", "detail": "no index"})
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/search" in (tmp_path / "schema.yaml").read_text()


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
