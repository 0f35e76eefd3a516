"""The Elasticsearch backend without a server: mappings and request bodies as exact JSON,
and the backend's requests recorded by a fake transport under the official client."""

import json

import numpy as np
import pytest
from elastic_transport import (
    ApiResponseMeta,
    HttpHeaders,
    NodeConfig,
    Transport,
    TransportApiResponse,
)
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch

from indexing.backends.base import (
    BackendUnavailable,
    Filters,
    LexicalQuery,
    Range,
    SearchDocument,
    TermBoost,
    VectorQuery,
)
from indexing.backends.elasticsearch import (
    SearchBackend,
    alias_swap_actions,
    delete_actions,
    index_actions,
    tally_bulk,
    versioned_index_name,
)
from indexing.backends.es_mappings import document_source, index_mappings, index_settings
from indexing.backends.es_queries import (
    best_suggestions,
    case_insensitive_prefix_regex,
    distinct_words,
    documents_body,
    filter_clauses,
    knn_candidates,
    lexical_body,
    lexical_hits,
    msearch_lines,
    suggest_body,
    suggest_key,
    suggestions,
    terms_body,
    vector_body,
    vector_hits,
)
from indexing.schema import LIVE, PRODUCT, VIDEO
from indexing.units import INCH_SIZE_PATTERN

SOURCE = ["keywords", "numbers", "display"]
HNSW_VECTOR = {
    "type": "dense_vector",
    "index": True,
    "similarity": "cosine",
    "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
}
FILTERS = Filters(terms={"brand": ("Acme", "Zeta")}, ranges={"price": Range(gte=10.0, lte=50.0)})
FILTER_CLAUSES = [
    {"terms": {"keywords.brand": ["Acme", "Zeta"]}},
    {"range": {"numbers.price": {"gte": 10.0, "lte": 50.0}}},
]


def product(pk=1, vector=(0.6, 0.8)) -> SearchDocument:
    return SearchDocument(
        id=f"product:{pk}",
        doc_type="product",
        text={"title": "Trail Shoe", "brand": "Acme"},
        keywords={"brand": ["Acme"], "in_stock": ["true"]},
        numbers={"price": 42},
        display={"title": "Trail Shoe", "image_url": "/p/1.jpg"},
        embedding_text="Trail Shoe by Acme",
        vector=None if vector is None else np.array(vector, dtype=np.float32),
    )


def video(passages=None, visual=None) -> SearchDocument:
    return SearchDocument(
        id="video:1",
        doc_type="video",
        text={"title": "Trail Shoe review"},
        keywords={"product": ["product:1", "product:2"]},
        numbers={"views": 10},
        display={"title": "Trail Shoe review"},
        embedding_text="Trail Shoe review",
        vector=np.array([0.6, 0.8], dtype=np.float32),
        passages=[f"passage {i}" for i in range(len(passages or ()))],
        passage_vectors=None if passages is None else np.array(passages, dtype=np.float32),
        visual_vector=None if visual is None else np.array(visual, dtype=np.float32),
    )


# --- mappings ---------------------------------------------------------------------------------


def test_mapping_is_strict_and_namespaces_text_keywords_numbers_display_and_vector():
    mapping = index_mappings(PRODUCT)

    assert mapping["dynamic"] == "strict"
    properties = mapping["properties"]
    assert set(properties) == {"id", "text", "keywords", "numbers", "display", "vector", "visual_vector"}
    assert properties["id"] == {"type": "keyword"}
    assert set(properties["text"]["properties"]) == set(PRODUCT.text_fields)
    assert properties["keywords"] == {
        "properties": {name: {"type": "keyword"} for name in PRODUCT.keyword_fields}
    }
    assert properties["numbers"] == {
        "properties": {name: {"type": "double"} for name in PRODUCT.numeric_fields}
    }
    assert properties["display"] == {"type": "object", "enabled": False}
    assert properties["vector"] == properties["visual_vector"] == HNSW_VECTOR


