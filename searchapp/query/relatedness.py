"""Which English words the catalog lacks are still about what it sells.

Spelling correction aims at catalog words and at English words the catalog does not use (a
shopper may mean "earphones" where titles say "headphones": the dense channel finds by
meaning what the lexical one cannot). Most English words are about nothing a shop sells,
though, and one of them a single edit away used to win over the catalog word two edits away
that was meant: "heaste" became "haste", not "headset"; "ixntendo" became "intend".

So an English word is a correction target only when its embedding lies near products: the
mean cosine of its RELATED_NEIGHBOURS nearest product vectors reaches RELATED_MIN_COSINE.
On Chorus: "earphones" 0.66, "earbuds" 0.58, "sneakers" 0.43; "haste" 0.29, "intend" 0.22;
the median English word 0.29 (DEVELOPERS-NOTES.md has the measurements).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

RELATED_NEIGHBOURS = 5
RELATED_MIN_COSINE = 0.35
# Words scored against the product matrix at once: bounds the (words x products) block.
SCORE_BATCH = 1024
# Product ids per backend.vectors() call (one Elasticsearch mget each).
VECTOR_FETCH_BATCH = 1000
# Words encoded between two progress reports.
ENCODE_CHUNK = 5000
# Products scored against, at most: an even sample of a larger catalog (50,000 x 384 floats
# is 77 MB; all of a million products would be 1.5 GB for a build step).
MAX_PRODUCTS = 50_000


def related_words(words: list[str], word_vectors: np.ndarray, product_vectors: np.ndarray) -> list[str]:
    """`words` (in their order) whose vectors are near enough the products' (all rows
    L2-normalised float32)."""
    neighbours = min(RELATED_NEIGHBOURS, len(product_vectors))
    kept = []
    for start in range(0, len(words), SCORE_BATCH):
        cosines = word_vectors[start : start + SCORE_BATCH] @ product_vectors.T
        nearest = np.partition(cosines, -neighbours, axis=1)[:, -neighbours:]
        closeness = nearest.mean(axis=1)
        kept.extend(
            word
            for word, close in zip(words[start : start + SCORE_BATCH], closeness, strict=True)
            if close >= RELATED_MIN_COSINE
        )
    return kept


def catalog_related_words(words: list[str], progress: Progress | None = None) -> list[str] | None:
    """The words related to the indexed products; None when no product vector is indexed yet
    (every word then stays a target, as before the catalog was indexed). `progress(done,
    total)` follows the encoding of the words, when they are not cached yet."""
    products = indexed_product_vectors()
    if products is None or not words:
        return None
    return related_words(words, word_vectors(words, progress), products)


def indexed_product_vectors() -> np.ndarray | None:
    from catalog.models import Product
    from indexing.backends import get_backend
    from indexing.schema import document_id

    backend = get_backend()
    pks = list(
        Product.objects.filter(status=Product.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    ids = [document_id("product", pk) for pk in pks[:: max(1, math.ceil(len(pks) / MAX_PRODUCTS))]]
    found: list[np.ndarray] = []
    for start in range(0, len(ids), VECTOR_FETCH_BATCH):
        found.extend(backend.vectors("product", ids[start : start + VECTOR_FETCH_BATCH]).values())
    return np.stack(found) if found else None


def word_vectors(words: list[str], progress: Progress | None = None) -> np.ndarray:
    """The words' embeddings, kept on disk per model and word list: the English list hardly
    changes, and encoding its ~50,000 words takes most of a minute. Kept as float16 (38 MB
    instead of 77): on Chorus that moved one word of 50,313 across the threshold ("bleaching")."""
    from indexing.embeddings import get_embedder

    embedder = get_embedder()
    digest = hashlib.sha256("\0".join([embedder.model_name, *words]).encode()).hexdigest()[:16]
    path = Path(settings.EMBEDDINGS_CACHE_DIR) / "words" / f"{digest}.npy"
    if path.is_file():
        return np.load(path).astype(np.float32)
    logger.info("encoding %d English words for their relatedness to the catalog", len(words))
    # Rounded before use too, so the first build decides as every later one does.
    vectors = np.empty((len(words), embedder.dimension), dtype=np.float16)
    for start in range(0, len(words), ENCODE_CHUNK):
        vectors[start : start + ENCODE_CHUNK] = embedder.encode_documents(words[start : start + ENCODE_CHUNK])
        if progress is not None:
            progress(min(start + ENCODE_CHUNK, len(words)), len(words))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, vectors)
    temporary.replace(path)  # atomic: a concurrent build never reads half a file
    return vectors.astype(np.float32)
