"""English words as correction targets only when they are about what the catalog sells: real
model, real local index."""

from io import StringIO

import pytest
from django.core.management import call_command

from indexing.embeddings import get_embedder
from searchapp.query import relatedness
from searchapp.query import vocabulary as vocabulary_module
from searchapp.query.relatedness import indexed_product_vectors, related_words
from searchapp.query.spelling import SpellingCorrector
from searchapp.query.vocabulary import build_vocabulary
from tests.catalog.factories import load_rows, product_row

AUDIO_TITLES = (
    "Sony WH-1000XM4 wireless headphones Black",
    "Bose QuietComfort 45 headphones White",
    "Philips PC Headset SHM3100/00",
    "Philips PC Headset SHM7500/00",
    "JBL Tune 110 in-ear headphones Black",
    "Sennheiser HD 200 Pro headphones",
)
ENGLISH_WORDS = ["earphones", "haste", "earbuds", "intend", "lease"]


def test_words_near_the_products_are_kept_in_their_order():
    embedder = get_embedder()
    products = embedder.encode_documents([*AUDIO_TITLES, "HP 305A toner cartridge Original Cyan"])
    words = embedder.encode_documents(ENGLISH_WORDS)
    assert related_words(ENGLISH_WORDS, words, products) == ["earphones", "earbuds"]


@pytest.fixture
def audio_products(db):
    load_rows([product_row(id=f"SKU-{i}", title=title) for i, title in enumerate(AUDIO_TITLES)])


@pytest.fixture
def indexed_audio_products(audio_products, local_index_dir):
    call_command("rebuild_index", "--type", "product", stdout=StringIO())


@pytest.mark.django_db
def test_the_built_vocabulary_corrects_only_to_related_english_words(indexed_audio_products, monkeypatch):
    # The real list has ~50,000 words (most of a minute to encode): a few stand for it.
    monkeypatch.setattr(vocabulary_module, "common_english_words", lambda: ENGLISH_WORDS)

    vocabulary = build_vocabulary()

    assert vocabulary.common_words == ENGLISH_WORDS  # still never "corrected" when typed
    assert vocabulary.related_words == ["earphones", "earbuds"]
    corrector = SpellingCorrector(vocabulary)
    # "haste" is one edit from "heaste", "headset" two, but only the latter is about headsets.
    assert corrector.correct(["heaste"]).corrected == "headset"
    assert corrector.correct(["earphnes"]).corrected == "earphones"


@pytest.mark.django_db
def test_a_large_catalog_is_sampled_evenly(indexed_audio_products, monkeypatch):
    assert len(indexed_product_vectors()) == len(AUDIO_TITLES)
    monkeypatch.setattr(relatedness, "MAX_PRODUCTS", 4)
    assert len(indexed_product_vectors()) == 3  # every second of the six


@pytest.mark.django_db
def test_without_indexed_products_every_english_word_stays_a_target(
    audio_products, local_index_dir, monkeypatch
):
    monkeypatch.setattr(vocabulary_module, "common_english_words", lambda: ENGLISH_WORDS)

    vocabulary = build_vocabulary()

    assert vocabulary.related_words is None
    assert SpellingCorrector(vocabulary).correct(["heaste"]).corrected == "haste"


@pytest.mark.django_db
def test_the_words_are_encoded_once_with_progress(indexed_audio_products, monkeypatch, settings, tmp_path):
    # The rebuild loaded the embedder (its ONNX export found) before the cache moves.
    settings.EMBEDDINGS_CACHE_DIR = tmp_path
    monkeypatch.setattr(relatedness, "ENCODE_CHUNK", 2)
    reports = []

    first = relatedness.catalog_related_words(
        ENGLISH_WORDS, lambda done, total: reports.append((done, total))
    )
    assert reports == [(2, 5), (4, 5), (5, 5)]
    again = relatedness.catalog_related_words(
        ENGLISH_WORDS, lambda done, total: reports.append((done, total))
    )
    assert again == first == ["earphones", "earbuds"]
    assert len(reports) == 3  # read back from the cache, not encoded again