def test_videos_map_passages_as_nested_vectors_in_the_document_space_and_images_in_their_own():
    properties = index_mappings(VIDEO, vector_dims=384, visual_dims=512)["properties"]

    assert properties["passages"] == {
        "type": "nested",
        "properties": {"vector": {**HNSW_VECTOR, "dims": 384}},
    }
    assert properties["visual_vector"] == {**HNSW_VECTOR, "dims": 512}
    assert properties["keywords"]["properties"]["product"] == {"type": "keyword"}
    assert "passages" not in index_mappings(LIVE)["properties"]


def test_text_suggest_fields_get_a_raw_keyword_subfield_other_text_fields_do_not():
    text = index_mappings(PRODUCT)["properties"]["text"]["properties"]

    assert text["title"] == {
        "type": "text",
        "analyzer": "shop_text",
        "fields": {"raw": {"type": "keyword", "ignore_above": 256}},
    }
    # brand is also a keyword field: its completions come from the keyword.
    assert text["description"] == text["brand"] == {"type": "text", "analyzer": "shop_text"}


def test_vector_dimensions_are_pinned_only_when_configured():
    assert index_mappings(VIDEO, vector_dims=384)["properties"]["vector"] == {**HNSW_VECTOR, "dims": 384}


def test_index_settings_define_the_folding_english_analyzer_on_one_shard():
    assert index_settings(replicas=2) == {
        "number_of_shards": 1,
        "number_of_replicas": 2,
        "analysis": {
            "char_filter": {
                "inch_units": {
                    "type": "pattern_replace",
                    "pattern": INCH_SIZE_PATTERN,
                    "replacement": "$1 $1in ",
                }
            },
            "filter": {"english_stemmer": {"type": "stemmer", "language": "english"}},
            "analyzer": {
                "shop_text": {
                    "type": "custom",
                    "char_filter": ["inch_units"],
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding", "english_stemmer"],
                }
            },
        },
    }


def test_document_source_is_namespaced_and_json_ready():
    source = document_source(product())

    assert source == {
        "id": "product:1",
        "text": {"title": "Trail Shoe", "brand": "Acme"},
        "keywords": {"brand": ["Acme"], "in_stock": ["true"]},
        "numbers": {"price": 42.0},
        "display": {"title": "Trail Shoe", "image_url": "/p/1.jpg"},
        "vector": pytest.approx([0.6, 0.8]),
    }
    json.dumps(source)
    assert "vector" not in document_source(product(vector=None))


def test_document_source_carries_one_nested_object_per_passage_and_the_visual_vector():
    doc = video(passages=[[1.0, 0.0], [0.0, 1.0]], visual=[0.6, 0.8, 0.0])

    source = document_source(doc)

    assert source["passages"] == [{"vector": [1.0, 0.0]}, {"vector": [0.0, 1.0]}]
    assert source["visual_vector"] == pytest.approx([0.6, 0.8, 0.0])
    assert source["keywords"]["product"] == ["product:1", "product:2"]
    assert {"passages", "visual_vector"}.isdisjoint(document_source(video()))


# --- filters and search bodies --------------------------------------------------------------


def test_filters_translate_terms_ranges_and_existence():
    filters = Filters(
        terms={"brand": ("Acme",)},
        ranges={"price": Range(lte=20.0), "rating": Range()},
        exists=("stock", "category"),
    )

    assert filter_clauses(filters, PRODUCT) == [
        {"terms": {"keywords.brand": ["Acme"]}},
        {"range": {"numbers.price": {"lte": 20.0}}},
        {"exists": {"field": "numbers.rating"}},
        {"exists": {"field": "numbers.stock"}},
        {"exists": {"field": "keywords.category"}},
    ]
    assert filter_clauses(Filters(), PRODUCT) == []


@pytest.mark.parametrize(
    "filters",
    [
        Filters(terms={"price": ("10",)}),
        Filters(ranges={"brand": Range(gte=1.0)}),
        Filters(exists=("title",)),
    ],
    ids=["terms on a number", "range on a keyword", "exists on text"],
)
def test_filters_on_a_field_of_the_wrong_kind_are_refused(filters):
    with pytest.raises(ValueError, match="cannot filter product"):
        filter_clauses(filters, PRODUCT)


