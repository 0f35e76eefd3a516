"""The visual space end to end with a tiny CLIP built here (random weights, nothing
downloaded): the encoder loads from VISUAL_MODEL_PATH, images are read from disk, indexing
stores their vectors, and a text query searches them."""

import json
import logging
import string

import numpy as np
import pytest
from PIL import Image
from sentence_transformers import SentenceTransformer
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

from catalog.models import Product
from indexing import indexer
from indexing.backends import get_backend
from indexing.backends.base import SearchDocument, VectorQuery
from indexing.visual import embed_images, get_visual_encoder, load_image, reset_visual_encoder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def tiny_clip_path(tmp_path_factory):
    """A sentence-transformers directory holding a CLIP with 16-wide towers and 8-d output."""
    raw = tmp_path_factory.mktemp("tiny-clip-raw")
    symbols = list(string.ascii_lowercase + string.digits)
    vocab = {token: i for i, token in enumerate(symbols + [s + "</w>" for s in symbols])}
    vocab |= {"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1}
    (raw / "vocab.json").write_text(json.dumps(vocab))
    (raw / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(raw / "vocab.json"), str(raw / "merges.txt"))
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
    )
    tower = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
    config = CLIPConfig(
        text_config={
            **tower,
            "vocab_size": len(vocab),
            "max_position_embeddings": 32,
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": vocab["<|endoftext|>"],
            "pad_token_id": vocab["<|endoftext|>"],
        },
        vision_config={**tower, "image_size": 32, "patch_size": 16},
        projection_dim=8,
    )
    CLIPModel(config).save_pretrained(raw)
    processor.save_pretrained(raw)
    path = tmp_path_factory.mktemp("tiny-clip")
    SentenceTransformer(str(raw), device="cpu").save(str(path))
    return str(path)


@pytest.fixture
def visual_settings(settings, tiny_clip_path):
    settings.VISUAL_MODEL_PATH = tiny_clip_path
    reset_visual_encoder()
    yield settings
    reset_visual_encoder()


def picture(path, colour, stripes=False):
    image = Image.new("RGB", (48, 40), colour)
    if stripes:
        for x in range(0, 48, 6):
            image.paste((255, 255, 255), (x, 0, x + 3, 40))
    image.save(path)
    return path


def test_visual_matching_is_off_without_a_model_path(settings, catalog, recording_backend, tmp_path):
    settings.VISUAL_MODEL_PATH = ""
    reset_visual_encoder()
    sony = catalog["sony_headphones"]
    Product.objects.filter(pk=sony.pk).update(image_url=str(picture(tmp_path / "sony.png", (10, 10, 10))))

    report = indexer.index_objects("product", [sony.pk], recording_backend)

    assert get_visual_encoder() is None
    assert report.images == 0 and recording_backend.docs[f"product:{sony.pk}"].visual_vector is None


def test_the_encoder_reads_images_from_disk_into_one_space_with_texts(visual_settings, tmp_path):
    encoder = get_visual_encoder()
    red, striped = picture(tmp_path / "red.png", (200, 0, 0)), picture(tmp_path / "s.png", (200, 0, 0), True)

    images = encoder.encode_images([load_image(str(red)), load_image(red.as_uri()), load_image(str(striped))])
    texts = encoder.encode_text(["red headphones", "blue speaker"])

    assert encoder.dim == 8 and images.shape == (3, 8) and texts.shape == (2, 8)
    assert images.dtype == texts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(np.vstack([images, texts]), axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(images[0], images[1], atol=1e-6)  # a path and its file:// URL
    assert float(images[0] @ images[2]) < 0.9999  # different pictures, different vectors
    assert float(texts[0] @ texts[1]) < 0.9999


def test_indexing_stores_visual_vectors_that_a_text_query_finds(
    visual_settings, catalog, local_index_dir, tmp_path, caplog
):
    sony, bose = catalog["sony_headphones"], catalog["bose_headphones"]
    Product.objects.filter(pk=sony.pk).update(image_url=str(picture(tmp_path / "sony.png", (10, 10, 10))))
    Product.objects.filter(pk=bose.pk).update(image_url=(tmp_path / "missing.png").as_uri())

    with caplog.at_level(logging.WARNING, logger="indexing.visual"):
        first = indexer.index_objects("product", [sony.pk, bose.pk])
    second = indexer.index_objects("product", [sony.pk, bose.pk])

    # The missing image costs Bose its visual vector only, with a warning; nothing fails.
    assert (first.indexed, first.failed, first.images) == (2, 0, 1)
    assert "missing.png" in caplog.text
    # The image vector is cached like text vectors: the second pass encodes nothing.
    assert second.encoded == 0 and second.images == 1
    encoder = get_visual_encoder()
    query = encoder.encode_text(["black headphones"])[0]
    hits = get_backend().search_vector("product", VectorQuery(query, limit=5, space="visual"))
    expected = float(encoder.encode_images([load_image(str(tmp_path / "sony.png"))])[0] @ query)
    assert [hit.id for hit in hits] == [f"product:{sony.pk}"]
    assert hits[0].field_scores["visual_cosine"] == pytest.approx(expected, abs=1e-4)
    assert get_backend().count("product") == 2


def test_unreadable_sources_are_skipped(visual_settings, catalog, tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    docs = [_doc(str(tmp_path / "broken.jpg")), _doc("ftp://example.com/a.png"), _doc("")]

    stats = embed_images(docs)

    assert stats.images == 0 and [d.visual_vector for d in docs] == [None, None, None]


def _doc(url):
    return SearchDocument("product:1", "product", {}, {}, {}, {}, "x", image_url=url)
