"""Document builders: every schema field, only active products, a fixed number of queries."""

import pytest

from indexing.documents import DOC_TYPE_MODELS, ancestor_paths, build_documents, flatten_attributes
from indexing.schema import get_schema

pytestmark = pytest.mark.django_db


def test_product_document_follows_the_schema(catalog):
    # given an active product with brand, category tree, shop and attributes
    product = catalog["sony_headphones"]

    # when its document is built
    [doc] = build_documents("product", [product.pk])

    # then every field is filled as the schema says
    schema = get_schema("product")
    assert doc.id == f"product:{product.pk}" and doc.doc_type == "product"
    assert set(doc.text) == set(schema.text_fields)
    assert set(doc.keywords) <= set(schema.keyword_fields)
    assert set(doc.numbers) <= set(schema.numeric_fields)
    assert set(doc.display) == set(schema.display_fields)
    assert doc.text["category"] == "Electronics Audio Headphones"
    assert doc.text["attributes"] == "battery life max 30; product colour Black; wireless yes"
    assert doc.keywords == {
        "brand": ["Sony"],
        "category": ["Headphones"],
        "category_path": ["electronics", "electronics/audio", "electronics/audio/headphones"],
        "colour": ["black"],
        "feature": ["wireless"],
        "shop": ["audio-shop"],
        "status": ["active"],
        "currency": ["USD"],
        "in_stock": ["true"],
    }
    assert doc.numbers["price"] == pytest.approx(279.99)
    assert doc.numbers["released_ts"] == 1596672000.0
    assert set(doc.numbers) == set(schema.numeric_fields)
    assert doc.display["price"] == pytest.approx(279.99) and doc.display["shop"] == "Audio Shop"
    assert len(doc.display["description"]) <= 301
    assert doc.embedding_text == f"Sony WH-1000XM4 wireless headphones Black. {product.description}"
    assert doc.vector is None


def test_out_of_stock_product_says_so(catalog):
    [doc] = build_documents("product", [catalog["bose_headphones"].pk])
    assert doc.keywords["in_stock"] == ["false"]
    assert "released_ts" not in doc.numbers


def test_only_active_products_are_built(catalog):
    # given an active and a draft product, and a pk that does not exist
    pks = [catalog["sony_headphones"].pk, catalog["draft"].pk, 999_999]

    # when documents are built
    docs = build_documents("product", pks)

    # then only the active one is there
    assert [d.id for d in docs] == [f"product:{catalog['sony_headphones'].pk}"]


def test_video_document_carries_its_active_products(catalog):
    video = catalog["video"]
    [doc] = build_documents("video", [video.pk])
    assert set(doc.text) == set(get_schema("video").text_fields)
    assert doc.text["hashtags"] == "headphones anc"
    assert "Unreleased prototype" not in doc.text["product_titles"]
    assert doc.keywords["brand"] == ["Sony", "Bose"]
    # A video shows its products' colours: a colour filter keeps the videos of such products.
    assert doc.keywords["colour"] == ["black", "white"]
    assert doc.keywords["category_path"] == [
        "electronics",
        "electronics/audio",
        "electronics/audio/headphones",
    ]
    assert doc.keywords["kind"] == ["review"] and doc.keywords["creator"] == ["techreviewer"]
    assert doc.numbers["min_product_price"] == 249.0
    assert doc.display["image_url"] == doc.image_url == "https://images.example.com/v1.jpg"
    # Tagged active products by document id: the filter that finds a product's videos.
    assert doc.keywords["product"] == [
        f"product:{catalog['sony_headphones'].pk}",
        f"product:{catalog['bose_headphones'].pk}",
    ]
    assert doc.passages == ["Today we compare..."]
    assert doc.display["product_ids"] == [
        catalog["sony_headphones"].external_id,
        catalog["bose_headphones"].external_id,
    ]


def test_live_document(catalog):
    live = catalog["live"]
    [doc] = build_documents("live", [live.pk])
    assert doc.text["shop_name"] == "Audio Shop"
    assert doc.keywords["status"] == ["scheduled"] and doc.keywords["brand"] == ["Bose"]
    assert doc.keywords["product"] == [f"product:{catalog['bose_headphones'].pk}"]
    assert doc.passages == [] and doc.image_url == ""  # Bose has no image
    assert doc.numbers == {
        "viewer_count": 0.0,
        "scheduled_ts": live.scheduled_at.timestamp(),
        "min_product_price": 249.0,
    }
    assert doc.display["scheduled_at"] == "2024-02-01T18:00:00+00:00"
    assert doc.display["host"] == "Ana" and doc.display["product_ids"] == [
        catalog["bose_headphones"].external_id
    ]


@pytest.mark.parametrize(("doc_type", "queries"), [("product", 2), ("video", 4), ("live", 4)])
def test_builders_use_a_fixed_number_of_queries(catalog, django_assert_num_queries, doc_type, queries):
    # given many rows of a type
    from catalog.models import Video

    if doc_type == "video":
        for i in range(20):
            Video.objects.create(
                creator=f"c{i}", title=f"v{i}", published_at=catalog["video"].published_at
            ).products.set([catalog["sony_headphones"], catalog["bose_headphones"]])
    pks = list(DOC_TYPE_MODELS[doc_type].objects.values_list("pk", flat=True))

    # when all are built, then the query count does not grow with the number of rows
    with django_assert_num_queries(queries):
        build_documents(doc_type, pks)


def test_ancestor_paths_and_attributes():
    assert ancestor_paths("a/b/c") == ["a", "a/b", "a/b/c"]
    assert flatten_attributes({"ports": ["usb", "hdmi"], "empty": "", "weight_kg": 1.5}) == [
        "ports usb hdmi",
        "weight kg 1.5",
    ]
    # A feature the product lacks is not searchable text: "bluetooth" must not find it.
    assert flatten_attributes({"bluetooth": False, "wi_fi": True}) == ["wi fi yes"]