def named_match(name, text, boost):
    # The boost sits outside the named match, so the named score is the unboosted BM25.
    return {"bool": {"should": [{"match": {f"text.{name}": {"query": text, "_name": name}}}], "boost": boost}}


def test_lexical_body_names_one_boosted_match_per_text_field_and_filters():
    body = lexical_body(LexicalQuery("trail shoe", filters=FILTERS, limit=20), PRODUCT)

    assert body == {
        "size": 20,
        "query": {
            "bool": {
                "should": [
                    named_match(name, "trail shoe", boost) for name, boost in PRODUCT.text_fields.items()
                ],
                "minimum_should_match": 1,
                "filter": FILTER_CLAUSES,
            }
        },
        "_source": SOURCE,
        "track_total_hits": False,
    }


def test_lexical_and_operator_requires_every_term_across_the_searched_fields():
    query = LexicalQuery("trail shoe", boosts={"title": 5.0, "description": 0}, operator="and")

    assert lexical_body(query, VIDEO)["query"]["bool"] == {
        "should": [
            named_match("title", "trail shoe", 5.0),
            named_match("hashtags", "trail shoe", 2.0),
            named_match("caption", "trail shoe", 1.5),
            named_match("product_titles", "trail shoe", 1.5),
            named_match("transcript", "trail shoe", 0.5),
        ],
        "minimum_should_match": 1,
        "filter": [
            {
                "multi_match": {
                    "query": "trail shoe",
                    "fields": [
                        "text.title",
                        "text.hashtags",
                        "text.caption",
                        "text.product_titles",
                        "text.transcript",
                    ],
                    "type": "cross_fields",
                    "operator": "and",
                }
            }
        ],
    }


def alternative_match(text, weight, boosts):
    return {
        "bool": {
            "should": [
                {"match": {f"text.{name}": {"query": text, "boost": boost}}} for name, boost in boosts
            ],
            "boost": weight,
        }
    }


def every_term(text, names):
    return {
        "multi_match": {
            "query": text,
            "fields": [f"text.{name}" for name in names],
            "type": "cross_fields",
            "operator": "and",
        }
    }


def test_a_document_scores_its_best_alternative_unnamed_and_each_can_satisfy_the_and_operator():
    query = LexicalQuery(
        "tv stand",
        boosts={"description": 0, "attributes": 0, "category": 0},
        operator="and",
        alternatives=(("television stand", 0.8), ("ignored", 0.0)),
    )
    fields = [("title", 3.0), ("brand", 2.0)]

    assert lexical_body(query, PRODUCT)["query"]["bool"] == {
        "should": [
            {
                "dis_max": {
                    "queries": [
                        {
                            "bool": {
                                "should": [
                                    named_match("title", "tv stand", 3.0),
                                    named_match("brand", "tv stand", 2.0),
                                ]
                            }
                        },
                        alternative_match("television stand", 0.8, fields),
                    ]
                }
            }
        ],
        "minimum_should_match": 1,
        "filter": [
            {
                "bool": {
                    "should": [
                        every_term("tv stand", ["title", "brand"]),
                        every_term("television stand", ["title", "brand"]),
                    ],
                    "minimum_should_match": 1,
                }
            }
        ],
    }


def test_term_boosts_add_constant_scores_beside_the_match_and_never_make_a_document_match():
    query = LexicalQuery(
        "speaker",
        filters=FILTERS,
        term_boosts=(
            TermBoost("brand", "JBL", 2.0),
            TermBoost("title", "1 tb", 0.5),
            TermBoost("hashtags", "not a product field", 1.0),
            TermBoost("category_path", "audio", 0.0),
        ),
    )

    assert lexical_body(query, PRODUCT)["query"] == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            named_match(name, "speaker", boost) for name, boost in PRODUCT.text_fields.items()
                        ],
                        "minimum_should_match": 1,
                    }
                }
            ],
            "should": [
                {"constant_score": {"filter": {"term": {"keywords.brand": "JBL"}}, "boost": 2.0}},
                {"constant_score": {"filter": {"match_phrase": {"text.title": "1 tb"}}, "boost": 0.5}},
            ],
            "filter": FILTER_CLAUSES,
        }
    }


