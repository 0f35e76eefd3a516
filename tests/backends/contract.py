"""The behaviour every search backend promises, as one test mixin (Wagtail's backend tests
style). A backend's test module subclasses `BackendContract` and provides a `backend` fixture
yielding a fresh, empty backend; `refresh` must make writes searchable.

Documents are products with small deterministic 8-dimensional vectors, so no model is needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from indexing.backends.base import Filters, LexicalQuery, Range, SearchDocument, TermBoost, VectorQuery

DOC_TYPE = "product"
DIM = 8
EVERYWHERE = "item"  # a word in every title, so a lexical query can list everything


def unit_vector(seed: int, dim: int = DIM) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def product(
    pk: int,
    title: str = "",
    description: str = "",
    *,
    brand: str | None = None,
    category: str | None = None,
    price: float | None = None,
    rating: float | None = None,
    vector: np.ndarray | None = None,
) -> SearchDocument:
    title = title or f"{EVERYWHERE} {pk}"
    keywords = {name: [value] for name, value in (("brand", brand), ("category", category)) if value}
    numbers = {name: value for name, value in (("price", price), ("rating", rating)) if value is not None}
    return SearchDocument(
        id=f"{DOC_TYPE}:{pk}",
        doc_type=DOC_TYPE,
        text={"title": title, "description": description, "brand": brand or "", "category": category or ""},
        keywords=keywords,
        numbers=numbers,
        display={"title": title, "price": price, "image_url": f"/media/{pk}.jpg"},
        embedding_text=title,
        vector=unit_vector(pk) if vector is None else vector,
    )


def video(
    pk: int,
    *,
    passages: int = 0,
    products: tuple[int, ...] = (),
    views: float | None = None,
    visual: np.ndarray | None = None,
) -> SearchDocument:
    """A video whose passage vectors are `unit_vector(pk * 100 + i)`, i < passages."""
    keywords = {"product": [f"product:{p}" for p in products]} if products else {}
    return SearchDocument(
        id=f"video:{pk}",
        doc_type="video",
        text={"title": f"{EVERYWHERE} video {pk}"},
        keywords=keywords,
        numbers={} if views is None else {"views": views},
        display={"title": f"video {pk}"},
        embedding_text=f"video {pk}",
        vector=unit_vector(pk),
        passages=[f"passage {i}" for i in range(passages)],
        passage_vectors=np.stack([unit_vector(pk * 100 + i) for i in range(passages)]) if passages else None,
        visual_vector=visual,
    )


def catalog(size: int = 40) -> list[SearchDocument]:
    """Varied brands, categories and prices, with gaps so that `exists` filters bite."""
    brands = ["Acme", "Nike", "Zed", None]
    categories = ["shoes", "jackets", "bags"]
    return [
        product(
            pk,
            f"{EVERYWHERE} {pk}",
            brand=brands[pk % 4],
            category=categories[pk % 3],
            price=None if pk % 5 == 0 else float(pk * 3 % 97),
            rating=float(pk % 6),
        )
        for pk in range(1, size + 1)
    ]


def ids(hits) -> list[str]:
    return [hit.id for hit in hits]


def brute_force(docs, vector, filters: Filters, limit: int) -> list[str]:
    passing = [d for d in docs if filters.matches(d.keywords, d.numbers)]
    passing.sort(key=lambda d: -float(np.dot(d.vector, vector)))
    return [d.id for d in passing[:limit]]


FILTER_CASES = {
    "terms": Filters(terms={"brand": ("Nike",)}),
    "terms any of": Filters(terms={"brand": ("Nike", "Zed"), "category": ("shoes",)}),
    "range": Filters(ranges={"price": Range(gte=10, lte=50)}),
    "open range": Filters(ranges={"price": Range(gte=60)}),
    "exists keyword": Filters(exists=("brand",)),
    "exists number": Filters(exists=("price",)),
    "combined": Filters(
        terms={"category": ("shoes", "bags")}, ranges={"rating": Range(lte=3)}, exists=("brand", "price")
    ),
    "nothing passes": Filters(terms={"brand": ("Nobody",)}),
}


class BackendContract:
    def index(self, backend, docs):
        result = backend.index_documents(DOC_TYPE, docs)
        backend.refresh(DOC_TYPE)
        return result

    def lexical(self, backend, text, **options):
        return backend.search_lexical(DOC_TYPE, LexicalQuery(text, **options))

    def vector(self, backend, vector, **options):
        return backend.search_vector(DOC_TYPE, VectorQuery(vector, **options))

    # Index management.

    def test_ensure_index_is_idempotent(self, backend):
        backend.ensure_index(DOC_TYPE)
        backend.ensure_index(DOC_TYPE)
        backend.refresh(DOC_TYPE)

        assert backend.count(DOC_TYPE) == 0

    def test_indexed_documents_are_counted_after_refresh(self, backend):
        result = self.index(backend, catalog(5))

        assert (result.indexed, result.failed) == (5, 0)
        assert backend.count(DOC_TYPE) == 5
        assert backend.health()["status"] == "ok"

    def test_stored_values_round_trip_on_both_channels(self, backend):
        doc = product(7, "Trail runner", brand="Acme", category="shoes", price=49.5, rating=4.0)
        self.index(backend, [doc, product(8)])

        lexical_hit = self.lexical(backend, "trail")[0]
        vector_hit = self.vector(backend, doc.vector, limit=1)[0]

        for hit in (lexical_hit, vector_hit):
            assert (hit.doc_type, hit.id) == (DOC_TYPE, doc.id)
            assert hit.keywords == doc.keywords
            assert hit.numbers == doc.numbers
            assert hit.display == doc.display

    # Lexical channel.

    def test_title_match_ranks_above_description_match(self, backend):
        self.index(
            backend,
            [
                product(1, "Cotton shirt", "A shirt that goes well under a wool jacket"),
                product(2, "Wool jacket", "Warm and waterproof"),
            ],
        )

        assert ids(self.lexical(backend, "wool")) == ["product:2", "product:1"]
        flipped = self.lexical(backend, "wool", boosts={"title": 0.01, "description": 10.0})
        assert ids(flipped) == ["product:1", "product:2"]

    def test_hits_carry_per_field_bm25_scores(self, backend):
        self.index(backend, [product(1, "Wool jacket", "Wool lining"), product(2, "Cotton shirt", "Plain")])

        [hit] = self.lexical(backend, "wool")

        assert hit.field_scores["title"] > 0
        assert hit.field_scores["description"] > 0
        assert hit.field_scores["category"] == 0

    def test_and_operator_requires_every_term(self, backend):
        self.index(
            backend, [product(1, "Red wool jacket"), product(2, "Red shirt"), product(3, "Blue wool hat")]
        )

        assert set(ids(self.lexical(backend, "red wool"))) == {"product:1", "product:2", "product:3"}
        assert ids(self.lexical(backend, "red wool", operator="and")) == ["product:1"]

    def test_alternatives_broaden_recall_and_count_less_than_the_words_typed(self, backend):
        self.index(
            backend,
            [product(1, "Wool jumper"), product(2, "Fleece sweater"), product(3, "Cotton shirt")],
        )

        assert self.lexical(backend, "sweater") == self.lexical(backend, "sweater", alternatives=()) != []
        broadened = self.lexical(backend, "sweater", alternatives=(("jumper", 0.5), ("pullover", 0.5)))

        assert ids(broadened) == ["product:2", "product:1"]
        assert broadened[1].score < broadened[0].score
        # A document scores its best match, not the sum over the texts it matches.
        both = self.lexical(backend, "sweater", alternatives=(("fleece", 0.3), ("fleece sweater", 0.3)))
        assert both[0].score == pytest.approx(self.lexical(backend, "sweater")[0].score, rel=1e-4)
        # Per-field scores stay those of the words typed.
        assert broadened[1].field_scores["title"] == 0

    def test_every_term_of_one_alternative_satisfies_the_and_operator(self, backend):
        self.index(backend, [product(1, "Wool jumper"), product(2, "Wool hat"), product(3, "Red jumper")])

        hits = self.lexical(backend, "wool sweater", operator="and", alternatives=(("wool jumper", 0.8),))

        assert ids(hits) == ["product:1"]

    def test_term_boosts_reorder_without_filtering(self, backend):
        docs = [
            product(1, "Trail shoe", brand="Acme", category="shoes"),
            product(2, "Trail shoe light", brand="Nike", category="shoes"),
            product(3, "Trail bag", brand="Nike", category="bags"),
            product(4, "City bag", brand="Nike", category="bags"),
        ]
        self.index(backend, docs)
        plain = self.lexical(backend, "trail shoe")

        by_brand = self.lexical(
            backend,
            "trail shoe",
            term_boosts=(TermBoost("brand", "Nike", 50.0), TermBoost("hashtags", "x", 1.0)),
        )
        by_category = self.lexical(backend, "trail", term_boosts=(TermBoost("category", "bags", 50.0),))

        assert ids(plain)[0] == "product:1"
        assert ids(by_brand)[:2] == ["product:2", "product:3"]
        assert set(ids(by_brand)) == set(ids(plain)) == {"product:1", "product:2", "product:3"}
        assert ids(by_category)[0] == "product:3"
        assert set(ids(by_category)) == {"product:1", "product:2", "product:3"}

    def test_a_text_term_boost_is_a_phrase(self, backend):
        self.index(backend, [product(1, "Blue shirt, dark collar"), product(2, "Dark blue shirt")])

        plain = self.lexical(backend, "shirt", term_boosts=(TermBoost("title", "blue dark", 50.0),))
        boosted = self.lexical(backend, "shirt", term_boosts=(TermBoost("title", "dark blue", 50.0),))

        assert boosted[0].id == "product:2"
        assert boosted[0].score - 50.0 == pytest.approx(
            plain[[h.id for h in plain].index("product:2")].score, rel=1e-3
        )

    def test_text_is_stemmed(self, backend):
        self.index(backend, [product(1, "Running shoes"), product(2, "Leather bag")])

        assert ids(self.lexical(backend, "run shoe")) == ["product:1"]

    def test_an_inch_size_matches_the_unit_the_query_normaliser_writes(self, backend):
        # titles write 55" or 24-inch; "55 inch" is normalised to "55in" before it is searched
        self.index(
            backend,
            [
                product(1, 'TV 139.7 cm (55")'),
                product(2, 'TV 101.6 cm (40")'),
                product(3, "Monitor 24-inch widescreen"),
                product(4, "Sleeve 55 cm"),
            ],
        )

        assert ids(self.lexical(backend, "55in")) == ["product:1"]
        assert ids(self.lexical(backend, "24in")) == ["product:3"]
        assert set(ids(self.lexical(backend, "55"))) == {"product:1", "product:4"}  # as typed
        stored = self.lexical(backend, "55in")[0].display["title"]
        assert stored == 'TV 139.7 cm (55")'  # shown as the catalog writes it

    @pytest.mark.parametrize(
        "text",
        [
            '"a:b (c) -d AND',
            "title:wool",
            "AND OR NOT",
            "((( [ ] { } ^ ~ * ? \\ / !",
            "wool 👟🔥 jacket",
            "",
            "   ",
            "wool " * 2000,
            "\x00\x01 wool",
        ],
    )
    def test_query_syntax_never_raises(self, backend, text):
        self.index(backend, [product(1, "Wool jacket")])

        hits = self.lexical(backend, text)

        assert ids(hits) in ([], ["product:1"])

    def test_query_syntax_characters_do_not_change_semantics(self, backend):
        self.index(backend, [product(1, "Wool jacket"), product(2, "Cotton shirt")])

        assert ids(self.lexical(backend, "wool -jacket")) == ["product:1"]
        assert ids(self.lexical(backend, "description:wool")) == ["product:1"]

    # Vector channel.

    def test_vector_search_finds_the_nearest_neighbour(self, backend):
        docs = catalog(30)
        self.index(backend, docs)

        for doc in docs[:5]:
            hits = self.vector(backend, doc.vector, limit=5)
            assert hits[0].id == doc.id
            assert hits[0].score == pytest.approx(1.0, abs=1e-3)
            assert ids(hits) == brute_force(docs, doc.vector, Filters(), 5)

    def test_vectors_returns_the_stored_vectors_of_live_documents(self, backend):
        docs = catalog(10)
        self.index(backend, docs)
        backend.delete_documents(DOC_TYPE, ["product:2"])
        backend.refresh(DOC_TYPE)

        found = backend.vectors(DOC_TYPE, ["product:1", "product:2", "product:3", "product:999"])

        assert sorted(found) == ["product:1", "product:3"]
        np.testing.assert_allclose(found["product:3"], docs[2].vector, atol=1e-6)
        assert backend.vectors(DOC_TYPE, []) == {}

    def test_similarities_are_cosines_in_id_order_nan_without_a_vector(self, backend):
        docs = catalog(10)
        self.index(backend, docs)
        backend.delete_documents(DOC_TYPE, ["product:2"])
        backend.refresh(DOC_TYPE)
        query = docs[0].vector

        scores = backend.similarities(DOC_TYPE, ["product:3", "product:2", "product:1", "product:999"], query)

        assert scores.shape == (4,)
        np.testing.assert_allclose(scores[[0, 2]], [docs[2].vector @ query, query @ query], atol=1e-5)
        assert np.isnan(scores[[1, 3]]).all()
        assert backend.similarities(DOC_TYPE, [], query).shape == (0,)

    def test_selective_filter_returns_the_exact_neighbours(self, backend):
        docs = catalog(120)
        rare = [product(1000 + i, brand="Rare", price=5.0) for i in range(4)]
        self.index(backend, docs + rare)
        filters = Filters(terms={"brand": ("Rare",)})

        for seed in range(3):
            query = unit_vector(5000 + seed)
            hits = self.vector(backend, query, filters=filters, limit=10)
            assert ids(hits) == brute_force(docs + rare, query, filters, 10)

    # Filters: both channels, one meaning.

    @pytest.mark.parametrize("case", FILTER_CASES)
    def test_filters_select_the_same_documents_on_both_channels(self, backend, case):
        docs = catalog(40)
        self.index(backend, docs)
        filters = FILTER_CASES[case]
        expected = {d.id for d in docs if filters.matches(d.keywords, d.numbers)}

        lexical = self.lexical(backend, EVERYWHERE, filters=filters, limit=100)
        vector = self.vector(backend, unit_vector(99), filters=filters, limit=100)

        assert set(ids(lexical)) == expected
        assert set(ids(vector)) == expected
        assert len(ids(lexical)) == len(ids(vector)) == len(expected)

    # Writes.

    def test_upsert_replaces_the_document(self, backend):
        self.index(backend, [product(1, "Wool jacket"), product(2)])
        replacement = product(1, "Linen trousers", vector=unit_vector(77))
        self.index(backend, [replacement])

        assert backend.count(DOC_TYPE) == 2
        assert self.lexical(backend, "wool") == []
        assert ids(self.lexical(backend, "linen")) == ["product:1"]
        vector_ids = ids(self.vector(backend, replacement.vector, limit=10))
        assert vector_ids[0] == "product:1"
        assert sorted(vector_ids) == ["product:1", "product:2"]

    def test_delete_removes_from_both_channels(self, backend):
        docs = [product(1, "Wool jacket"), product(2, "Wool hat")]
        self.index(backend, docs)

        deleted = backend.delete_documents(DOC_TYPE, ["product:1", "product:404"])
        backend.refresh(DOC_TYPE)

        assert deleted == 1
        assert backend.count(DOC_TYPE) == 1
        assert ids(self.lexical(backend, "wool")) == ["product:2"]
        assert ids(self.vector(backend, docs[0].vector, limit=10)) == ["product:2"]

    # Rebuilds.

    def test_rebuild_swaps_atomically_and_searches_work_meanwhile(self, backend):
        self.index(backend, [product(1, "Old jacket"), product(2, "Old hat")])
        rebuild = backend.start_rebuild(DOC_TYPE)
        rebuild.index_documents([product(2, "New hat"), product(3, "New bag")])
        # Another worker fills a chunk of the same rebuild, found by name.
        backend.open_rebuild(DOC_TYPE, rebuild.name).index_documents([product(4, "New shoe")])
        backend.refresh(DOC_TYPE)

        assert set(ids(self.lexical(backend, "old"))) == {"product:1", "product:2"}
        assert self.lexical(backend, "new") == []

        rebuild.commit()
        backend.refresh(DOC_TYPE)

        assert backend.count(DOC_TYPE) == 3
        assert self.lexical(backend, "old") == []
        assert sorted(ids(self.lexical(backend, "new"))) == ["product:2", "product:3", "product:4"]
        assert sorted(ids(self.vector(backend, unit_vector(3), limit=10))) == [
            "product:2",
            "product:3",
            "product:4",
        ]

    def test_aborted_rebuild_leaves_the_old_index(self, backend):
        self.index(backend, [product(1, "Old jacket")])
        rebuild = backend.start_rebuild(DOC_TYPE)
        rebuild.index_documents([product(2, "New hat")])

        rebuild.abort()
        backend.refresh(DOC_TYPE)

        assert backend.count(DOC_TYPE) == 1
        assert ids(self.lexical(backend, "old")) == ["product:1"]
        with pytest.raises(ValueError):
            backend.open_rebuild(DOC_TYPE, rebuild.name)

    # Suggestions.

    def test_suggest_completes_brands_first_then_titles(self, backend):
        self.index(
            backend,
            [
                product(1, "Nike Air Max", brand="Nike", category="shoes"),
                product(2, "Running vest by Nike", brand="Nike", category="shoes"),
                product(3, "Nimbus trail shoe", brand="Acme", category="shoes"),
            ],
        )

        suggestions = backend.suggest("ni", [DOC_TYPE], limit=10)

        assert suggestions[0] == {"text": "Nike", "field": "brand", "doc_type": DOC_TYPE, "count": 2}
        titles = [s["text"] for s in suggestions if s["field"] == "title"]
        assert set(titles[:2]) == {"Nike Air Max", "Nimbus trail shoe"}
        assert "Running vest by Nike" in titles
        assert backend.suggest("sho", [DOC_TYPE])[0] == {
            "text": "shoes",
            "field": "category",
            "doc_type": DOC_TYPE,
            "count": 3,
        }
        assert backend.suggest("qqq", [DOC_TYPE]) == []

    def test_suggestions_follow_commits(self, backend):
        self.index(backend, [product(1, "Nimbus trail shoe")])
        for limit in (1, 10):
            assert [s["text"] for s in backend.suggest("ni", [DOC_TYPE], limit=limit)] == [
                "Nimbus trail shoe"
            ]
        self.index(backend, [product(2, "Nike Air Max"), product(3, "Running vest by Nike")])
        titles = [s["text"] for s in backend.suggest("ni", [DOC_TYPE], limit=10)]
        assert titles == ["Nike Air Max", "Nimbus trail shoe", "Running vest by Nike"]
        assert [s["text"] for s in backend.suggest("ni", [DOC_TYPE], limit=1)] == ["Nike Air Max"]

    # Other vector spaces: one hit per document, scored by its best vector.

    def test_passage_space_scores_each_video_by_its_best_passage(self, backend):
        videos = [video(1, passages=3, views=10), video(2, passages=2, views=500), video(3, views=500)]
        backend.index_documents("video", videos)
        backend.refresh("video")

        query = unit_vector(201)  # video 2's second passage
        hits = backend.search_vector("video", VectorQuery(query, limit=10, space="passage"))

        assert ids(hits) == ["video:2", "video:1"]  # one hit per video; video 3 has no passage
        assert hits[0].field_scores == {"passage_cosine": pytest.approx(1.0, abs=1e-3), "passage": 1}
        assert hits[0].score == pytest.approx(1.0, abs=1e-3)
        best_of_1 = max(float(np.dot(unit_vector(100 + i), query)) for i in range(3))
        assert hits[1].score == pytest.approx(best_of_1, abs=1e-3)
        assert hits[1].field_scores["passage"] == int(
            np.argmax([np.dot(unit_vector(100 + i), query) for i in range(3)])
        )
        assert hits[0].display == {"title": "video 2"}
        filtered = VectorQuery(query, filters=Filters(ranges={"views": Range(lte=100)}), space="passage")
        assert ids(backend.search_vector("video", filtered)) == ["video:1"]
        assert len(backend.search_vector("video", VectorQuery(query, limit=1, space="passage"))) == 1

    def test_visual_space_is_separate_from_the_text_vectors(self, backend):
        looks = unit_vector(7, dim=4)
        docs = [product(1), product(2), product(3)]
        docs[0].visual_vector, docs[1].visual_vector = unit_vector(8, dim=4), looks
        self.index(backend, docs)

        hits = backend.search_vector(DOC_TYPE, VectorQuery(looks, limit=10, space="visual"))

        assert ids(hits) == ["product:2", "product:1"]
        assert hits[0].field_scores == {"visual_cosine": pytest.approx(1.0, abs=1e-3)}
        assert ids(self.vector(backend, unit_vector(3), limit=1)) == ["product:3"]
        assert sorted(backend.vectors(DOC_TYPE, ["product:1", "product:2"])) == ["product:1", "product:2"]
        np.testing.assert_allclose(
            backend.vectors(DOC_TYPE, ["product:2"])["product:2"], unit_vector(2), atol=1e-6
        )
        # A space the doc type lacks, or never filled, has no hits.
        assert backend.search_vector(DOC_TYPE, VectorQuery(unit_vector(1), space="passage")) == []
        assert backend.search_vector("live", VectorQuery(looks, space="visual")) == []

    def test_other_spaces_follow_upserts_deletes_and_rebuilds(self, backend):
        backend.index_documents("video", [video(1, passages=2), video(2, passages=2)])
        backend.index_documents("video", [video(1)])  # its transcript is gone
        backend.delete_documents("video", ["video:2"])
        backend.refresh("video")

        assert backend.search_vector("video", VectorQuery(unit_vector(100), space="passage")) == []

        rebuild = backend.start_rebuild("video")
        rebuild.index_documents([video(3, passages=1), video(4, passages=2)])
        rebuild.commit()
        backend.refresh("video")
        hits = backend.search_vector("video", VectorQuery(unit_vector(401), limit=10, space="passage"))
        assert ids(hits) == ["video:4", "video:3"] and hits[0].field_scores["passage"] == 1

    # Fetching by id (documents a merchandiser pinned).

    def test_documents_come_in_the_order_asked_within_the_filters(self, backend):
        backend.index_documents(DOC_TYPE, catalog(6))
        backend.refresh(DOC_TYPE)
        asked = ["product:5", "product:nope", "product:2", "product:5", "product:3"]

        assert ids(backend.documents(DOC_TYPE, asked, Filters())) == ["product:5", "product:2", "product:3"]
        # product 5 is Nike's, 2 Zed's, 3 has no brand
        nike = backend.documents(DOC_TYPE, asked, Filters(terms={"brand": ("Nike",)}))
        assert ids(nike) == ["product:5"]
        found = backend.documents(DOC_TYPE, ["product:2"], Filters())[0]
        assert found.score == 0.0 and found.display == catalog(6)[1].display
        assert backend.documents(DOC_TYPE, [], Filters()) == []

        backend.delete_documents(DOC_TYPE, ["product:2"])
        backend.refresh(DOC_TYPE)
        assert ids(backend.documents(DOC_TYPE, asked, Filters())) == ["product:5", "product:3"]

    # Listing by filter (relevance propagated from tagged products).

    def test_search_terms_lists_every_match_by_id_unscored(self, backend):
        videos = [
            video(1, products=(1, 2)),
            video(2, products=(3,)),
            video(3, products=(2,), views=5),
            video(10, products=(2, 3)),
        ]
        backend.index_documents("video", videos)
        backend.refresh("video")

        tagging = backend.search_terms("video", Filters(terms={"product": ("product:2",)}), limit=10)

        assert ids(tagging) == ["video:1", "video:10", "video:3"]
        assert {hit.score for hit in tagging} == {0.0}
        assert tagging[2].keywords == {"product": ["product:2"]} and tagging[2].numbers == {"views": 5}
        assert tagging[2].display == {"title": "video 3"}
        assert ids(backend.search_terms("video", Filters(terms={"product": ("product:2",)}), limit=2)) == [
            "video:1",
            "video:10",
        ]
        assert ids(backend.search_terms("video", Filters(), limit=10)) == [
            "video:1",
            "video:10",
            "video:2",
            "video:3",
        ]
        assert backend.search_terms("video", Filters(terms={"product": ("product:9",)}), limit=10) == []
        with pytest.raises(ValueError):
            backend.search_terms("video", Filters(terms={"title": ("x",)}), limit=10)