def test_query_text_is_sent_as_its_first_distinct_words():
    body = lexical_body(LexicalQuery("wool  jacket wool " * 100, boosts={"description": 0}), LIVE)

    assert body["query"]["bool"]["should"][0] == named_match("title", "wool jacket", 3.0)
    assert distinct_words(" ".join(f"w{i}" for i in range(50))) == " ".join(f"w{i}" for i in range(32))


def test_boost_overrides_merge_with_defaults_ignore_unknown_fields_and_zero_drops_a_field():
    assert PRODUCT.boosts_with({"title": 9, "description": 0, "hashtags": 4.0}) == {
        "title": 9.0,
        "brand": 2.0,
        "category": 2.0,
        "attributes": 1.0,
    }


def test_lexical_body_rejects_an_unknown_operator():
    with pytest.raises(ValueError, match="operator"):
        lexical_body(LexicalQuery("shoe", operator="xor"), PRODUCT)


def test_vector_body_is_top_level_knn_with_the_same_filter_as_lexical():
    body = vector_body(
        VectorQuery(np.array([0.6, 0.8], dtype=np.float32), filters=FILTERS, limit=30), PRODUCT
    )

    assert body == {
        "size": 30,
        "knn": {
            "field": "vector",
            "query_vector": pytest.approx([0.6, 0.8]),
            "k": 30,
            "num_candidates": 200,
            "filter": FILTER_CLAUSES,
        },
        "_source": SOURCE,
        "track_total_hits": False,
    }
    assert (
        body["knn"]["filter"]
        == lexical_body(LexicalQuery("x", filters=FILTERS), PRODUCT)["query"]["bool"]["filter"]
    )
    assert "filter" not in vector_body(VectorQuery(np.ones(2, dtype=np.float32)), PRODUCT)["knn"]


def test_passage_knn_searches_the_nested_vectors_and_asks_for_the_best_passage():
    filters = Filters(terms={"brand": ("Acme",)}, ranges={"views": Range(gte=100.0)})
    query = VectorQuery(np.array([1.0, 0.0], dtype=np.float32), filters=filters, limit=5, space="passage")

    knn = vector_body(query, VIDEO)["knn"]

    assert knn["field"] == "passages.vector"
    assert knn["inner_hits"] == {"size": 1, "_source": False}
    # Filters on the parent document, as for the text space.
    assert knn["filter"] == [
        {"terms": {"keywords.brand": ["Acme"]}},
        {"range": {"numbers.views": {"gte": 100.0}}},
    ]
    visual = vector_body(VectorQuery(np.ones(3, dtype=np.float32), space="visual"), PRODUCT)["knn"]
    assert visual["field"] == "visual_vector" and "inner_hits" not in visual


def test_passage_hits_name_the_best_passage_and_its_cosine():
    raw = raw_hit(
        0.95, inner_hits={"passages": {"hits": {"hits": [{"_nested": {"field": "passages", "offset": 2}}]}}}
    )

    (hit,) = vector_hits({"hits": {"hits": [raw]}}, VIDEO, space="passage")
    (visual,) = vector_hits({"hits": {"hits": [raw_hit(0.75)]}}, PRODUCT, space="visual")

    assert hit.field_scores == {"passage_cosine": pytest.approx(0.9), "passage": 2}
    assert hit.score == pytest.approx(0.9)
    assert visual.field_scores == {"visual_cosine": pytest.approx(0.5)}


def test_terms_body_lists_filtered_documents_unscored_in_id_order():
    filters = Filters(terms={"product": ("product:1", "product:2")})

    assert terms_body(filters, VIDEO, limit=50) == {
        "size": 50,
        "query": {"bool": {"filter": [{"terms": {"keywords.product": ["product:1", "product:2"]}}]}},
        "sort": [{"id": "asc"}],
        "_source": SOURCE,
        "track_total_hits": False,
    }
    assert terms_body(Filters(), LIVE, limit=50_000)["query"] == {"match_all": {}}
    assert terms_body(Filters(), LIVE, limit=50_000)["size"] == 10_000
    with pytest.raises(ValueError, match="cannot filter product"):
        terms_body(Filters(terms={"product": ("product:1",)}), PRODUCT, limit=5)


def test_documents_body_asks_for_the_ids_within_the_filters_unscored():
    filters = Filters(terms={"brand": ("HP",)}, ranges={"price": Range(lte=20)})

    assert documents_body(["product:2", "product:1"], filters, PRODUCT) == {
        "size": 2,
        "query": {
            "bool": {
                "filter": [
                    {"ids": {"values": ["product:2", "product:1"]}},
                    {"terms": {"keywords.brand": ["HP"]}},
                    {"range": {"numbers.price": {"lte": 20}}},
                ]
            }
        },
        "_source": SOURCE,
        "track_total_hits": False,
    }
    with pytest.raises(ValueError, match="cannot filter product"):
        documents_body(["product:1"], Filters(terms={"product": ("product:1",)}), PRODUCT)


@pytest.mark.parametrize(("k", "candidates"), [(1, 200), (100, 400), (5000, 10_000)])
def test_knn_candidates_grow_with_k_within_elasticsearch_limits(k, candidates):
    assert knn_candidates(k) == candidates


def test_msearch_lines_pair_one_header_with_each_body():
    assert msearch_lines([("shop-product", {"size": 1}), ("shop-video", {"size": 2})]) == [
        {"index": "shop-product", "ignore_unavailable": True},
        {"size": 1},
        {"index": "shop-video", "ignore_unavailable": True},
        {"size": 2},
    ]


# --- reading hits -----------------------------------------------------------------------------


def raw_hit(score, **extra):
    source = {"keywords": {"brand": ["Acme"]}, "numbers": {"price": 42.0}, "display": {"title": "Trail Shoe"}}
    return {"_id": "product:1", "_score": score, "_source": source, **extra}


def test_lexical_hits_carry_named_query_scores_as_field_scores():
    response = {"hits": {"hits": [raw_hit(7.5, matched_queries={"title": 6.0, "brand": 1.5})]}}

    (hit,) = lexical_hits(response, PRODUCT)

    assert (hit.doc_type, hit.id, hit.score) == ("product", "product:1", 7.5)
    assert hit.field_scores == {
        "title": 6.0,
        "brand": 1.5,
        "category": 0.0,
        "attributes": 0.0,
        "description": 0.0,
    }
    assert (hit.keywords, hit.numbers, hit.display) == (
        {"brand": ["Acme"]},
        {"price": 42.0},
        {"title": "Trail Shoe"},
    )


def test_vector_hits_turn_the_knn_score_back_into_cosine():
    (hit,) = vector_hits({"hits": {"hits": [raw_hit(0.9)]}}, PRODUCT)

    assert hit.score == pytest.approx(0.8)
    assert hit.field_scores == {"cosine": pytest.approx(0.8)}


# --- suggest ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "regex"),
    [("Ac", "[aA][cC].*"), ("t-2", "[tT]\\-2.*"), ("a.b*", "[aA]\\.[bB]\\*.*"), ("é", "[éÉ].*")],
)
def test_prefix_regex_is_case_insensitive_and_escapes_operators(prefix, regex):
    assert case_insensitive_prefix_regex(prefix) == regex


def test_suggest_key_is_lower_case_with_single_spaces():
    assert suggest_key("  Nike   AIR ") == "nike air"


def test_suggest_body_completes_keyword_values_and_title_starts_or_later_words():
    body = suggest_body(PRODUCT, "ac", limit=5)

    assert body == {
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "1:title": {"terms": {"field": "text.title.raw", "include": "[aA][cC].*", "size": 5}},
            "2:title": {"terms": {"field": "text.title.raw", "include": ".* [aA][cC].*", "size": 5}},
            "0:brand": {"terms": {"field": "keywords.brand", "include": "[aA][cC].*", "size": 5}},
            "0:category": {"terms": {"field": "keywords.category", "include": "[aA][cC].*", "size": 5}},
        },
    }


def test_suggestions_rank_keyword_values_then_title_starts_then_later_words():
    response = {
        "aggregations": {
            "2:title": {
                "buckets": [{"key": "Nike Air Max", "doc_count": 9}, {"key": "Air Air", "doc_count": 1}]
            },
            "1:title": {"buckets": [{"key": "Air Air", "doc_count": 1}]},
            "0:brand": {"buckets": [{"key": "Airwalk", "doc_count": 2}]},
        }
    }

    found = suggestions(response, "product")

    assert best_suggestions(found, limit=10) == [
        {"text": "Airwalk", "field": "brand", "doc_type": "product", "count": 2},
        {"text": "Air Air", "field": "title", "doc_type": "product", "count": 1},
        {"text": "Nike Air Max", "field": "title", "doc_type": "product", "count": 9},
    ]
    assert best_suggestions(found, limit=1) == [
        {"text": "Airwalk", "field": "brand", "doc_type": "product", "count": 2}
    ]
    assert suggestions({}, "product") == []


# --- bulk and aliases -------------------------------------------------------------------------


def test_index_and_delete_actions_address_documents_by_id():
    assert list(index_actions("shop-product_1", [product()])) == [
        {
            "_op_type": "index",
            "_index": "shop-product_1",
            "_id": "product:1",
            "_source": document_source(product()),
        }
    ]
    assert list(delete_actions("shop-product", ["product:1"])) == [
        {"_op_type": "delete", "_index": "shop-product", "_id": "product:1"}
    ]


def test_tally_counts_successes_and_failures_and_ignores_deleting_what_is_gone():
    results = [
        (True, {"index": {"_id": "product:1", "status": 201}}),
        (False, {"index": {"_id": "product:2", "status": 400, "error": {"type": "parse", "reason": "bad"}}}),
        (False, {"delete": {"_id": "product:3", "status": 404, "result": "not_found"}}),
    ]

    tally = tally_bulk(results)

    assert (tally.indexed, tally.failed, tally.errors) == (1, 1, ["product:2: 400 parse: bad"])


def test_alias_swap_removes_every_old_index_and_adds_the_new_in_one_list():
    assert alias_swap_actions("shop-product", ["shop-product_a", "shop-product_b"], "shop-product_c") == [
        {"remove": {"index": "shop-product_a", "alias": "shop-product"}},
        {"remove": {"index": "shop-product_b", "alias": "shop-product"}},
        {"add": {"index": "shop-product_c", "alias": "shop-product"}},
    ]
    assert alias_swap_actions("shop-product", [], "shop-product_c") == [
        {"add": {"index": "shop-product_c", "alias": "shop-product"}}
    ]


def test_versioned_index_names_live_under_the_alias_and_are_unique():
    first, second = versioned_index_name("shop-product"), versioned_index_name("shop-product")

    assert first.startswith("shop-product_") and first != second and first == first.lower()


# --- the backend through the official client, with a recording transport ----------------------


class RecordingTransport(Transport):
    """Answers every request with `reply(method, path, body) -> (status, body)`, recording it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests: list[tuple[str, str, object]] = []
        self.reply = lambda method, path, body: (200, {"acknowledged": True})

    def perform_request(self, method, target, *, body=None, **options):
        self.requests.append((method, target, body))
        status, reply = self.reply(method, target.split("?")[0], body)
        meta = ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders({"x-elastic-product": "Elasticsearch"}),
            duration=0.0,
            node=NodeConfig("http", "es.test", 9200),
        )
        return TransportApiResponse(meta, reply)


@pytest.fixture
def backend():
    backend = SearchBackend("elasticsearch", {"URLS": ["http://es.test:9200"], "INDEX_PREFIX": "t"})
    backend.client = Elasticsearch("http://es.test:9200", transport_class=RecordingTransport)
    return backend


def test_search_channels_is_one_msearch_with_named_query_scores(backend):
    transport = backend.client.transport
    transport.reply = lambda method, path, body: (
        200,
        {
            "responses": [
                {"hits": {"hits": [raw_hit(3.0, matched_queries={"title": 3.0})]}},
                {"hits": {"hits": [raw_hit(1.0)]}},
            ]
        },
    )

    results = backend.search_channels(
        "product",
        LexicalQuery("shoe", filters=FILTERS),
        VectorQuery(np.ones(2, dtype=np.float32), filters=FILTERS),
    )

    ((method, target, lines),) = transport.requests
    assert (method, target) == ("POST", "/_msearch?include_named_queries_score=true")
    assert [line.get("index") for line in lines[::2]] == ["t-product", "t-product"]
    assert "query" in lines[1] and "knn" in lines[3]
    assert results["lexical"][0].field_scores["title"] == 3.0
    assert results["dense"][0].field_scores == {"cosine": 1.0}


def test_vectors_is_one_mget_of_the_vector_field(backend):
    transport = backend.client.transport
    transport.reply = lambda method, path, body: (
        200,
        {
            "docs": [
                {"_id": "product:1", "found": True, "_source": {"vector": [0.6, 0.8]}},
                {"_id": "product:2", "found": False},
            ]
        },
    )

    found = backend.vectors("product", ["product:1", "product:2"])

    ((method, target, body),) = transport.requests
    assert (method, target) == ("POST", "/t-product/_mget?_source_includes=vector")
    assert body == {"ids": ["product:1", "product:2"]}
    assert list(found) == ["product:1"]
    np.testing.assert_allclose(found["product:1"], [0.6, 0.8])


def test_search_terms_is_one_sorted_search_and_unscored_hits(backend):
    transport = backend.client.transport
    transport.reply = lambda method, path, body: (
        200,
        {"responses": [{"hits": {"hits": [{**raw_hit(None), "_id": "video:3"}]}}]},
    )

    hits = backend.search_terms("video", Filters(terms={"product": ("product:1",)}), limit=20)

    ((method, target, lines),) = transport.requests
    assert (method, target) == ("POST", "/_msearch?include_named_queries_score=true")
    assert lines[0] == {"index": "t-video", "ignore_unavailable": True}
    assert lines[1] == terms_body(Filters(terms={"product": ("product:1",)}), VIDEO, 20)
    assert [(hit.id, hit.score, hit.keywords) for hit in hits] == [("video:3", 0.0, {"brand": ["Acme"]})]


def test_a_vector_space_the_doc_type_lacks_is_not_searched(backend):
    assert backend.search_vector("live", VectorQuery(np.ones(2, dtype=np.float32), space="passage")) == []
    assert backend.client.transport.requests == []
    with pytest.raises(ValueError, match="unknown vector space"):
        backend.search_vector("video", VectorQuery(np.ones(2, dtype=np.float32), space="audio"))


def test_passage_search_reads_the_best_passage_through_msearch(backend):
    nested = {"passages": {"hits": {"hits": [{"_nested": {"field": "passages", "offset": 1}}]}}}
    backend.client.transport.reply = lambda method, path, body: (
        200,
        {"responses": [{"hits": {"hits": [raw_hit(1.0, inner_hits=nested)]}}]},
    )

    (hit,) = backend.search_vector("video", VectorQuery(np.ones(2, dtype=np.float32), space="passage"))

    ((_, _, lines),) = backend.client.transport.requests
    assert lines[1]["knn"]["field"] == "passages.vector"
    assert hit.field_scores == {"passage_cosine": 1.0, "passage": 1}


def test_a_failed_search_in_the_msearch_is_raised(backend):
    backend.client.transport.reply = lambda method, path, body: (
        200,
        {
            "responses": [
                {"error": {"type": "search_phase_execution_exception", "reason": "boom"}, "status": 503}
            ]
        },
    )

    with pytest.raises(BackendUnavailable, match="boom"):
        backend.search_lexical("product", LexicalQuery("shoe"))


def test_connection_errors_make_search_unavailable_and_health_down(backend):
    def refuse(method, path, body):
        raise TransportConnectionError("connection refused")

    backend.client.transport.reply = refuse

    with pytest.raises(BackendUnavailable):
        backend.search_vector("product", VectorQuery(np.ones(2, dtype=np.float32)))
    health = backend.health()
    assert health["status"] == "down" and "connection refused" in health["error"]


def test_index_documents_streams_a_bulk_to_the_alias_and_counts_results(backend):
    def answer(method, path, body):
        if method == "HEAD":  # the alias exists
            return 200, None
        return 200, {
            "errors": True,
            "items": [
                {"index": {"_id": "product:1", "status": 201}},
                {"index": {"_id": "product:2", "status": 400, "error": {"type": "parse", "reason": "bad"}}},
            ],
        }

    backend.client.transport.reply = answer

    result = backend.index_documents("product", [product(1), product(2)])

    assert (result.indexed, result.failed) == (1, 1)
    method, target, lines = backend.client.transport.requests[-1]
    assert (method, target) == ("PUT", "/_bulk?require_alias=true")
    headers = [json.loads(line) for line in lines[::2]]
    assert headers == [{"index": {"_id": f"product:{pk}", "_index": "t-product"}} for pk in (1, 2)]


def test_live_writes_reach_a_rebuild_in_progress_before_the_live_index(backend):
    def answer(method, path, body):
        if method == "HEAD":  # both the live alias and the rebuild alias exist
            return 200, None
        if path.endswith("/_mapping"):  # the live index is given the schema's keyword fields
            return 200, {"acknowledged": True}
        items = [{"index": {"_id": json.loads(line)["index"]["_id"], "status": 201}} for line in body[::2]]
        return 200, {"errors": False, "items": items}

    backend.client.transport.reply = answer

    result = backend.index_documents("product", [product(1), product(1), product(2, vector=(np.nan, 1.0))])

    assert (result.indexed, result.failed, result.errors) == (
        1,
        1,
        ["product:2: text vectors must be finite floats"],
    )
    bulks = [
        body for method, target, body in backend.client.transport.requests if target.startswith("/_bulk")
    ]
    assert [json.loads(lines[0])["index"]["_index"] for lines in bulks] == [
        "t-product-rebuilding",
        "t-product",
    ]


def test_commit_restores_settings_moves_both_aliases_at_once_then_drops_the_old_index(backend):
    def answer(method, path, body):
        if path == "/_alias/t-product":
            return 200, {"t-product_old": {"aliases": {"t-product": {}}}}
        if path == "/_alias/t-product-rebuilding":
            return 200, {"t-product_new": {"aliases": {"t-product-rebuilding": {}}}}
        return 200, {"acknowledged": True}

    backend.client.transport.reply = answer
    rebuild = backend.open_rebuild("product", "t-product_new")

    rebuild.commit()

    requests = [
        (method, target.split("?")[0], body) for method, target, body in backend.client.transport.requests
    ]
    assert requests == [
        ("HEAD", "/t-product_new", None),
        ("POST", "/t-product_new/_refresh", None),
        ("PUT", "/t-product_new/_settings", {"refresh_interval": None, "number_of_replicas": 1}),
        ("GET", "/_alias/t-product", None),
        ("GET", "/_alias/t-product-rebuilding", None),
        (
            "POST",
            "/_aliases",
            {
                "actions": [
                    {"remove": {"index": "t-product_old", "alias": "t-product"}},
                    {"add": {"index": "t-product_new", "alias": "t-product"}},
                    {"remove": {"index": "t-product_new", "alias": "t-product-rebuilding"}},
                ]
            },
        ),
        ("DELETE", "/t-product_old", None),
    ]


def test_open_rebuild_refuses_an_index_of_another_doc_type(backend):
    with pytest.raises(ValueError):
        backend.open_rebuild("product", "t-video_20240101")


def test_an_existing_index_is_given_the_keyword_fields_the_schema_gained_once_per_process(backend):
    # The alias exists (every request answers 200): an index created before `colour` existed.
    transport = backend.client.transport

    backend.ensure_index("product")
    backend.ensure_index("product")

    puts = [(target, body) for method, target, body in transport.requests if method == "PUT"]
    keywords = {name: {"type": "keyword"} for name in PRODUCT.keyword_fields}
    assert puts == [("/t-product/_mapping", {"properties": {"keywords": {"properties": keywords}}})]
    assert "colour" in keywords
